"""Reading the premises register: one premises by UPRN, and which premises an address names."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from premises.matching import Match, Verdict, compare
from premises.models import Premises
from premises.parsing import AddressParts, parse_address
from premises.search import premises_search

# Premises compared per resolution: a building's flats, or the premises of one street number.
RESOLVE_CANDIDATES = 100


def premises_get(uprn: int | str | None) -> Premises | None:
    """The premises with this UPRN, or None (also for a UPRN that is not a number)."""
    try:
        value = int(str(uprn).strip())
    except (TypeError, ValueError):
        return None
    if not 0 < value < 10**12:
        return None
    return Premises.objects.filter(uprn=value).first()


@dataclass(frozen=True)
class Resolution:
    """What an address resolved to. `premises` is set only for an exact match (one premises the
    address names without doubt); `parts` are the parsed parts either way, `match` says how sure
    and why, and `probable` lists premises the address probably names."""

    parts: AddressParts
    premises: Premises | None
    match: Match
    probable: tuple[Premises, ...] = ()


def premises_resolve(*, address: str = "", uprn: int | str | None = None) -> Resolution:
    """Resolve a written address (and the UPRN when the handler picked the premises) to the
    register.

    A known UPRN wins; its premises' parts are the parts. Otherwise the address is parsed, the
    premises it may name are found by index (number and street, postcode and number, building
    name; then the address search for misspelt text) and compared with the one matcher.
    """
    picked = premises_get(uprn) if uprn not in (None, "") else None
    if picked is not None:
        return Resolution(picked.parts, picked, Match(Verdict.EXACT, f"UPRN {picked.uprn}"))
    parts = parse_address(address)
    if parts.is_empty:
        return Resolution(parts, None, Match(Verdict.DIFFERENT, "no address given"))
    hits = []
    candidates = _indexed_candidates(parts)
    if not candidates:
        hits = premises_search(address)
        candidates = [h.premises for h in hits]
    exact, probable = [], []
    for candidate in candidates:
        match = compare(parts, candidate.parts)
        if match.exact:
            exact.append((candidate, match))
        elif match.same:
            probable.append((candidate, match))
    if len(exact) == 1:
        return Resolution(parts, exact[0][0], exact[0][1])
    if exact:
        # Two premises the address names equally (a register with a duplicate): not one.
        return Resolution(
            parts,
            None,
            Match(Verdict.PROBABLE, f"{len(exact)} premises in the register fit this address"),
            tuple(p for p, _ in exact),
        )
    if probable:
        return Resolution(parts, None, probable[0][1], tuple(p for p, _ in probable))
    if _searched_unambiguously(hits):
        # Words in an order the parser cannot read ("road rotherham 32 brookthorpe"), every
        # one of them found on one premises by the address search: probably that one.
        found = Match(Verdict.PROBABLE, "every word found on these premises by the address search")
        return Resolution(parts, None, found, (hits[0].premises,))
    return Resolution(parts, None, Match(Verdict.DIFFERENT, "no premises in the register"))


def _searched_unambiguously(hits) -> bool:
    return bool(hits) and hits[0].complete and (len(hits) == 1 or hits[0].score > hits[1].score)


def _indexed_candidates(parts: AddressParts) -> list[Premises]:
    """Premises sharing the building's number and street, postcode and number, or name."""
    where = Q()
    if parts.building_number and parts.street:
        where |= Q(street_key=parts.street, number_key=parts.building_number)
    if parts.postcode and parts.building_number:
        where |= Q(postcode=parts.postcode, number_key=parts.building_number)
    if parts.building_name and (parts.street or parts.postcode):
        by_name = Q(building_key=parts.building_name)
        where |= by_name & (
            Q(street_key=parts.street) if parts.street else Q(postcode=parts.postcode)
        )
    if not where:
        return []
    return list(Premises.objects.filter(where)[:RESOLVE_CANDIDATES])
