"""The one address matcher: are two addresses the same premises?

Markers, intelligence records, previous contacts and previous incidents all ask this question the
same way, through `compare` (two sets of parts) or `compare_text` (free text against parts).

The rules, from how UK addresses identify a dwelling (BS 7666 / AddressBase: a UPRN, or a
sub-building within a building on a street in a post town):
- The same UPRN is the same premises; two different UPRNs are different premises, except a
  building and a flat in it (the caller gave the building only): probable, at most.
- A flat must match when both sides name one: Flat 21A and Flat 21B are different premises,
  however alike the rest. "21A Acacia House" names Flat 21A (the parser reads it so).
- A building is its number and street, or its name and street (or postcode), or its number and
  postcode; different numbers, streets or postcodes are different buildings.
- The town or the postcode may be missing on one side (callers give one or the other): the one
  both sides have must agree. With neither on one side the match is only probable.
- A flat given on one side only, a street or building name spelt differently, or a number read
  as a flat ("5 Acacia Court" for Flat 5, Acacia Court) is a probable match, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import models
from rapidfuzz import fuzz

from premises.parsing import AddressParts, parse_address

# Similarity (0-100) at which two spellings of a street or building name are one, probably.
SPELLING_SCORE_MIN = 85


class Verdict(models.TextChoices):
    EXACT = "EXACT", "Same premises"
    PROBABLE = "PROBABLE", "Probably the same premises"
    DIFFERENT = "DIFFERENT", "Different premises"


@dataclass(frozen=True)
class Match:
    verdict: str
    reason: str

    @property
    def same(self) -> bool:
        """Exact or probable: the record concerns these premises (a probable one says why not
        certainly)."""
        return self.verdict != Verdict.DIFFERENT

    @property
    def exact(self) -> bool:
        return self.verdict == Verdict.EXACT


def _different(reason: str) -> Match:
    return Match(Verdict.DIFFERENT, reason)


def compare_text(text: str, other: AddressParts) -> Match:
    """`compare(parse_address(text), other)`."""
    return compare(parse_address(text), other)


def compare(a: AddressParts, b: AddressParts) -> Match:
    """Whether `a` and `b` are the same premises: EXACT, PROBABLE (with the reason a handler
    reads, e.g. "flat not given on one side") or DIFFERENT (with the first difference)."""
    if a.uprn and b.uprn:
        if a.uprn == b.uprn:
            return Match(Verdict.EXACT, f"same UPRN {a.uprn}")
        if bool(a.sub_building) == bool(b.sub_building):
            return _different("different UPRNs")
        # A building and a flat in it have UPRNs of their own: a caller who gave the building
        # may be in the flat. The parts decide, and can say no more than "probable".
        a, b = replace(a, uprn=None), replace(b, uprn=None)
    if a.is_empty or b.is_empty:
        return _different("no address on one side")
    place = _compare_place(a, b)
    if not place.same:
        return place
    if a.sub_building and b.sub_building and a.sub_building != b.sub_building:
        return _different(f"flat {a.sub_building} is not flat {b.sub_building}")
    building = _compare_building(a, b)
    if not building.same:
        reread = _flat_read_as_number(a, b) or _flat_read_as_number(b, a)
        if reread is None:
            return building
        building = reread
    reasons = [r for r in (place.reason, building.reason) if r]
    if bool(a.sub_building) != bool(b.sub_building) and _REREAD not in building.reason:
        flat = a.sub_building or b.sub_building
        reasons.append(f"flat {flat} given on one side only")
    if reasons:
        return Match(Verdict.PROBABLE, "; ".join(reasons))
    return Match(Verdict.EXACT, "same " + _what_matched(a, b))


def _what_matched(a: AddressParts, b: AddressParts) -> str:
    said = []
    if a.sub_building:
        said.append(f"flat {a.sub_building}")
    if a.building_number and b.building_number:
        said.append(f"number {a.building_number}")
    if a.building_name and b.building_name:
        said.append(a.building_name)
    if a.street and b.street:
        said.append(a.street)
    if a.postcode and b.postcode:
        said.append(a.postcode)
    elif a.places & b.places:
        said.append(" ".join(sorted(a.places & b.places)))
    return ", ".join(said)


def _compare_place(a: AddressParts, b: AddressParts) -> Match:
    """Postcode, district and town: the ones both sides give must agree. Reason "" when sure."""
    if a.postcode and b.postcode:
        if a.postcode != b.postcode:
            return _different(f"postcode {a.postcode} is not {b.postcode}")
        return Match(Verdict.EXACT, "")
    if a.district and b.district and a.district != b.district:
        return _different(f"postcode district {a.district} is not {b.district}")
    if a.places and b.places:
        if a.places <= b.places or b.places <= a.places:
            return Match(Verdict.EXACT, "")
        return _different(f"{a.town or a.locality} is not {b.town or b.locality}")
    if (a.postcode or a.places) and (b.postcode or b.places):
        # One side gives only a postcode, the other only a town: the street decides.
        return Match(Verdict.EXACT, "")
    return Match(Verdict.PROBABLE, "town and postcode not given on one side")


def _spelt_alike(x: str, y: str) -> tuple[bool, bool]:
    """(same, exactly) for two street or building names."""
    if x == y:
        return True, True
    return fuzz.ratio(x, y) >= SPELLING_SCORE_MIN and x[:1] == y[:1], False


def _compare_building(a: AddressParts, b: AddressParts) -> Match:
    """Number, name and street: the building. Reason "" when sure."""
    if a.building_number and b.building_number and a.building_number != b.building_number:
        return _different(f"number {a.building_number} is not {b.building_number}")
    reasons = []
    street_same = name_same = False
    if a.street and b.street:
        same, exactly = _spelt_alike(a.street, b.street)
        if not same:
            return _different(f"{a.street} is not {b.street}")
        street_same = True
        if not exactly:
            reasons.append(f"street spelt '{a.street}' and '{b.street}'")
    if a.building_name and b.building_name:
        same, exactly = _spelt_alike(a.building_name, b.building_name)
        name_same = same
        if not same:
            reasons.append(f"building named '{a.building_name}' and '{b.building_name}'")
        elif not exactly:
            reasons.append(f"building spelt '{a.building_name}' and '{b.building_name}'")
    numbered = bool(a.building_number and b.building_number)
    postcode = bool(a.postcode and b.postcode)
    identified = (
        (numbered and street_same)
        or (name_same and (street_same or postcode))
        or (numbered and postcode)
    )
    if not identified:
        if name_same or street_same:
            reasons.append("building number not given on one side")
        else:
            return _different("not enough of the address to tell the building")
    return Match(Verdict.EXACT, "; ".join(reasons))


_REREAD = "read as flat"


def _flat_read_as_number(a: AddressParts, b: AddressParts) -> Match | None:
    """ "5 Acacia Court" (a number on a street) for Flat 5, Acacia Court (a flat in a named
    building, on another street): probably the same when the names agree."""
    if a.sub_building or not a.building_number or a.building_number != b.sub_building:
        return None
    name = a.building_name or a.street
    if not name or not b.building_name or not _spelt_alike(name, b.building_name)[0]:
        return None
    return Match(
        Verdict.PROBABLE,
        f"'{a.building_number} {name}' {_REREAD} {b.sub_building} of {b.building_name}",
    )
