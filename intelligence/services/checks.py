"""Storing intelligence checks. A check is only ever written as it ran: by the system when a call
is taken or its caller, address or names change, or by a person who runs one; and every view of
one is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import context as call_context
from cad import events as cad_events
from cad.exceptions import ValidationFailed
from cad.models import Incident
from cad.services import incident_system_log
from core.audit import actor_name, audit_record
from intelligence import events
from intelligence.check import CheckResult, check_compute
from intelligence.models import CheckTrigger, IntelCheck, IntelRecord
from intelligence.services.queries import MAX_ADDRESS, check_query_build, incident_check_query

# Incident fields whose change re-runs the check.
CHECKED_FIELDS = {"caller_phone", "caller_name", "address", "address_normalised", "named_people"}
# An automatic check identical to one stored this recently is not stored again (the cad service
# may re-gather context and send `incident_changed` for the same edit).
DUPLICATE_WINDOW_SECONDS = 5


def _log_line(result: dict) -> str:
    kinds: dict[str, int] = {}
    for record in result["records"]:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    records = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "no records"
    markers = ", ".join(m.get("status", "") for m in result["markers"])
    parts = [
        records,
        f"{len(result['previous_contacts'])} previous contacts",
        f"{len(result['previous_incidents'])} previous incidents",
        f"{len(result['markers'])} markers" + (f" ({markers})" if markers else ""),
    ]
    patterns = "; ".join(p["text"] for p in result["patterns"])
    return ", ".join(parts) + (f"; {patterns}" if patterns else "")


def _store(
    *,
    result: CheckResult,
    trigger: str,
    incident: Incident | None,
    ran_by,
    audit_actor,
    triggered_by=None,
) -> IntelCheck:
    """Write one check exactly as it ran, its audit event, the incident log line and the push.
    Must run inside the caller's transaction."""
    data = result.as_dict()
    query = result.query
    check = IntelCheck.objects.create(
        incident=incident,
        ran_at=query.now,
        ran_by=ran_by,
        trigger=trigger,
        phone=query.phone,
        address=query.address.raw[:MAX_ADDRESS],
        address_normalised=query.address.normalised[:MAX_ADDRESS],
        names=list(query.names),
        result=data,
        record_count=len(data["records"]),
        contact_count=len(data["previous_contacts"]),
        incident_count=len(data["previous_incidents"]),
        marker_count=len(data["markers"]),
        duration_ms=result.duration_ms,
    )
    who = actor_name(ran_by)
    summary = _log_line(data)
    audit_data = {
        "check": check.pk,
        "trigger": trigger,
        "ran_by": who,
        "triggered_by": triggered_by.get_username() if triggered_by else None,
        "query": data["query"],
        "records": [r["id"] for r in data["records"]],
        "previous_contacts": [c["id"] for c in data["previous_contacts"]],
        "previous_incidents": [i["id"] for i in data["previous_incidents"]],
        "markers": [m.get("id") for m in data["markers"]],
    }
    audit_record(
        actor=audit_actor,
        action="intel.check_ran",
        obj=incident if incident is not None else check,
        at=query.now,
        summary=f"Intelligence check {check.pk} ran ({who}): {summary}",
        data=audit_data,
    )
    if incident is not None:
        incident_system_log(
            incident=incident,
            now=query.now,
            text=f"Intelligence check ran ({'automatically' if ran_by is None else who}): "
            f"{summary}",
        )
        cad_events.publish_incident("updated", incident, change="intel_check", check=check.pk)
    events.publish_check(check)
    return check


NO_CHECK_YET = "No intelligence check: no number, address or name yet"


def intel_check_attach(
    *, incident: Incident, result: CheckResult | None, actor, now: datetime | None = None
) -> IntelCheck | None:
    """Store the check the system ran while the call was taken, or when cad re-gathered context
    after the caller, address or names changed. Runs it again, as of `now` (the cad service's
    time), if the call-time check could not run. Inside the incident's transaction.

    A call with nothing to check (no number, address or name yet, e.g. a silent call from a
    withheld number) stores nothing: no check ran, and the log says so. The check runs when
    details are added (`intel_check_on_change`). Returns None then."""
    query = (
        result.query
        if result is not None
        else incident_check_query(incident, now=now or timezone.now())
    )
    if query.empty:
        if not incident.log_entries.filter(text=NO_CHECK_YET).exists():
            incident_system_log(incident=incident, now=query.now, text=NO_CHECK_YET)
        return None
    if result is None:
        result = check_compute(query)
    first = (
        call_context.just_created(incident)
        or not IntelCheck.objects.filter(incident=incident).exists()
    )
    return _store(
        result=result,
        trigger=CheckTrigger.INCIDENT_CREATED if first else CheckTrigger.DETAILS_CHANGED,
        incident=incident,
        ran_by=None,
        audit_actor=None,
        triggered_by=actor,
    )


def intel_check_on_change(
    *, incident: Incident, actor, changes: dict, now: datetime | None = None
) -> IntelCheck | None:
    """Re-run the check, as the system, when an incident's caller, address or named people
    change. Returns None when nothing checked changed or an identical check was just stored."""
    if not CHECKED_FIELDS & set(changes or {}):
        return None
    now = now or timezone.now()
    query = incident_check_query(incident, now=now)
    if query.empty:
        return None
    latest = IntelCheck.objects.filter(incident=incident).order_by("-ran_at", "-id").first()
    if (
        latest is not None
        and latest.ran_by_id is None
        and latest.phone == query.phone
        and latest.address_normalised == query.address.normalised
        and sorted(latest.names) == sorted(query.names)
        and abs((now - latest.ran_at).total_seconds()) <= DUPLICATE_WINDOW_SECONDS
    ):
        return None
    with transaction.atomic():
        return _store(
            result=check_compute(query),
            trigger=CheckTrigger.DETAILS_CHANGED,
            incident=incident,
            ran_by=None,
            audit_actor=None,
            triggered_by=actor,
        )


def intel_check_run(
    *,
    actor,
    phone: str = "",
    address: str = "",
    names: Iterable[str] = (),
    incident: Incident | None = None,
    now: datetime | None = None,
) -> IntelCheck:
    """A person runs a check (a search, or a further check from an incident). With an incident
    and no criteria, the incident's number, address and names are checked.

    Raises ValidationFailed (malformed number, over-long value, nothing to check)."""
    now = now or timezone.now()
    names = list(names)
    if incident is not None and not (phone or address or any(names)):
        query = incident_check_query(incident, now=now)
        if query.empty:
            raise ValidationFailed(
                f"{incident.reference} has no number, address or name to check.",
                code="empty_query",
            )
    else:
        query = check_query_build(
            phone=phone,
            address=address,
            names=names,
            now=now,
            exclude_incident_id=incident.pk if incident is not None else None,
            counts_current_call=incident is not None,
        )
    with transaction.atomic():
        return _store(
            result=check_compute(query),
            trigger=CheckTrigger.MANUAL,
            incident=incident,
            ran_by=actor,
            audit_actor=actor,
        )


def intel_checks_viewed(*, actor, checks, via: str, now: datetime | None = None) -> None:
    """Record that `actor` saw these checks' results (API, search page, incident page)."""
    now = now or timezone.now()
    for check in checks:
        audit_record(
            actor=actor,
            action="intel.check_viewed",
            obj=check.incident if check.incident_id else check,
            at=now,
            summary=f"Intelligence check {check.pk} viewed ({via})",
            data={"check": check.pk, "via": via},
        )


def intel_record_viewed(*, actor, record: IntelRecord, now: datetime | None = None) -> None:
    audit_record(
        actor=actor,
        action="intel.record_viewed",
        obj=record,
        at=now or timezone.now(),
        summary=f"{record.kind} record {record.pk} viewed",
        data={"record": record.pk},
    )
