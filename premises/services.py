"""Writing the premises register: importing gazetteer rows (idempotent by UPRN) and keeping the
search vocabulary in step."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit_record
from core.exceptions import ValidationFailed
from core.validation import clean_text
from premises.models import Premises, SearchWord
from premises.search import search_words
from premises.words import key, number_key, postcode_key, sub_building_key

# The columns of a premises row (`premises_import`), in the AddressBase order.
COLUMNS = (
    "uprn",
    "sub_building",
    "building_name",
    "building_number",
    "street",
    "locality",
    "town",
    "postcode",
    "latitude",
    "longitude",
)
_LIMITS = {
    "sub_building": 100,
    "building_name": 100,
    "building_number": 20,
    "street": 100,
    "locality": 100,
    "town": 60,
    "postcode": 10,
}
_UPDATED = [
    f.name for f in Premises._meta.concrete_fields if f.name not in ("id", "uprn", "updated_at")
]


def premises_fields(raw: dict) -> dict:
    """Validate one gazetteer row (a dict with `COLUMNS` keys, values as text or numbers) and
    return the model fields, keys and search words included.

    Raises `ValidationFailed` with a readable message: a UPRN that is not 1-12 digits, a text
    field too long, a postcode that is not a UK postcode, coordinates that are not numbers in
    range, or a row with neither a street nor a building name.
    """
    uprn_text = str(raw.get("uprn") or "").strip()
    if not uprn_text.isdigit() or not 0 < int(uprn_text) < 10**12:
        raise ValidationFailed(f"UPRN '{uprn_text[:20]}' is not 1 to 12 digits.", code="bad_uprn")
    fields: dict = {"uprn": int(uprn_text)}
    for name, limit in _LIMITS.items():
        fields[name] = clean_text(raw.get(name), name.replace("_", " "), limit)
    if fields["postcode"]:
        postcode = postcode_key(fields["postcode"])
        if not postcode or postcode.replace(" ", "") != fields["postcode"].replace(" ", "").upper():
            raise ValidationFailed(
                f"'{fields['postcode']}' is not a UK postcode.", code="bad_postcode"
            )
        fields["postcode"] = postcode
    if not (fields["street"] or fields["building_name"]):
        raise ValidationFailed("A premises needs a street or a building name.", code="no_street")
    for name, bound in (("latitude", 90), ("longitude", 180)):
        fields[name] = _coordinate(raw.get(name), name, bound)
    keys = {
        "sub_building_key": sub_building_key(fields["sub_building"]),
        "building_key": key(fields["building_name"]),
        "number_key": number_key(fields["building_number"]),
        "street_key": key(fields["street"]),
        "locality_key": key(fields["locality"]),
        "town_key": key(fields["town"]),
    }
    fields.update(keys)
    fields["search_text"] = search_words(**keys, postcode=fields["postcode"])[:500]
    return fields


def _coordinate(value, name: str, bound: int) -> float | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValidationFailed(
            f"{name} '{text[:20]}' is not a number.", code="bad_coordinate"
        ) from None
    if not -bound <= number <= bound or number != number:
        raise ValidationFailed(f"{name} {text[:20]} is out of range.", code="bad_coordinate")
    return number


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def premises_import(
    *, actor, rows: Iterable[tuple[int, dict]], source: str, now: datetime | None = None
) -> ImportOutcome:
    """Write one batch of gazetteer rows: (line number, raw row). Idempotent by UPRN: a UPRN
    already registered is updated in place, so importing a file twice changes nothing; a UPRN
    twice in a batch keeps its last row. Rejected rows come back with their line numbers. One
    transaction and one audit event per batch. Call `premises_vocabulary_rebuild` after the
    last batch so the search knows the new words."""
    now = now or timezone.now()
    outcome = ImportOutcome()
    by_uprn: dict[int, Premises] = {}
    for line, raw in rows:
        try:
            fields = premises_fields(raw)
        except ValidationFailed as exc:
            outcome.rejected.append((line, exc.message))
            continue
        by_uprn[fields["uprn"]] = Premises(**fields)
    if not by_uprn:
        return outcome
    with transaction.atomic():
        existing = set(
            Premises.objects.filter(uprn__in=list(by_uprn)).values_list("uprn", flat=True)
        )
        Premises.objects.bulk_create(
            list(by_uprn.values()),
            update_conflicts=True,
            unique_fields=["uprn"],
            update_fields=_UPDATED + ["updated_at"],
            batch_size=2000,
        )
        outcome.updated = len(existing)
        outcome.created = len(by_uprn) - len(existing)
        audit_record(
            actor=actor,
            action="premises.imported",
            object_type="premises.import",
            object_id=source[:40],
            at=now,
            summary=f"{outcome.created} premises added, {outcome.updated} updated from {source}",
            data={
                "source": source,
                "created": outcome.created,
                "updated": outcome.updated,
                "rejected": len(outcome.rejected),
            },
        )
    return outcome


def premises_vocabulary_rebuild() -> int:
    """Recount the search vocabulary from the register (a few seconds at a million premises).
    Returns the number of distinct words."""
    with transaction.atomic():
        SearchWord.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO premises_searchword (word, premises_count) "
                    "SELECT word, count(*) FROM premises_premises, "
                    "unnest(string_to_array(search_text, ' ')) AS word "
                    "WHERE word <> '' GROUP BY word"
                )
                cursor.execute("ANALYZE premises_searchword")
        else:
            counts: Counter = Counter()
            for text in Premises.objects.values_list("search_text", flat=True).iterator():
                counts.update(text.split())
            SearchWord.objects.bulk_create(
                [SearchWord(word=w[:100], premises_count=n) for w, n in counts.items()],
                batch_size=1000,
            )
        return SearchWord.objects.count()
