"""QA review writes: a finding on a divert, and the urgent-review flag. Reports themselves
never write; these two services are the only writes in the app, each audited."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import Forbidden, NotFound, ValidationFailed
from core.audit import audit_record
from core.locks import lock_row
from core.roles import QA_REVIEWERS, has_role
from dispatch.models import Divert
from reports import events
from reports.models import MAX_REVIEW_TEXT, DivertFinding, DivertUrgentFlag, FindingOutcome


def _require_reviewer(actor) -> None:
    if not has_role(actor, *QA_REVIEWERS):
        raise Forbidden("Only a QA reviewer records divert findings.", code="not_qa_reviewer")


def _text(value, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_REVIEW_TEXT:
        raise ValidationFailed(
            f"The {what} is too long ({len(value)} characters; at most {MAX_REVIEW_TEXT}).",
            code=f"{what}_too_long",
            fields={what: [f"At most {MAX_REVIEW_TEXT} characters."]},
        )
    return value


def _lock_divert(divert_id: int) -> Divert:
    """The divert, locked so two reviewers' writes on it serialise. Only the divert row is
    locked; its incident is read for the reference without a lock."""
    try:
        return lock_row(Divert, divert_id)
    except NotFound:
        raise NotFound(f"Divert {divert_id} does not exist.", code="divert_not_found") from None


def _audit(actor, action: str, row, divert: Divert, *, now, summary: str, data: dict) -> None:
    """Audit a QA write on its own row and on the diverted incident's trail, so the
    incident's timeline shows the review."""
    for obj in (row, divert.from_incident):
        audit_record(actor=actor, action=action, obj=obj, at=now, summary=summary, data=data)


def divert_finding_record(
    *, actor, divert_id: int, outcome: str, notes: str, now: datetime | None = None
) -> DivertFinding:
    """Record a QA reviewer's finding on a divert (appropriate, not appropriate, learning
    identified) with notes. A later finding supersedes an earlier one; both are kept.

    Notes are required when the divert was not appropriate or learning was identified: the
    point of the review is to say why.

    Raises Forbidden (not a QA reviewer), NotFound, ValidationFailed (`invalid_outcome`,
    `notes_required`, `notes_too_long`)."""
    now = now or timezone.now()
    _require_reviewer(actor)
    outcome = (outcome or "").strip().upper()
    if outcome not in FindingOutcome.values:
        raise ValidationFailed(
            f"Unknown finding {outcome!r}: use one of {', '.join(FindingOutcome.values)}.",
            code="invalid_outcome",
            fields={"outcome": [f"Use one of {', '.join(FindingOutcome.values)}."]},
        )
    notes = _text(notes, "notes")
    if outcome != FindingOutcome.APPROPRIATE and not notes:
        raise ValidationFailed(
            f"Say why: notes are required for a finding of "
            f"{FindingOutcome(outcome).label.lower()}.",
            code="notes_required",
            fields={"notes": ["Required for this finding."]},
        )
    with transaction.atomic():
        divert = _lock_divert(divert_id)
        previous = (
            DivertFinding.objects.filter(divert=divert).order_by("-recorded_at", "-id").first()
        )
        finding = DivertFinding.objects.create(
            divert=divert, outcome=outcome, notes=notes, recorded_by=actor, recorded_at=now
        )
        summary = f"QA finding on the divert of {divert.from_incident.reference}: " + (
            FindingOutcome(outcome).label
        )
        data = {
            "divert": divert.pk,
            "finding": finding.pk,
            "outcome": outcome,
            "notes": notes,
            "supersedes": previous.pk if previous else None,
        }
        _audit(actor, "divert.qa_finding", finding, divert, now=now, summary=summary, data=data)
        events.publish_divert_qa(
            "finding", divert_id=divert.pk, incident_id=divert.from_incident_id, outcome=outcome
        )
    return finding


def divert_urgent_set(
    *, actor, divert_id: int, urgent: bool, reason: str, now: datetime | None = None
) -> DivertUrgentFlag:
    """Mark a divert for urgent review, or clear the flag (overriding the suggestion made by
    the rule), with a reason.

    Raises Forbidden, NotFound, ValidationFailed (`reason_required`, `reason_too_long`)."""
    now = now or timezone.now()
    _require_reviewer(actor)
    reason = _text(reason, "reason")
    if not reason:
        raise ValidationFailed(
            "Give a reason for setting or clearing the urgent-review flag.",
            code="reason_required",
            fields={"reason": ["Required."]},
        )
    with transaction.atomic():
        divert = _lock_divert(divert_id)
        flag = DivertUrgentFlag.objects.create(
            divert=divert, urgent=bool(urgent), reason=reason, set_by=actor, set_at=now
        )
        summary = (
            f"Divert of {divert.from_incident.reference} "
            + ("flagged for urgent review" if urgent else "cleared from urgent review")
            + f": {reason}"
        )
        data = {"divert": divert.pk, "flag": flag.pk, "urgent": bool(urgent), "reason": reason}
        _audit(actor, "divert.qa_urgent", flag, divert, now=now, summary=summary, data=data)
        events.publish_divert_qa(
            "urgent", divert_id=divert.pk, incident_id=divert.from_incident_id, urgent=bool(urgent)
        )
    return flag
