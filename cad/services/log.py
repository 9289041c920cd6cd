"""A person's line on the incident log. The log is append-only: nothing edits or deletes a line.
Every line is read again for risk; what it finds can only raise the minimum grade."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import ValidationFailed
from cad.models import Incident, IncidentLogEntry
from cad.services.assessment import narrative_assess, reassess
from cad.services.inputs import MAX_LOG_TEXT
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_text


def incident_log_add(
    *, actor, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """Append a line to the incident log. The call is reassessed with the new words; anything
    it finds can only raise the minimum grade.

    Raises NotFound and ValidationFailed (empty or over-long text)."""
    now = now or timezone.now()
    text = clean_text(text, "text", MAX_LOG_TEXT)
    if not text:
        raise ValidationFailed("A log line needs some text.", code="text_required")
    with transaction.atomic():
        incident = lock_row(Incident, incident.pk)
        entry = IncidentLogEntry.objects.create(incident=incident, at=now, author=actor, text=text)
        audit_record(
            actor=actor,
            action="incident.log_added",
            obj=incident,
            at=now,
            summary=text[:200],
            data={"entry": entry.pk},
        )
        if incident.is_open:
            reassess(
                actor=actor,
                incident=incident,
                fresh=narrative_assess(incident),
                now=now,
                why="a new log line",
                replace_context=False,
            )
        events.publish_incident("updated", incident, change="log")
    return entry
