"""What the system records on an incident's trail: its own log lines, tags, who viewed it, and
the announcement of a change to the apps above cad and to the screens."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import context as call_context
from cad import events
from cad.exceptions import ValidationFailed
from cad.models import DIVERT_TAG, Incident, IncidentLogEntry, IncidentTag
from cad.signals import incident_changed
from core.audit import audit_record
from core.validation import clean_text

# The related rows an incident's API representation reads (`cad.serializers.IncidentSerializer`),
# held on the instance `incident_create` writes so its 201 body needs no read-back: the create
# starts them empty (`hold_new`) and every writer of such a row on the incident adds it
# (`held_add`). `held_done` puts them in the order the detail queryset reads them.
HELD_RELATIONS = (
    "tags",
    "log_entries",
    "contacts",
    "grade_changes",
    "grade_requests",
    "thrive_assessments",
)


def hold_new(incident: Incident) -> None:
    """Mark a freshly inserted incident as just created (`cad.context.just_created`) with every
    related list the API reads known and empty."""
    cache = {}
    for name in HELD_RELATIONS:
        queryset = getattr(incident, name).get_queryset()
        queryset._result_cache = []
        queryset._prefetch_done = True
        cache[name] = queryset
    incident._prefetched_objects_cache = cache
    incident.just_created = True


def held_add(incident: Incident, relation: str, row) -> None:
    """Add a row just written about `incident` to what the instance holds while it is being
    created (a no-op otherwise: relations are read when asked for)."""
    if not call_context.just_created(incident):
        return
    cache = getattr(incident, "_prefetched_objects_cache", {})
    if relation in cache:
        cache[relation]._result_cache.append(row)


CREATED_ROWS_ATTR = "_cad_created_rows"


def held_done(incident: Incident) -> None:
    """The create is over: order the held rows as the detail queryset reads them (log and grade
    history by time, contacts by received time) and put them aside (`created_rows` shows them
    again, for the 201 body). The instance is no longer "just created" and holds no snapshot,
    so a later change made with it, and every later read of its relations, takes the usual
    paths (a snapshot left in the prefetch cache would hide rows added afterwards)."""
    incident.just_created = False
    cache = getattr(incident, "_prefetched_objects_cache", {})
    for name, key in (
        ("log_entries", lambda e: (e.at, e.pk)),
        ("grade_changes", lambda c: (c.at, c.pk)),
        ("contacts", lambda c: (c.received_at, c.pk)),
    ):
        if name in cache:
            cache[name]._result_cache.sort(key=key)
    setattr(
        incident,
        CREATED_ROWS_ATTR,
        {name: cache.pop(name) for name in HELD_RELATIONS if name in cache},
    )


@contextmanager
def created_rows(incident: Incident):
    """While inside, the incident's relations read the rows its create wrote (no read-back);
    afterwards they are read from the database again. Outside a create's result, a no-op."""
    rows = getattr(incident, CREATED_ROWS_ATTR, None)
    if not rows:
        yield incident
        return
    cache = incident.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.update(rows)
    try:
        yield incident
    finally:
        for name in rows:
            cache.pop(name, None)


def incident_system_log(
    *, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """A line the system writes (assignment, divert, alert...), inside the caller's transaction."""
    entry = IncidentLogEntry.objects.create(
        incident=incident,
        at=now or timezone.now(),
        author=None,
        kind=IncidentLogEntry.Kind.SYSTEM,
        text=text,
    )
    held_add(incident, "log_entries", entry)
    return entry


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
    # On an incident being created this runs inside the create's savepoint for other apps'
    # hooks: no savepoint of its own.
    with transaction.atomic(savepoint=not call_context.just_created(incident)):
        if call_context.just_created(incident) and tag not in incident.tag_names:
            # Nothing else can have tagged an incident this request is still creating.
            tag_row = IncidentTag.objects.create(
                incident=incident, tag=tag, added_at=now, added_by=actor
            )
            created = True
            held_add(incident, "tags", tag_row)
        else:
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
