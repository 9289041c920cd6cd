"""Marker compliance: markers started without a START contact within 72 hours, markers withdrawn
or extended (with the victim contact behind each), and markers that expired without a REVIEW
contact."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from core.models import AuditEvent
from reports.filters import ReportFilters
from reports.formatting import local_time_text
from reports.queries.common import username
from riskflags.models import ContactOutcome, ContactPurpose, Marker, MarkerStatus

START_CONTACT_HOURS = 72
MARKER_ISSUES = {
    "NO_START_CONTACT": "No START contact within 72 hours",
    "WITHDRAWN": "Withdrawn",
    "EXTENDED": "Extended",
    "EXPIRED_WITHOUT_REVIEW": "Expired without a review contact",
}


@dataclass
class MarkerCompliance:
    """`rows`: one per marker event needing attention, by issue then time; `counts`: started,
    start_in_time, start_pending, withdrawn, withdrawn_told, extended, expired; `by_issue`:
    rows per issue."""

    rows: list[dict]
    counts: dict
    by_issue: dict


def marker_compliance(filters: ReportFilters, *, now: datetime) -> MarkerCompliance:
    """Markers started in the range (a START contact within 72 hours, or not), withdrawn or
    extended in the range, and expired in the range (up to now) without a REVIEW contact.
    `grade` narrows by the marker's grade floor."""
    extensions = list(
        AuditEvent.objects.filter(
            object_type=Marker._meta.label_lower,
            action="marker.extended",
            at__gte=filters.start_at,
            at__lt=filters.end_at,
        ).values_list("object_id", "at", "data")
    )
    markers = _relevant_markers(filters, now, {int(object_id) for object_id, _, _ in extensions})
    rows, counts = [], defaultdict(int)
    for marker in markers.values():
        contacts = list(marker.contacts.all())
        rows += _start_contact(marker, contacts, filters, now, counts)
        rows += _withdrawal(marker, contacts, filters, counts)
        rows += _expiry(marker, contacts, filters, now, counts)
    for object_id, at, data in extensions:
        marker = markers.get(int(object_id))
        if marker is not None:  # else filtered out by grade
            rows.append(_extension(marker, at, data or {}, counts))
    rows.sort(key=lambda r: (list(MARKER_ISSUES).index(r["issue"]), r["event_at"]))
    by_issue = defaultdict(int)
    for row in rows:
        by_issue[row["issue"]] += 1
    return MarkerCompliance(rows, counts, by_issue)


def _relevant_markers(filters: ReportFilters, now: datetime, extended_ids: set) -> dict:
    """{id: marker} for every marker with an event in the range, contacts prefetched."""
    start, end = filters.start_at, filters.end_at
    markers = Marker.objects.select_related("oic").prefetch_related("contacts")
    if filters.grade:
        markers = markers.filter(grade_floor=filters.grade)
    relevant = markers.filter(
        Q(starts_at__gte=start, starts_at__lt=end)
        | Q(withdrawn_at__gte=start, withdrawn_at__lt=end)
        | Q(expires_at__gte=start, expires_at__lt=end, expires_at__lte=now)
        | Q(pk__in=extended_ids)
    )
    return {marker.pk: marker for marker in relevant}


def _start_contact(marker, contacts, filters, now, counts) -> list[dict]:
    """A row if the marker started in the range and 72 hours passed without a START contact."""
    if not filters.start_at <= marker.starts_at < filters.end_at:
        return []
    counts["started"] += 1
    window = timedelta(hours=START_CONTACT_HOURS)
    due_at = marker.starts_at + window
    if _first(contacts, ContactPurpose.START, until=due_at) is not None:
        counts["start_in_time"] += 1
        return []
    if due_at > now:
        counts["start_pending"] += 1
        return []
    first_start = _first(contacts, ContactPurpose.START)
    if first_start:
        hours = round((first_start.contacted_at - marker.starts_at).total_seconds() / 3600)
        detail = f"first START contact {_contact_text(first_start)}, {hours} hours after the start"
    else:
        detail = "no START contact recorded"
    return [
        _marker_row(marker, "NO_START_CONTACT", due_at, detail, victim_told=_reached(first_start))
    ]


def _withdrawal(marker, contacts, filters, counts) -> list[dict]:
    if not (marker.withdrawn_at and filters.start_at <= marker.withdrawn_at < filters.end_at):
        return []
    contact = _latest(contacts, ContactPurpose.WITHDRAWAL, until=marker.withdrawn_at)
    told = _reached(contact)
    counts["withdrawn"] += 1
    counts["withdrawn_told"] += told
    detail = f"{marker.withdrawal_reason} (withdrawal contact: {_contact_text(contact)})"
    return [_marker_row(marker, "WITHDRAWN", marker.withdrawn_at, detail, victim_told=told)]


def _expiry(marker, contacts, filters, now, counts) -> list[dict]:
    """A row if the marker expired in the range with no REVIEW contact before its expiry."""
    expired = marker.status != MarkerStatus.WITHDRAWN and marker.expires_at <= now
    if not (expired and filters.start_at <= marker.expires_at < filters.end_at):
        return []
    counts["expired"] += 1
    if _latest(contacts, ContactPurpose.REVIEW, until=marker.expires_at) is not None:
        return []
    detail = "no REVIEW contact recorded before expiry"
    return [
        _marker_row(marker, "EXPIRED_WITHOUT_REVIEW", marker.expires_at, detail, victim_told=False)
    ]


def _extension(marker, at: datetime, data: dict, counts) -> dict:
    counts["extended"] += 1
    contact = _latest(list(marker.contacts.all()), ContactPurpose.EXTENSION, until=at)
    new_expiry = str(data.get("to", ""))[:16].replace("T", " ")
    detail = (
        f"{data.get('reason', '')} (to {new_expiry}; extension contact: {_contact_text(contact)})"
    )
    return _marker_row(marker, "EXTENDED", at, detail, victim_told=_reached(contact))


def _first(contacts, purpose: str, *, until: datetime | None = None):
    found = _of_purpose(contacts, purpose, until)
    return min(found, key=lambda c: c.contacted_at) if found else None


def _latest(contacts, purpose: str, *, until: datetime | None = None):
    found = _of_purpose(contacts, purpose, until)
    return max(found, key=lambda c: c.contacted_at) if found else None


def _of_purpose(contacts, purpose: str, until: datetime | None) -> list:
    return [
        c for c in contacts if c.purpose == purpose and (until is None or c.contacted_at <= until)
    ]


def _reached(contact) -> bool:
    """The victim was actually spoken to (not just an attempt)."""
    return bool(contact and contact.outcome == ContactOutcome.CONTACTED)


def _contact_text(contact) -> str:
    if contact is None:
        return "none recorded"
    return (
        f"{ContactOutcome(contact.outcome).label} by {contact.method.lower()} on "
        f"{local_time_text(contact.contacted_at)}"
    )


def _marker_row(marker: Marker, issue: str, at: datetime, detail: str, *, victim_told) -> dict:
    return {
        "issue": issue,
        "issue_label": MARKER_ISSUES[issue],
        "marker_id": marker.pk,
        "address": marker.address,
        "victim_name": marker.victim_name,
        "oic": username(marker.oic),
        "grade_floor": marker.grade_floor,
        "status": marker.status,
        "starts_at": marker.starts_at,
        "expires_at": marker.expires_at,
        "event_at": at,
        "victim_told": victim_told,
        "detail": detail,
    }
