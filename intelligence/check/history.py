"""Previous contacts and incidents at the call's number or address, and the repeat-contact
pattern (three or more contacts in 30 days, counting the call being taken)."""

from __future__ import annotations

import math

from django.db.models import Count, Min, Q

from cad.models import Channel, Contact, Incident
from intelligence.check.result import (
    HISTORY_LIMIT,
    PATTERN_MIN_CONTACTS,
    PATTERN_WINDOW,
    RECENT,
    CheckQuery,
    CheckResult,
    iso,
)
from premises.addressing import address_why, rows_at


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _history_filter(query: CheckQuery, model) -> tuple[Q | None, dict]:
    """How rows of Contact/Incident match: the number exactly, the address by premises with the
    one matcher. Returns the filter and {row_id: Match} for the address matches."""
    condition = Q()
    by_address: dict[int, object] = {}
    if query.phone:
        condition |= Q(caller_phone=query.phone)
    if query.has_address:
        rows = model.objects.filter(received_at__lte=query.now).only(
            "id", "premises_id", "address_parts"
        )
        by_address = {row.pk: match for row, match in rows_at(rows, query.place)}
        if by_address:
            condition |= Q(pk__in=list(by_address))
    if not condition:
        return None, {}
    return condition, by_address


def _why_history(row, query: CheckQuery, by_address: dict) -> tuple[list[str], list[str]]:
    why, on = [], []
    if query.phone and row.caller_phone == query.phone:
        why.append(f"phone {query.phone}")
        on.append("phone")
    if row.pk in by_address:
        why.append(address_why(by_address[row.pk]))
        on.append("address")
    return why, on


def contacts_find(query: CheckQuery, result: CheckResult) -> None:
    """The contacts at the call's number or address (`result.previous_contacts`, the last
    year's, newest first, at most `HISTORY_LIMIT`), how many are older (`result.older`) and
    the repeat-contact pattern. The counts are read first, in one query; the rows only when
    there are any in the last year."""
    condition, fuzzy_why = _history_filter(query, Contact)
    if condition is None:
        return
    base = Contact.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(incident_id=query.exclude_incident_id)
    since = query.now - RECENT
    window_start = query.now - PATTERN_WINDOW
    counts = base.aggregate(
        recent=Count("id", filter=Q(received_at__gte=since)),
        older=Count("id", filter=Q(received_at__lt=since)),
        window=Count("id", filter=Q(received_at__gte=window_start)),
        first=Min("received_at", filter=Q(received_at__gte=window_start)),
    )
    rows = []
    if counts["recent"]:
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
                "received_at": iso(contact.received_at),
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
    result.older["contacts"] = counts["older"]
    _pattern(query, result, counts["window"], counts["first"])


def _pattern(query: CheckQuery, result: CheckResult, prior: int, first_at) -> None:
    total = prior + (1 if query.counts_current_call else 0)
    if total < PATTERN_MIN_CONTACTS or first_at is None:
        return
    days = max(1, math.ceil((query.now - first_at).total_seconds() / 86400))
    on = " or ".join(
        part
        for part, present in (("number", query.phone), ("address", query.has_address))
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
            "since": iso(first_at),
            "evidence": f"{text}: {listing}" if listing else text,
        }
    )


def incidents_find(query: CheckQuery, result: CheckResult) -> None:
    """The incidents at the call's number or address (`result.previous_incidents`, the last
    year's, newest first, at most `HISTORY_LIMIT`) and how many are older, and of those how
    many DA (`result.older`). The counts are read first, in one query; the rows only when there
    are any in the last year."""
    condition, fuzzy_why = _history_filter(query, Incident)
    if condition is None:
        return
    base = Incident.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        base = base.exclude(pk=query.exclude_incident_id)
    since = query.now - RECENT
    older = Q(received_at__lt=since)
    counts = base.aggregate(
        recent=Count("id", filter=Q(received_at__gte=since)),
        count=Count("id", filter=older),
        domestic_abuse=Count("id", filter=older & Q(domestic_abuse=True)),
    )
    rows = []
    if counts["recent"]:
        rows = list(
            base.filter(received_at__gte=since).order_by("-received_at", "-id")[:HISTORY_LIMIT]
        )
    for incident in rows:
        why, on = _why_history(incident, query, fuzzy_why)
        result.previous_incidents.append(
            {
                "id": incident.pk,
                "reference": incident.reference,
                "received_at": iso(incident.received_at),
                "status": incident.status,
                "grade": incident.grade,
                "domestic_abuse": incident.domestic_abuse,
                "channel": incident.channel,
                "address": incident.address,
                "caller_phone": incident.caller_phone,
                "narrative": incident.narrative[:300],
                # Silent or abandoned: flagged so, or a 999 call with nothing said.
                "silent": incident.silent
                or (incident.channel == Channel.EMERGENCY and not incident.narrative.strip()),
                "why": why,
                "matched_on": on,
            }
        )
    result.older["incidents"] = counts["count"]
    result.older["incidents_domestic_abuse"] = counts["domestic_abuse"]
