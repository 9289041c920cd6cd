"""Addresses on other apps' rows, resolved to premises when written and found by premises at
call time: the one look-up markers, intelligence, previous contacts and previous incidents use.

Writing (`address_fields`): the address is resolved (`premises_resolve`); the row keeps the
premises when the match is exact, and always the parsed parts and their blocking keys.

Reading (`rows_at`): rows at the caller's premises are an index hit on the premises; rows that
resolved to none (free text, or written before the register had the premises) are found by
their blocking keys. Every candidate is then judged by the one matcher (`premises.matching`),
so the answer is the same for every kind of record: exact, probable (with the reason), or not
returned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet

from premises.matching import Match, Verdict, compare
from premises.parsing import AddressParts, parse_address
from premises.selectors import Resolution, premises_resolve

# Candidate rows judged per look-up: a block of flats' history, bounded.
CANDIDATES = 500


@dataclass(frozen=True)
class Blocks:
    """Keys that rows naming the same building share (a row may share any one):
    number and the street's first two letters ("5|mi": a misspelt street still blocks
    together), postcode and number, building name and street (or postcode)."""

    street: str = ""
    postcode: str = ""
    building: str = ""


def blocks(parts: AddressParts) -> Blocks:
    number = parts.building_number
    return Blocks(
        street=f"{number}|{parts.street[:2]}"[:40] if number and parts.street else "",
        postcode=f"{parts.postcode}|{number}"[:32] if number and parts.postcode else "",
        building=(
            f"{parts.building_name}|{parts.street or parts.postcode}"[:120]
            if parts.building_name and (parts.street or parts.postcode)
            else ""
        ),
    )


def parts_dict(parts: AddressParts) -> dict:
    data = asdict(parts)
    data.pop("raw", None)
    return {k: v for k, v in data.items() if v}


def parts_from_dict(data: dict | None) -> AddressParts:
    fields = AddressParts.__dataclass_fields__
    return AddressParts(**{k: v for k, v in (data or {}).items() if k in fields and k != "raw"})


def address_fields(resolution: Resolution) -> dict:
    """The `AddressedModel` fields for a resolved address (assign them before saving): the
    register's parts (with the UPRN) when it resolved to premises, else the parsed parts."""
    parts = resolution.premises.parts if resolution.premises else resolution.parts
    block = blocks(parts)
    return {
        "premises": resolution.premises,
        "address_parts": parts_dict(parts),
        "address_block_street": block.street,
        "address_block_postcode": block.postcode,
        "address_block_building": block.building,
    }


def address_fields_for(address: str, *, uprn=None) -> dict:
    """`address_fields(premises_resolve(address=..., uprn=...))`."""
    return address_fields(premises_resolve(address=address or "", uprn=uprn))


@dataclass(frozen=True)
class AddressQuery:
    """The caller's address as the look-ups use it: resolved once per call."""

    parts: AddressParts
    premises_id: int | None = None
    # Premises the address probably names (a misspelt street the search corrected), with why.
    probable_ids: tuple[int, ...] = ()
    probable_reason: str = ""

    @property
    def empty(self) -> bool:
        return self.premises_id is None and not self.probable_ids and self.parts.is_empty


def address_query(address: str = "", *, uprn=None) -> AddressQuery:
    """Resolve the caller's address (and the UPRN the handler picked) for the look-ups."""
    return address_query_from(premises_resolve(address=address or "", uprn=uprn))


def address_query_from(resolution: Resolution) -> AddressQuery:
    probable = tuple(p.pk for p in resolution.probable[:5])
    return AddressQuery(
        parts=resolution.premises.parts if resolution.premises else resolution.parts,
        premises_id=resolution.premises.pk if resolution.premises else None,
        probable_ids=probable,
        probable_reason=resolution.match.reason if probable else "",
    )


def address_query_of(row) -> AddressQuery:
    """The look-up for a row already written (an incident checked again): its stored premises
    and parts, with no new resolution."""
    return AddressQuery(parts=parts_from_dict(row.address_parts), premises_id=row.premises_id)


def rows_at(queryset: QuerySet, query: AddressQuery) -> list[tuple[object, Match]]:
    """Rows of `queryset` (a model with `AddressedModel` fields) at the query's premises, each
    with how sure the match is; rows the matcher calls different are left out."""
    found = address_candidates(queryset, query)
    return [] if found is None else judged(found, query)


def address_candidates(queryset: QuerySet, query: AddressQuery) -> QuerySet | None:
    """The rows of `queryset` that may be at the query's premises (index hits on the premises
    and the blocking keys), not yet judged (`judged`); None when there is nothing to look up.
    `rows_at` reads and judges them; a caller with other reads to make may read them with
    those (`core.roundtrip.rows_together`, as `values()` with `premises_id` and
    `address_parts`) and judge them itself."""
    if query.empty:
        return None
    where = Q()
    ids = ([query.premises_id] if query.premises_id else []) + list(query.probable_ids)
    if ids:
        where |= Q(premises_id__in=ids)
    block = blocks(query.parts)
    for field, value in (
        ("address_block_street", block.street),
        ("address_block_postcode", block.postcode),
        ("address_block_building", block.building),
    ):
        if value:
            where |= Q(**{field: value})
    if not where:
        return None
    # No ordering: a model's default order would let the planner walk that index instead of
    # combining the few index hits (seen on contacts, ordered by time).
    return queryset.filter(where).order_by()[:CANDIDATES]


class AddressRow:
    """A candidate row read as a dict (`core.roundtrip.rows_together`), with the attributes
    `judge` reads (`premises_id`, `address_parts`) and every other column as one too."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.pk = values.get("id")


def judged(rows, query: AddressQuery) -> list[tuple[object, Match]]:
    """The rows the one matcher calls the query's premises (exact or probable), each with its
    match, in the order given."""
    found = []
    for row in rows:
        match = judge(query, row)
        if match.same:
            found.append((row, match))
    return found


def judge(query: AddressQuery, row) -> Match:
    """How surely `row` (with `AddressedModel` fields) is at the query's premises."""
    if query.premises_id and row.premises_id == query.premises_id:
        return Match(Verdict.EXACT, f"same premises (UPRN {query.parts.uprn})")
    if row.premises_id and row.premises_id in query.probable_ids:
        return Match(Verdict.PROBABLE, query.probable_reason or "a similar address")
    return compare(query.parts, parts_from_dict(row.address_parts))


def backfill_parts(model, *, field: str = "address", batch: int = 2000) -> int:
    """Parse the stored addresses of `model` rows that have no parts yet (rows written before
    addresses were resolved) and write their parts and blocking keys. For data migrations;
    premises are linked when the rows are next written. Returns the rows updated."""
    updated = 0
    pending = []
    names = ["address_parts", "address_block_street", "address_block_postcode"]
    names.append("address_block_building")
    rows = model.objects.filter(address_parts={}).exclude(**{field: ""}).only("pk", field)
    for row in rows.iterator(chunk_size=batch):
        parts = parse_address(getattr(row, field))
        block = blocks(parts)
        row.address_parts = parts_dict(parts)
        row.address_block_street = block.street
        row.address_block_postcode = block.postcode
        row.address_block_building = block.building
        pending.append(row)
        if len(pending) >= batch:
            model.objects.bulk_update(pending, names)
            updated += len(pending)
            pending = []
    if pending:
        model.objects.bulk_update(pending, names)
        updated += len(pending)
    return updated


def parsed_address_fields(address: str) -> dict:
    """The `AddressedModel` fields from parsing alone (no premises): for bulk generators and
    imports that resolve later. Column names as keys (`premises_id`)."""
    parts = parse_address(address)
    block = blocks(parts)
    return {
        "premises_id": None,
        "address_parts": parts_dict(parts),
        "address_block_street": block.street,
        "address_block_postcode": block.postcode,
        "address_block_building": block.building,
    }


def address_why(match: Match) -> str:
    """How a record's address matched, for the handler: "address: same flat 21a, number 5,
    mill lane, LS6 2AB" or "address (probable: flat 21a given on one side only)"."""
    if match.exact:
        return f"address: {match.reason}"
    return f"address (probable: {match.reason})"
