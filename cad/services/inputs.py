"""Input rules the cad services share: text limits, named people, opening codes, the flag for a
number that could not be parsed."""

from __future__ import annotations

from collections.abc import Iterable

from cad import refdata
from cad.exceptions import ValidationFailed
from cad.models import OpeningCode
from cad.normalise import normalise_name
from core.validation import clean_text

MAX_NARRATIVE = 20_000
MAX_LOG_TEXT = 10_000
MAX_REASON = 2_000
MAX_NAMED_PEOPLE = 20
MAX_PHONE = 60
MAX_ADDRESS = 300
MAX_NAME = 200


def clean_names(values: Iterable[str] | None) -> list[str]:
    """Named people as typed (trimmed, de-duplicated by their normalised form).

    Raises ValidationFailed for an over-long name or more than `MAX_NAMED_PEOPLE`."""
    names, seen = [], set()
    for value in values or ():
        name = clean_text(value, "a named person", MAX_NAME)
        key = normalise_name(name)
        if key and key not in seen:
            seen.add(key)
            names.append(name)
    if len(names) > MAX_NAMED_PEOPLE:
        raise ValidationFailed(
            f"At most {MAX_NAMED_PEOPLE} named people per incident.", code="too_many_names"
        )
    return names


def opening_code_get(code: str | None) -> OpeningCode | None:
    """The active opening code `code` (None for none). Raises ValidationFailed if unknown."""
    if not code:
        return None
    found = refdata.cached(
        "active_opening_codes", lambda: {c.code: c for c in OpeningCode.objects.filter(active=True)}
    ).get(code)
    if found is None:
        raise ValidationFailed(
            f"Unknown opening code '{code}'. See /api/v1/opening-codes/ for the list.",
            code="unknown_opening_code",
        )
    return found


def phone_unparsed_flag(number: str) -> dict:
    """The incident flag for a caller number kept as given because it could not be parsed."""
    return {"code": "phone_unparsed", "text": f"Caller number not recognised: '{number}'"}
