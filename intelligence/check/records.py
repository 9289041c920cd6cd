"""The intel records a check finds: by number, by address (exactly, else fuzzily) and by name,
each with why it matched; recent or live ones listed, older ones counted by kind."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch

from intelligence.check.lookups import Lookups
from intelligence.check.result import (
    ENFORCEABLE,
    KIND_RANK,
    RECENT,
    RECORD_LIMIT,
    SEVERITY_RANK,
    CheckQuery,
    CheckResult,
    iso,
)
from intelligence.matching import match_names
from intelligence.models import IntelRecord, IntelRecordPerson, RecordKind
from premises.addressing import address_why


def _add_why(bucket: dict, key, why: str, on: str) -> None:
    entry = bucket.setdefault(key, {"why": [], "on": set(), "name_score": None})
    if why not in entry["why"]:
        entry["why"].append(why)
    entry["on"].add(on)


def _matching_record_ids(query: CheckQuery, found: Lookups) -> tuple[dict, dict]:
    """{record_id: {"why": [...], "on": {...}, "name_score": int}} and {person_id: NameHit}.
    The records at the number and the premises are those `found` (`lookups_run`)."""
    matched: dict[int, dict] = {}
    for record_id in found.record_ids_by_phone:
        _add_why(matched, record_id, f"phone {query.phone}", "phone")
    for row, match in found.record_addresses:
        _add_why(matched, row.record_id, address_why(match), "address")
    people = {}
    name_hits = match_names(query.names) if query.names else []
    if name_hits:
        for hit in name_hits:
            people.setdefault(hit.person_id, hit)
        links = IntelRecordPerson.objects.filter(person_id__in=list(people)).values_list(
            "record_id", "person_id"
        )[: RECORD_LIMIT * 4]
        for record_id, person_id in links:
            hit = people[person_id]
            _add_why(matched, record_id, hit.why, "name")
            entry = matched[record_id]
            entry["name_score"] = max(entry["name_score"] or 0, hit.score)
    return matched, people


def _record_severity(record: IntelRecord, now: datetime, recent: bool) -> str:
    live = record.is_live(now)
    if record.kind == RecordKind.COURT_ORDER:
        return "danger" if live else ("warning" if recent else "info")
    if record.kind == RecordKind.MARAC:
        return "danger" if recent else "warning"
    if record.kind == RecordKind.WARNING or record.warnings:
        return "danger" if live else "info"
    if record.kind == RecordKind.BAIL_CONDITIONS:
        return "warning" if live else "info"
    if record.kind in (RecordKind.DA_CRIME, RecordKind.DVDS, RecordKind.SAFEGUARDING):
        return "warning" if recent else "info"
    return "info"


def _record_dict(record: IntelRecord, match: dict, now: datetime) -> dict:
    recent = record.occurred_at >= now - RECENT
    # A record flagged as a warning (weapons, violence...) stands until it expires, like an order.
    enforceable = record.kind in ENFORCEABLE or bool(record.warnings)
    people = [
        {
            "id": link.person_id,
            "name": link.person.display_name,
            "role": link.role,
            "date_of_birth": iso(link.person.date_of_birth),
        }
        for link in record.person_links.all()
    ]
    by_role = {p["role"]: p["name"] for p in people}
    return {
        "id": record.pk,
        "kind": record.kind,
        "kind_label": RecordKind(record.kind).label,
        "summary": record.summary,
        "occurred_at": iso(record.occurred_at),
        "expires_at": iso(record.expires_at),
        "live": record.is_live(now) if enforceable else None,
        "recent": recent,
        "risk_level": record.risk_level,
        "conditions": record.conditions,
        "source_reference": record.source_reference or "",
        "warnings": list(record.warnings or []),
        "people": people,
        "protected_person": by_role.get(IntelRecordPerson.Role.PROTECTED),
        "restricted_person": by_role.get(IntelRecordPerson.Role.RESTRICTED),
        "protected_person_id": record.protected_person_id,
        "restricted_person_id": record.restricted_person_id,
        "why": match["why"],
        "matched_on": sorted(match["on"]),
        "name_score": match["name_score"],
        "severity": _record_severity(record, now, recent),
    }


def records_find(query: CheckQuery, result: CheckResult, found: Lookups) -> dict:
    """The records at the number, the premises (`found`) and the names: recent or live ones
    in `result.records`, older ones counted by kind. Returns {person_id: NameHit}."""
    matched, people = _matching_record_ids(query, found)
    if not matched:
        return people
    rows = list(
        IntelRecord.objects.filter(pk__in=list(matched))
        .prefetch_related(
            Prefetch("person_links", queryset=IntelRecordPerson.objects.select_related("person"))
        )
        .order_by("-occurred_at", "-id")[: RECORD_LIMIT + 1]
    )
    result.truncated = result.truncated or len(rows) > RECORD_LIMIT
    older: dict[str, dict] = {}
    for record in rows[:RECORD_LIMIT]:
        item = _record_dict(record, matched[record.pk], query.now)
        if item["recent"] or item["live"]:
            result.records.append(item)
        else:
            bucket = older.setdefault(
                record.kind, {"kind": record.kind, "label": item["kind_label"], "count": 0}
            )
            bucket["count"] += 1
            bucket.setdefault("latest_at", item["occurred_at"])
            bucket.setdefault("ids", []).append(record.pk)
    # Newest first inside one severity and kind.
    result.records.sort(key=lambda r: r["occurred_at"], reverse=True)
    result.records.sort(key=lambda r: (SEVERITY_RANK[r["severity"]], KIND_RANK[r["kind"]]))
    result.older["records"] = sorted(older.values(), key=lambda b: KIND_RANK[b["kind"]])
    return people
