"""Reacting to an incident closed elsewhere (cad): units still committed refuse the close."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from cad.exceptions import Conflict
from cad.models import Incident, IncidentStatus
from dispatch.models import OPEN_ASSIGNMENT_STATUSES, Assignment, InspectorTask, InspectorTaskStatus
from dispatch.services.steps import divert_unresourced_settle, task_close


def incident_closing_check(*, incident: Incident, actor, now: datetime | None = None) -> None:
    """Called (through `cad.signals.incident_changed`) inside the transaction that closes an
    incident. A unit still committed to it refuses the close (the whole close is undone), so a
    crew is never left driving to a closed incident; otherwise its open inspector tasks record
    the closure and its DIVERT_UNRESOURCED alert settles.

    Raises Conflict (`units_committed`)."""
    now = now or timezone.now()
    call_signs = list(
        Assignment.objects.filter(incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES)
        .order_by("unit__call_sign")
        .values_list("unit__call_sign", flat=True)
    )
    if call_signs:
        raise Conflict(
            f"{', '.join(call_signs)} still committed to {incident.reference}: clear or release "
            "the unit(s) before closing it.",
            code="units_committed",
        )
    for task in InspectorTask.objects.select_for_update(skip_locked=True).filter(
        incident=incident, status=InspectorTaskStatus.OPEN
    ):
        task_close(actor=actor, task=task, outcome=f"{incident.reference} closed.", now=now)
    divert_unresourced_settle(incident=incident, now=now, reason="incident closed")


def on_incident_changed(sender, incident, actor=None, changes=None, **kwargs):
    """`cad.signals.incident_changed` receiver: a close runs `incident_closing_check`."""
    status_change = (changes or {}).get("status")
    if status_change and status_change[1] == IncidentStatus.CLOSED:
        incident_closing_check(incident=incident, actor=actor, now=incident.closed_at)
