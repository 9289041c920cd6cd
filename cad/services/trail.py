"""What the system records on an incident's trail: its own log lines, tags, who viewed it, and
the announcement of a change to the apps above cad and to the screens."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import ValidationFailed
from cad.models import DIVERT_TAG, Incident, IncidentLogEntry, IncidentTag
from cad.signals import incident_changed
from core.audit import audit_record
from core.validation import clean_text


def incident_system_log(
    *, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """A line the system writes (assignment, divert, alert...), inside the caller's transaction."""
    return IncidentLogEntry.objects.create(
        incident=incident,
        at=now or timezone.now(),
        author=None,
        kind=IncidentLogEntry.Kind.SYSTEM,
        text=text,
    )


def incident_system_logs(
    lines: list[tuple[Incident, str]], *, now: datetime | None = None
) -> list[IncidentLogEntry]:
    """Many system lines, (incident, text) each, in one INSERT inside the caller's transaction
    (a scan that records several alerts at once logs them together)."""
    at = now or timezone.now()
    return IncidentLogEntry.objects.bulk_create(
        IncidentLogEntry(
            incident=incident, at=at, author=None, kind=IncidentLogEntry.Kind.SYSTEM, text=text
        )
        for incident, text in lines
    )


def incident_tag_add(
    *, actor, incident: Incident, tag: str, now: datetime | None = None
) -> IncidentTag:
    """Tag an incident (e.g. DIVERT). Idempotent; tags are never removed. The DIVERT tag also
    sets the incident's `divert_tagged` flag (the outstanding list sorts by it).

    Raises ValidationFailed for an empty or malformed tag."""
    now = now or timezone.now()
    tag = clean_text(tag, "tag", 32).upper()
    if not tag or not tag.replace("_", "").isalnum():
        raise ValidationFailed(
            "A tag is one word of letters, digits and underscores.", code="invalid_tag"
        )
    with transaction.atomic():
        tag_row, created = IncidentTag.objects.get_or_create(
            incident=incident, tag=tag, defaults={"added_at": now, "added_by": actor}
        )
        if created and tag == DIVERT_TAG:
            Incident.objects.filter(pk=incident.pk).update(divert_tagged=True)
            incident.divert_tagged = True
        if created:
            audit_record(
                actor=actor,
                action="incident.tagged",
                obj=incident,
                at=now,
                summary=f"Tagged {tag}",
                data={"tag": tag},
            )
            incident_system_log(incident=incident, now=now, text=f"Tagged {tag}")
            events.publish_incident("updated", incident, change="tag", tag=tag)
    return tag_row


def incident_view_record(
    *, actor, incident: Incident, via: str, now: datetime | None = None
) -> None:
    """Audit that `actor` opened the whole incident (with its intelligence check and markers):
    every view of intelligence is on the record."""
    audit_record(
        actor=actor,
        action="incident.viewed",
        obj=incident,
        at=now or timezone.now(),
        summary=f"Viewed via {via}",
        data={"via": via},
    )


def announce_change(
    *, incident: Incident, actor, now: datetime, changes: dict, change: str
) -> None:
    """Tell the apps above cad (`incident_changed`, inside the transaction, so their writes
    commit with it) and the screens (a live push after commit) that the incident changed.
    `changes` is {field: (old, new)}; `change` names it for the screens."""
    incident_changed.send(sender=Incident, incident=incident, actor=actor, changes=changes, now=now)
    events.publish_incident("updated", incident, change=change)
