"""Recording the handler's answers to the DA questions on an incident (the safety net for what
words miss). The answers are kept on the incident, audited, and fed to a reassessment, which
can only raise the grade: answers confirming domestic abuse add the DA qualifier and hold the
call at PRIORITY, or IMMEDIATE when the person is there now or trying to get in (see
`cad.services.da_floor`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import InvalidTransition, NotFound, ValidationFailed
from cad.grading.questions import QUESTIONS
from cad.models import Incident
from cad.services.assessment import assessment_text, call_assess, reassess
from cad.services.da_floor import clean_da_answers, describe_answers
from cad.services.trail import incident_system_log
from core.audit import audit_record
from core.locks import lock_row


def incident_da_answers_record(
    *, actor, incident: Incident, da_answers: dict, now: datetime | None = None
) -> Incident:
    """Record answers to the DA questions (`{code: "yes"|"no"|"unknown"}`, codes from
    `cad.grading.questions.QUESTIONS`). Answers given replace earlier answers to the same
    questions; the others stay. The incident is reassessed with all its answers (the minimum
    grade can only rise). The same answers again record nothing.

    Raises ValidationFailed (no answer, unknown question or answer), NotFound and
    InvalidTransition (a closed incident)."""
    now = now or timezone.now()
    given = clean_da_answers(da_answers)
    if not given:
        raise ValidationFailed("Give at least one answer.", code="invalid_da_answers")
    current = Incident.objects.filter(pk=incident.pk).first()
    if current is None:
        raise NotFound(f"Incident {incident.pk} does not exist.")
    answers = _in_question_order({**(current.da_answers or {}), **given})
    # Gathered before the lock: the context providers read other apps' records.
    fresh, _ = call_assess(
        narrative=assessment_text(current),
        channel=current.channel,
        caller_phone=current.caller_phone,
        caller_name=current.caller_name,
        address=current.address,
        named_people=current.named_people,
        silent=current.silent,
        now=now,
        exclude_incident_id=current.pk,
        da_answers=answers,
    )
    with transaction.atomic():
        incident = lock_row(Incident, current.pk)
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; its answers cannot change.")
        before = dict(incident.da_answers or {})
        answers = _in_question_order({**before, **given})
        changed = {
            code: [before.get(code, ""), value]
            for code, value in answers.items()
            if before.get(code) != value
        }
        if not changed:
            return incident
        incident.da_answers = answers
        incident.save(update_fields=["da_answers", "updated_at"])
        text = describe_answers({code: new for code, (_, new) in changed.items()})
        incident_system_log(incident=incident, now=now, text=text)
        audit_record(
            actor=actor,
            action="incident.da_answers_recorded",
            obj=incident,
            at=now,
            summary=text,
            data={"answers": answers, "changed": changed},
        )
        reassess(
            actor=actor,
            incident=incident,
            fresh=fresh.as_dict(),
            now=now,
            why="the handler's DA answers",
            replace_context=False,
        )
        events.publish_incident("updated", incident, change="da_answers")
    return incident


def _in_question_order(answers: dict[str, str]) -> dict[str, str]:
    return {code: answers[code] for code, _ in QUESTIONS if code in answers}
