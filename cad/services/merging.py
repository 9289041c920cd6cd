"""Merging two incidents that turn out to be one event.

The survivor carries on: it gets a copy of the merged incident's whole log (each copied line
points at the original, which stays where it was), every contact, the more urgent grade, the
merged assessment (findings and floors only accumulate), the DA answers it lacks and the DA
qualifier if either had it.
The units committed to the merged incident move to the survivor (dispatch does that, through
`cad.signals.incident_merging`). The merged incident is closed as a DUPLICATE whose note and
`merged_into` point at the survivor; nothing of it is deleted. Both logs and both audit trails
say what happened.

The survivor keeps its own received time, so its response target is its own received time plus
the merged grade's target (the one clock, `cad.clock.target_for`): merge into the earlier
incident to keep the earlier clock.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import Conflict
from cad.grading.questions import QUESTIONS
from cad.models import ClosingCode, Contact, Grade, Incident, IncidentLogEntry
from cad.services.assessment import merge_assessment, narrative_assess, reassess
from cad.services.da_floor import describe_answers
from cad.services.grade import apply_grade
from cad.services.grading import qualifier_set
from cad.services.inputs import MAX_REASON
from cad.services.lifecycle import close_locked
from cad.services.trail import incident_system_log
from cad.signals import incident_merging
from core.audit import audit_record
from core.locks import lock_rows_in_order
from core.validation import clean_text

DUPLICATE_CODE = "DUPLICATE"


def incident_merge(
    *, actor, incident: Incident, into: Incident, reason: str = "", now: datetime | None = None
) -> Incident:
    """Merge `incident` into `into` (the survivor) and return the survivor. One transaction:
    units move (dispatch), the log is copied, contacts move, the survivor takes the more urgent
    grade and DA, the merged incident is closed pointing at it; audited and logged on both,
    `incident.updated` pushed for both.

    Raises NotFound, Conflict (`same_incident`, `incident_closed` for either incident,
    including one already merged) and ValidationFailed (over-long reason)."""
    now = now or timezone.now()
    reason = clean_text(reason, "reason", MAX_REASON)
    _refuse(Incident.objects.filter(pk=incident.pk).first() or incident, into)
    with transaction.atomic():
        # Dispatch moves the units first, locking units then incidents (its locking order).
        incident_merging.send(sender=Incident, incident=incident, into=into, actor=actor, now=now)
        locked = lock_rows_in_order(Incident, [incident.pk, into.pk])
        merged, survivor = locked[incident.pk], locked[into.pk]
        _refuse(merged, survivor)
        copied = _copy_log(merged=merged, survivor=survivor)
        contacts = list(Contact.objects.filter(incident=merged).values_list("pk", flat=True))
        Contact.objects.filter(pk__in=contacts).update(incident=survivor)
        _take_the_safer_grading(actor=actor, survivor=survivor, merged=merged, now=now)
        note = f"Merged into {survivor.reference}" + (f": {reason}" if reason else ".")
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])
        close_locked(actor=actor, incident=merged, code=_duplicate_code(), note=note, now=now)
        _record(
            actor=actor,
            merged=merged,
            survivor=survivor,
            reason=reason,
            copied=copied,
            contacts=contacts,
            now=now,
        )
        events.publish_incident("updated", survivor, change="merge", merged=merged.pk)
    return survivor


def _refuse(merged: Incident, survivor: Incident) -> None:
    if merged.pk == survivor.pk:
        raise Conflict("An incident cannot be merged into itself.", code="same_incident")
    for one in (merged, survivor):
        if not one.is_open:
            merged_note = " (it was merged into another incident)" if one.merged_into_id else ""
            raise Conflict(
                f"{one.reference} is closed{merged_note}: only open incidents can be merged.",
                code="incident_closed",
            )


def _copy_log(*, merged: Incident, survivor: Incident) -> int:
    """Copy every line of the merged incident's log onto the survivor, at its own time and with
    its author, pointing at the original (so a line merged twice still names its first home)."""
    lines = list(merged.log_entries.order_by("at", "id"))
    IncidentLogEntry.objects.bulk_create(
        IncidentLogEntry(
            incident=survivor,
            at=line.at,
            author_id=line.author_id,
            kind=line.kind,
            text=line.text,
            contact_id=line.contact_id,
            copied_from_id=line.copied_from_id or line.pk,
        )
        for line in lines
    )
    return len(lines)


def _take_the_safer_grading(*, actor, survivor: Incident, merged: Incident, now: datetime):
    """The survivor's assessment absorbs the merged one's and is read again with both logs and
    both incidents' DA answers; then the more urgent of the two grades, and DA if either had it.
    Nothing is lowered."""
    why = f"merging {merged.reference}"
    _take_the_da_answers(survivor=survivor, merged=merged, now=now)
    fresh = merge_assessment(
        merged.assessment or {}, narrative_assess(survivor), replace_context=False
    )
    reassess(actor=actor, incident=survivor, fresh=fresh, now=now, why=why, replace_context=False)
    if merged.domestic_abuse and not survivor.domestic_abuse:
        qualifier_set(
            actor=actor,
            incident=survivor,
            domestic_abuse=True,
            reason=f"{merged.reference}, domestic abuse, was merged into this incident",
            now=now,
        )
    if Grade.is_below(survivor.grade, merged.grade):
        apply_grade(
            actor=actor,
            incident=survivor,
            grade=merged.grade,
            reason=f"the more urgent grade of {merged.reference}, merged into this incident",
            now=now,
        )


def _take_the_da_answers(*, survivor: Incident, merged: Incident, now: datetime) -> None:
    """The merged incident's answers to DA questions the survivor has not answered; the
    survivor's own answers stand."""
    gained = {
        code: answer
        for code, answer in (merged.da_answers or {}).items()
        if code not in (survivor.da_answers or {})
    }
    if not gained:
        return
    answers = {**(survivor.da_answers or {}), **gained}
    survivor.da_answers = {code: answers[code] for code, _ in QUESTIONS if code in answers}
    survivor.save(update_fields=["da_answers", "updated_at"])
    incident_system_log(
        incident=survivor,
        now=now,
        text=f"From {merged.reference}: {describe_answers(gained)}",
    )


def _duplicate_code() -> ClosingCode:
    code, _ = ClosingCode.objects.get_or_create(
        code=DUPLICATE_CODE, defaults={"label": "Duplicate of another incident"}
    )
    return code


def _record(
    *,
    actor,
    merged: Incident,
    survivor: Incident,
    reason: str,
    copied: int,
    contacts: list[int],
    now: datetime,
) -> None:
    because = f": {reason}" if reason else "."
    incident_system_log(
        incident=survivor,
        now=now,
        text=f"{merged.reference} merged into this incident ({copied} log lines copied, "
        f"{len(contacts)} contact(s) moved){because}",
    )
    data = {
        "merged": merged.pk,
        "merged_reference": merged.reference,
        "survivor": survivor.pk,
        "survivor_reference": survivor.reference,
        "reason": reason,
        "log_lines_copied": copied,
        "contacts_moved": contacts,
        "grade": survivor.grade,
        "domestic_abuse": survivor.domestic_abuse,
    }
    audit_record(
        actor=actor,
        action="incident.merged",
        obj=survivor,
        at=now,
        summary=f"{merged.reference} merged into {survivor.reference}{because}",
        data=data,
    )
    audit_record(
        actor=actor,
        action="incident.merged_into",
        obj=merged,
        at=now,
        summary=f"Merged into {survivor.reference}{because}",
        data=data,
    )
