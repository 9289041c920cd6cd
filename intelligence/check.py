"""The intelligence check: everything known about a number, an address and names, each item with
why it matched, and what it means for grading (risk factors with evidence, banners, the context
panel). Reads only: storing a check is `intelligence.services`' job.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Prefetch, Q
from django.utils import timezone

from cad.context import Finding, FindingCategory, markers_at
from cad.models import Contact, Incident
from cad.normalise import Address
from intelligence.matching import fuzzy_address_rows, match_names
from intelligence.models import (
    IntelRecord,
    IntelRecordAddress,
    IntelRecordPerson,
    IntelRecordPhone,
    RecordKind,
    RiskLevel,
)

logger = logging.getLogger(__name__)

RECENT = timedelta(days=365)
PATTERN_WINDOW = timedelta(days=30)
PATTERN_MIN_CONTACTS = 3
RECORD_LIMIT = 200
HISTORY_LIMIT = 100

SEVERITY_RANK = {"danger": 0, "warning": 1, "info": 2}
# Most serious kind first: what a call handler must see before anything else.
KIND_RANK = {
    RecordKind.COURT_ORDER: 0,
    RecordKind.MARAC: 1,
    RecordKind.WARNING: 2,
    RecordKind.DA_CRIME: 3,
    RecordKind.BAIL_CONDITIONS: 4,
    RecordKind.DVDS: 5,
    RecordKind.SAFEGUARDING: 6,
    RecordKind.INTELLIGENCE: 7,
}
# Kinds whose `expires_at` means "in force until" (the rest simply age).
ENFORCEABLE = {RecordKind.COURT_ORDER, RecordKind.BAIL_CONDITIONS, RecordKind.WARNING}


@dataclass(frozen=True)
class CheckQuery:
    phone: str  # E.164 or ""
    address: Address
    names: tuple[str, ...]  # normalised
    now: datetime
    exclude_incident_id: int | None = None
    # True when the check is for a call (being taken, or an incident's own call): that call
    # counts as one of the contacts in a repeat-contact pattern.
    counts_current_call: bool = False

    @property
    def empty(self) -> bool:
        return not (self.phone or self.address.normalised or any(self.names))

    def as_dict(self) -> dict:
        return {
            "phone": self.phone,
            "address": self.address.raw,
            "address_normalised": self.address.normalised,
            "names": list(self.names),
        }


@dataclass
class CheckResult:
    query: CheckQuery
    records: list[dict] = field(default_factory=list)
    older: dict = field(default_factory=dict)
    previous_contacts: list[dict] = field(default_factory=list)
    previous_incidents: list[dict] = field(default_factory=list)
    markers: list[dict] = field(default_factory=list)
    markers_checked: bool = True
    patterns: list[dict] = field(default_factory=list)
    risk_factors: list[Finding] = field(default_factory=list)
    banners: list[dict] = field(default_factory=list)
    truncated: bool = False
    duration_ms: int = 0

    def as_dict(self) -> dict:
        return {
            "query": self.query.as_dict(),
            "records": self.records,
            "older": self.older,
            "previous_contacts": self.previous_contacts,
            "previous_incidents": self.previous_incidents,
            "markers": self.markers,
            "markers_checked": self.markers_checked,
            "patterns": self.patterns,
            "risk_factors": [f.as_dict() for f in self.risk_factors],
            "banners": self.banners,
            "truncated": self.truncated,
            "duration_ms": self.duration_ms,
        }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _day(value) -> str:
    return timezone.localtime(value).strftime("%-d %b %Y") if value else ""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _add_why(bucket: dict, key, why: str, on: str) -> None:
    entry = bucket.setdefault(key, {"why": [], "on": set(), "name_score": None})
    if why not in entry["why"]:
        entry["why"].append(why)
    entry["on"].add(on)


# --- Records ---------------------------------------------------------------------------------


def _matching_record_ids(query: CheckQuery) -> tuple[dict, dict]:
    """{record_id: {"why": [...], "on": {...}, "name_score": int}} and {person_id: NameHit}."""
    matched: dict[int, dict] = {}
    if query.phone:
        for record_id in IntelRecordPhone.objects.filter(phone=query.phone).values_list(
            "record_id", flat=True
        )[: RECORD_LIMIT * 2]:
            _add_why(matched, record_id, f"phone {query.phone}", "phone")
    address = query.address
    if address.normalised:
        exact = list(
            IntelRecordAddress.objects.filter(address_normalised=address.normalised).values_list(
                "record_id", flat=True
            )[: RECORD_LIMIT * 2]
        )
        for record_id in exact:
            _add_why(matched, record_id, f"address {address.normalised}", "address")
        if not exact:
            hits = fuzzy_address_rows(table="intelligence_intelrecordaddress", query=address)
            by_row = {hit.row_id: hit for hit in hits}
            for row_id, record_id in IntelRecordAddress.objects.filter(
                pk__in=list(by_row)
            ).values_list("id", "record_id"):
                _add_why(matched, record_id, by_row[row_id].why, "address")
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
    if record.kind == RecordKind.WARNING:
        return "danger" if live else "info"
    if record.kind == RecordKind.BAIL_CONDITIONS:
        return "warning" if live else "info"
    if record.kind in (RecordKind.DA_CRIME, RecordKind.DVDS, RecordKind.SAFEGUARDING):
        return "warning" if recent else "info"
    return "info"


def _record_dict(record: IntelRecord, match: dict, now: datetime) -> dict:
    recent = record.occurred_at >= now - RECENT
    enforceable = record.kind in ENFORCEABLE
    people = [
        {
            "id": link.person_id,
            "name": link.person.display_name,
            "role": link.role,
            "date_of_birth": _iso(link.person.date_of_birth),
        }
        for link in record.person_links.all()
    ]
    by_role = {p["role"]: p["name"] for p in people}
    return {
        "id": record.pk,
        "kind": record.kind,
        "kind_label": RecordKind(record.kind).label,
        "summary": record.summary,
        "occurred_at": _iso(record.occurred_at),
        "expires_at": _iso(record.expires_at),
        "live": record.is_live(now) if enforceable else None,
        "recent": recent,
        "risk_level": record.risk_level,
        "conditions": record.conditions,
        "source_reference": record.source_reference or "",
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


def _records(query: CheckQuery, result: CheckResult) -> dict:
    matched, people = _matching_record_ids(query)
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


# --- Previous contacts and incidents -----------------------------------------------------------


def _history_filter(query: CheckQuery, model) -> tuple[Q | None, dict]:
    """How rows of Contact/Incident match: exact number or address, with a fuzzy address
    fallback. Returns the filter and {row_id: why-list} for the fuzzy hits."""
    condition = Q()
    fuzzy_why: dict[int, str] = {}
    if query.phone:
        condition |= Q(caller_phone=query.phone)
    address = query.address
    if address.normalised:
        exact = model.objects.filter(address_normalised=address.normalised).exists()
        if exact:
            condition |= Q(address_normalised=address.normalised)
        else:
            for hit in fuzzy_address_rows(table=model._meta.db_table, query=address):
                fuzzy_why[hit.row_id] = hit.why
            if fuzzy_why:
                condition |= Q(pk__in=list(fuzzy_why))
    if not condition:
        return None, {}
    return condition, fuzzy_why


def _why_history(row, query: CheckQuery, fuzzy_why: dict) -> tuple[list[str], list[str]]:
    why, on = [], []
    if query.phone and row.caller_phone == query.phone:
        why.append(f"phone {query.phone}")
        on.append("phone")
    if query.address.normalised and row.address_normalised == query.address.normalised:
        why.append(f"address {query.address.normalised}")
        on.append("address")
    elif row.pk in fuzzy_why:
        why.append(fuzzy_why[row.pk])
        on.append("address")
    return why, on


def _contacts(query: CheckQuery, result: CheckResult) -> None:
    condition, fuzzy_why = _history_filter(query, Contact)
    if condition is None:
        return
    base = Contact.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(incident_id=query.exclude_incident_id)
    since = query.now - RECENT
    rows = list(
        base.filter(received_at__gte=since)
        .select_related("incident")
        .order_by("-received_at", "-id")[: HISTORY_LIMIT + 1]
    )
    result.truncated = result.truncated or len(rows) > HISTORY_LIMIT
    for contact in rows[:HISTORY_LIMIT]:
        why, on = _why_history(contact, query, fuzzy_why)
        result.previous_contacts.append(
            {
                "id": contact.pk,
                "channel": contact.channel,
                "received_at": _iso(contact.received_at),
                "caller_name": contact.caller_name,
                "caller_phone": contact.caller_phone,
                "address": contact.address,
                "summary": contact.summary[:500],
                "incident": contact.incident_id,
                "incident_reference": contact.incident.reference if contact.incident_id else "",
                "why": why,
                "matched_on": on,
            }
        )
    window_start = query.now - PATTERN_WINDOW
    counts = base.aggregate(
        older=Count("id", filter=Q(received_at__lt=since)),
        window=Count("id", filter=Q(received_at__gte=window_start)),
        first=Min("received_at", filter=Q(received_at__gte=window_start)),
    )
    result.older["contacts"] = counts["older"]
    _pattern(query, result, counts["window"], counts["first"])


def _pattern(query: CheckQuery, result: CheckResult, prior: int, first_at) -> None:
    total = prior + (1 if query.counts_current_call else 0)
    if total < PATTERN_MIN_CONTACTS or first_at is None:
        return
    days = max(1, math.ceil((query.now - first_at).total_seconds() / 86400))
    on = " or ".join(
        part
        for part, present in (("number", query.phone), ("address", query.address.normalised))
        if present
    )
    if query.counts_current_call:
        text = f"{_ordinal(total)} contact in {days} days from this {on}"
    else:
        text = f"{total} contacts in {days} days from this {on}"
    recent = [
        c
        for c in result.previous_contacts
        if c["received_at"] >= (query.now - PATTERN_WINDOW).isoformat()
    ]
    listing = "; ".join(f"{c['channel']} on {c['received_at'][:10]}" for c in recent[:6])
    result.patterns.append(
        {
            "code": "REPEAT_CONTACTS",
            "text": text,
            "contacts": total,
            "days": days,
            "since": _iso(first_at),
            "evidence": f"{text}: {listing}" if listing else text,
        }
    )


def _incidents(query: CheckQuery, result: CheckResult) -> None:
    condition, fuzzy_why = _history_filter(query, Incident)
    if condition is None:
        return
    base = Incident.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(pk=query.exclude_incident_id)
    since = query.now - RECENT
    rows = list(base.filter(received_at__gte=since).order_by("-received_at", "-id")[:HISTORY_LIMIT])
    for incident in rows:
        why, on = _why_history(incident, query, fuzzy_why)
        result.previous_incidents.append(
            {
                "id": incident.pk,
                "reference": incident.reference,
                "received_at": _iso(incident.received_at),
                "status": incident.status,
                "grade": incident.grade,
                "domestic_abuse": incident.domestic_abuse,
                "channel": incident.channel,
                "address": incident.address,
                "caller_phone": incident.caller_phone,
                "narrative": incident.narrative[:300],
                "why": why,
                "matched_on": on,
            }
        )
    older = base.filter(received_at__lt=since).aggregate(
        count=Count("id"), domestic_abuse=Count("id", filter=Q(domestic_abuse=True))
    )
    result.older["incidents"] = older["count"]
    result.older["incidents_domestic_abuse"] = older["domestic_abuse"]


# --- Markers ---------------------------------------------------------------------------------


def _markers(query: CheckQuery, result: CheckResult) -> None:
    if not (query.phone or query.address.normalised):
        return
    markers = markers_at(
        phone=query.phone, address_normalised=query.address.normalised, now=query.now
    )
    if markers is None:  # no app keeps markers: say so rather than show "no markers"
        result.markers_checked = False
        return
    result.markers = markers


# --- What it means -----------------------------------------------------------------------------


def _evidence(record: dict) -> str:
    ref = f" ({record['source_reference']})" if record["source_reference"] else ""
    return (
        f"{record['kind']} record #{record['id']}{ref} of {record['occurred_at'][:10]}: "
        f"{record['summary']} [matched on {'; '.join(record['why'])}]"
    )


def _interpret(query: CheckQuery, result: CheckResult, people: dict) -> None:
    findings, banners = [], []
    named = set(people)
    for record in result.records:
        kind = record["kind"]
        if kind == RecordKind.COURT_ORDER and record["live"]:
            protected = record["protected_person"] or "the protected person"
            restricted = record["restricted_person"] or "the restricted person"
            until = f" until {record['expires_at'][:10]}" if record["expires_at"] else ""
            caller_is_restricted = record["restricted_person_id"] in named and (
                record["protected_person_id"] not in named
            )
            protects_caller = not caller_is_restricted and (
                record["protected_person_id"] in named
                or bool({"phone", "address"} & set(record["matched_on"]))
            )
            if protects_caller:
                findings.append(
                    Finding(
                        code="COURT_ORDER_LIVE",
                        categories=frozenset(
                            {FindingCategory.PROTECTIVE_ORDER, FindingCategory.DA_HISTORY}
                        ),
                        label="Live court order protecting the caller",
                        evidence=_evidence(record),
                        source="intel",
                        weight="serious",
                    )
                )
            else:
                findings.append(
                    Finding(
                        code="COURT_ORDER_LIVE_NAMED",
                        categories=frozenset(
                            {FindingCategory.PROTECTIVE_ORDER, FindingCategory.DA_HISTORY}
                        ),
                        label="Live court order involving a named person",
                        evidence=_evidence(record),
                        source="intel",
                    )
                )
            banners.append(
                {
                    "level": "danger",
                    "code": "COURT_ORDER_LIVE",
                    "text": f"LIVE COURT ORDER{until}: protects {protected} from {restricted}. "
                    f"{record['summary']} (record #{record['id']})",
                }
            )
        elif kind == RecordKind.COURT_ORDER and record["recent"]:
            banners.append(
                {
                    "level": "warning",
                    "code": "COURT_ORDER_ENDED",
                    "text": f"Court order ended {record['expires_at'][:10]}: {record['summary']} "
                    f"(record #{record['id']})",
                }
            )
        elif kind == RecordKind.MARAC and record["recent"]:
            high = record["risk_level"] in ("", RiskLevel.HIGH)
            findings.append(
                Finding(
                    code="MARAC_12_MONTHS",
                    categories=frozenset({FindingCategory.DA_HISTORY}),
                    label="MARAC in the last 12 months"
                    + (" (high risk)" if record["risk_level"] == RiskLevel.HIGH else ""),
                    evidence=_evidence(record),
                    source="intel",
                    # MARAC only hears cases assessed as high risk, so a blank level is high.
                    weight="serious" if high else "normal",
                )
            )
            banners.append(
                {
                    "level": "danger",
                    "code": "MARAC",
                    "text": f"MARAC {record['occurred_at'][:10]}: {record['summary']} "
                    f"(record #{record['id']})",
                }
            )
        elif kind == RecordKind.WARNING and record["live"]:
            findings.append(
                Finding(
                    code="WARNING_MARKER",
                    categories=frozenset({FindingCategory.WARNING}),
                    label="Warning on record",
                    evidence=_evidence(record),
                    source="intel",
                )
            )
            banners.append(
                {
                    "level": "danger",
                    "code": "WARNING",
                    "text": f"WARNING: {record['summary']} (record #{record['id']})",
                }
            )
        elif kind == RecordKind.BAIL_CONDITIONS and record["live"]:
            findings.append(
                Finding(
                    code="BAIL_CONDITIONS_LIVE",
                    categories=frozenset({FindingCategory.PROTECTIVE_ORDER}),
                    label="Live bail conditions",
                    evidence=_evidence(record)
                    + (f" Conditions: {record['conditions']}" if record["conditions"] else ""),
                    source="intel",
                )
            )
            banners.append(
                {
                    "level": "warning",
                    "code": "BAIL_CONDITIONS",
                    "text": f"Bail conditions in force: {record['summary']} (record #{record['id']})",
                }
            )
        elif kind == RecordKind.DVDS:
            findings.append(
                Finding(
                    code="DVDS_DISCLOSURE",
                    categories=frozenset({FindingCategory.DA_HISTORY}),
                    label="Domestic violence disclosure (Clare's Law) made",
                    evidence=_evidence(record),
                    source="intel",
                )
            )
    da_records = [r for r in result.records if r["kind"] == RecordKind.DA_CRIME]
    da_incidents = [i for i in result.previous_incidents if i["domestic_abuse"]]
    older_da = next(
        (b["count"] for b in result.older.get("records", []) if b["kind"] == RecordKind.DA_CRIME),
        0,
    ) + result.older.get("incidents_domestic_abuse", 0)
    if da_records or da_incidents or older_da:
        parts = [_evidence(r) for r in da_records[:3]]
        parts += [
            f"DA incident {i['reference']} of {i['received_at'][:10]} "
            f"[matched on {'; '.join(i['why'])}]"
            for i in da_incidents[:3]
        ]
        if older_da:
            parts.append(f"{older_da} older than 12 months")
        findings.append(
            Finding(
                code="PREVIOUS_DOMESTIC_ABUSE",
                categories=frozenset({FindingCategory.DA_HISTORY}),
                label="Previous domestic abuse",
                evidence="; ".join(parts),
                source="intel" if da_records else "history",
            )
        )
    for pattern in result.patterns:
        findings.append(
            Finding(
                code="REPEAT_CONTACTS",
                categories=frozenset({FindingCategory.HISTORY}),
                label=f"Repeat contacts: {pattern['text']}",
                evidence=pattern["evidence"],
                source="history",
            )
        )
        banners.append({"level": "warning", "code": "REPEAT_CONTACTS", "text": pattern["text"]})
    if not result.markers_checked:
        banners.append(
            {
                "level": "warning",
                "code": "MARKERS_UNCHECKED",
                "text": "Location markers could not be checked: check manually",
            }
        )
    result.risk_factors = findings
    result.banners = sorted(banners, key=lambda b: SEVERITY_RANK[b["level"]])


def check_compute(query: CheckQuery) -> CheckResult:
    """Run the check. Reads only; the caller decides whether to store it."""
    started = time.perf_counter()
    result = CheckResult(query=query)
    if not query.empty:
        people = _records(query, result)
        _contacts(query, result)
        _incidents(query, result)
        _markers(query, result)
        _interpret(query, result, people)
    result.duration_ms = round((time.perf_counter() - started) * 1000)
    return result


# --- The context panel -----------------------------------------------------------------------


def panel_for(result: dict, *, check_id: int | None = None, ran_at: str | None = None) -> dict:
    """The call-taking context panel, self-describing: counts by kind first (most serious first),
    then one line per item with its severity and why it matched."""
    counts: dict[str, dict] = {}
    items = []

    def count(kind: str, label: str, severity: str) -> None:
        entry = counts.setdefault(kind, {"kind": kind, "label": label, "count": 0, "severity": ""})
        entry["count"] += 1
        if not entry["severity"] or SEVERITY_RANK[severity] < SEVERITY_RANK[entry["severity"]]:
            entry["severity"] = severity

    for record in result.get("records", []):
        count(record["kind"], record["kind_label"], record["severity"])
        state = ""
        if record["live"] is True:
            state = " LIVE" + (
                f" until {record['expires_at'][:10]}" if record["expires_at"] else ""
            )
        elif record["live"] is False:
            state = f" ended {record['expires_at'][:10]}"
        items.append(
            {
                "kind": record["kind"],
                "label": record["kind_label"] + state,
                "severity": record["severity"],
                "text": record["summary"],
                "why": "; ".join(record["why"]),
                "at": record["occurred_at"],
                "ref": f"record #{record['id']}",
            }
        )
    for pattern in result.get("patterns", []):
        items.append(
            {
                "kind": "PATTERN",
                "label": "Repeat contacts",
                "severity": "warning",
                "text": pattern["text"],
                "why": pattern["evidence"],
                "at": pattern["since"],
                "ref": "",
            }
        )
    for marker in result.get("markers", []):
        live = marker.get("status") == "ACTIVE"
        count("MARKER", "Location marker", "danger" if live else "warning")
        items.append(
            {
                "kind": "MARKER",
                "label": f"Marker {marker.get('status')}"
                + (f" (floor {marker['grade_floor']})" if marker.get("grade_floor") else ""),
                "severity": "danger" if live else "warning",
                "text": marker.get("reason", ""),
                "why": marker.get("why_matched", ""),
                "at": marker.get("starts_at"),
                "ref": f"marker #{marker.get('id')}",
            }
        )
    for incident in result.get("previous_incidents", []):
        severity = "warning" if incident["domestic_abuse"] else "info"
        count("INCIDENT", "Previous incident", severity)
        items.append(
            {
                "kind": "INCIDENT",
                "label": f"Incident {incident['reference']}"
                + (" DA" if incident["domestic_abuse"] else ""),
                "severity": severity,
                "text": incident["narrative"],
                "why": "; ".join(incident["why"]),
                "at": incident["received_at"],
                "ref": incident["reference"],
            }
        )
    for contact in result.get("previous_contacts", []):
        count("CONTACT", "Previous contact", "info")
        items.append(
            {
                "kind": "CONTACT",
                "label": f"{contact['channel']} contact",
                "severity": "info",
                "text": contact["summary"],
                "why": "; ".join(contact["why"]),
                "at": contact["received_at"],
                "ref": contact["incident_reference"] or f"contact #{contact['id']}",
            }
        )
    kind_order = {k.value: rank for k, rank in KIND_RANK.items()}
    kind_order.update({"MARKER": 1.5, "INCIDENT": 8, "CONTACT": 9})
    ordered_counts = sorted(
        counts.values(), key=lambda c: (SEVERITY_RANK[c["severity"]], kind_order.get(c["kind"], 99))
    )
    items.sort(key=lambda i: SEVERITY_RANK[i["severity"]])
    older = result.get("older", {})
    older_parts = [f"{b['count']} {b['label']}" for b in older.get("records", [])]
    if older.get("incidents"):
        older_parts.append(f"{older['incidents']} incidents")
    if older.get("contacts"):
        older_parts.append(f"{older['contacts']} contacts")
    return {
        "title": "Intelligence check",
        "provider": "intelligence",
        "check_id": check_id,
        "ran_at": ran_at,
        "ran_by": "system",
        "counts": ordered_counts,
        "banners": result.get("banners", []),
        "items": items,
        "older": ("Older than 12 months: " + ", ".join(older_parts) if older_parts else ""),
        "empty": not items,
        "empty_text": "No intelligence, previous contacts, incidents or markers found.",
        "truncated": result.get("truncated", False),
        "links": (
            [{"label": "Open check", "url": f"/intel/checks/{check_id}/"}] if check_id else []
        ),
    }
