"""Previous contacts and incidents at the call's number or address, and the repeat-contact
pattern (three or more contacts in 30 days, counting the call being taken)."""

from __future__ import annotations

import math

from django.db import connection
from django.db.models import Count, Min, Q

from cad.models import Channel, Contact, Incident
from intelligence.check.lookups import Lookups
from intelligence.check.result import (
    HISTORY_LIMIT,
    PATTERN_MIN_CONTACTS,
    PATTERN_WINDOW,
    RECENT,
    CheckQuery,
    CheckResult,
    iso,
)
from premises.addressing import address_why


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _history_base(query: CheckQuery, model, by_address: dict):
    """The rows of Contact/Incident at the number exactly or at the premises (`by_address`:
    {row_id: Match}, from `lookups_run`), received by `query.now`, the incident being
    reassessed left out; None when there is neither."""
    condition = Q()
    if query.phone:
        condition |= Q(caller_phone=query.phone)
    if by_address:
        condition |= Q(pk__in=list(by_address))
    if not condition:
        return None
    base = model.objects.filter(condition, received_at__lte=query.now)
    if query.exclude_incident_id:
        if model is Contact:
            base = base.exclude(incident_id=query.exclude_incident_id)
        else:
            base = base.exclude(pk=query.exclude_incident_id)
    return base


def _why_history(row, query: CheckQuery, by_address: dict) -> tuple[list[str], list[str]]:
    why, on = [], []
    if query.phone and row.caller_phone == query.phone:
        why.append(f"phone {query.phone}")
        on.append("phone")
    if row.pk in by_address:
        why.append(address_why(by_address[row.pk]))
        on.append("address")
    return why, on


def history_find(query: CheckQuery, result: CheckResult, found: Lookups) -> None:
    """The previous contacts and incidents at the call's number or premises (`found`), and the
    repeat-contact pattern. Both tables are counted first, in one round trip; the rows are read
    only from a table with any in the last year."""
    contacts = _history_base(query, Contact, found.contacts_at)
    incidents = _history_base(query, Incident, found.incidents_at)
    contact_counts, incident_counts = _counts(query, contacts, incidents)
    if contacts is not None:
        _contacts(query, result, contacts, contact_counts, found.contacts_at)
    if incidents is not None:
        _incidents(query, result, incidents, incident_counts, found.incidents_at)


def _contact_counts(query: CheckQuery) -> dict:
    since, window_start = query.now - RECENT, query.now - PATTERN_WINDOW
    return {
        "recent": Count("id", filter=Q(received_at__gte=since)),
        "older": Count("id", filter=Q(received_at__lt=since)),
        "window": Count("id", filter=Q(received_at__gte=window_start)),
        "first": Min("received_at", filter=Q(received_at__gte=window_start)),
    }


def _incident_counts(query: CheckQuery) -> dict:
    older = Q(received_at__lt=query.now - RECENT)
    return {
        "recent": Count("id", filter=Q(received_at__gte=query.now - RECENT)),
        "count": Count("id", filter=older),
        "domestic_abuse": Count("id", filter=older & Q(domestic_abuse=True)),
    }


# The same counts as `_contact_counts` and `_incident_counts` for PostgreSQL's one statement:
# (name, SQL over the rows `t` of the base query, the bound its parameter is).
_CONTACT_COUNTS_SQL = (
    ("recent", "COUNT(*) FILTER (WHERE t.received_at >= %s)", "since"),
    ("older", "COUNT(*) FILTER (WHERE t.received_at < %s)", "since"),
    ("window", "COUNT(*) FILTER (WHERE t.received_at >= %s)", "window"),
    ("first", "MIN(t.received_at) FILTER (WHERE t.received_at >= %s)", "window"),
)
_INCIDENT_COUNTS_SQL = (
    ("recent", "COUNT(*) FILTER (WHERE t.received_at >= %s)", "since"),
    ("count", "COUNT(*) FILTER (WHERE t.received_at < %s)", "since"),
    ("domestic_abuse", "COUNT(*) FILTER (WHERE t.received_at < %s AND t.domestic_abuse)", "since"),
)


def _counts(query: CheckQuery, contacts, incidents) -> tuple[dict | None, dict | None]:
    """The counts (`_contact_counts`, `_incident_counts`) of the base queries given (None:
    not counted): on PostgreSQL in one statement, elsewhere one aggregate each."""
    if connection.vendor != "postgresql":
        return (
            None if contacts is None else contacts.aggregate(**_contact_counts(query)),
            None if incidents is None else incidents.aggregate(**_incident_counts(query)),
        )
    bounds = {"since": query.now - RECENT, "window": query.now - PATTERN_WINDOW}
    counted = [
        (name, base, fields, columns)
        for name, base, fields, columns in (
            ("contacts", contacts, ("received_at",), _CONTACT_COUNTS_SQL),
            ("incidents", incidents, ("received_at", "domestic_abuse"), _INCIDENT_COUNTS_SQL),
        )
        if base is not None
    ]
    if not counted:
        return None, None
    selects, params = [], []
    for _, base, fields, columns in counted:
        sql, base_params = base.order_by().values(*fields).query.sql_with_params()
        listed = ", ".join(f"{expression} AS {column}" for column, expression, _ in columns)
        selects.append(f"(SELECT {listed} FROM ({sql}) AS t) AS c{len(selects)}")
        params += [bounds[bound] for _, _, bound in columns] + list(base_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM " + " CROSS JOIN ".join(selects), params)  # noqa: S608
        values = iter(cursor.fetchone())
    answers = {
        name: {column: next(values) for column, _, _ in columns} for name, _, _, columns in counted
    }
    return answers.get("contacts"), answers.get("incidents")


def _contacts(query: CheckQuery, result: CheckResult, base, counts: dict, fuzzy_why) -> None:
    """The contacts (`result.previous_contacts`, the last year's, newest first, at most
    `HISTORY_LIMIT`), how many are older (`result.older`) and the repeat-contact pattern."""
    since = query.now - RECENT
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


def _incidents(query: CheckQuery, result: CheckResult, base, counts: dict, fuzzy_why) -> None:
    """The incidents (`result.previous_incidents`, the last year's, newest first, at most
    `HISTORY_LIMIT`) and how many are older, and of those how many DA (`result.older`)."""
    since = query.now - RECENT
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
