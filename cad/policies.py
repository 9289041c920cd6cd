"""Grade policies: each grade's target response times (urban and rural) and its due-soon lead.

cad owns them because the response clock (`cad.clock`) is computed from them. The monitoring
app shows and edits them (the grade policy screen and API) through these functions, and reacts
to a change through `cad.signals.grade_policy_changed`, sent inside the update's transaction, so
cad never imports the apps that watch the clock.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import NotFound, ValidationFailed
from cad.models import Grade, GradePolicy
from cad.signals import grade_policy_changed
from core.audit import audit_record
from core.live import publish_event
from core.locks import lock_row

# A week: longer than any sensible target, short enough to catch a typo in hours or seconds.
MAX_POLICY_MINUTES = 24 * 60 * 7
POLICY_FIELDS = ("urban_target_minutes", "rural_target_minutes", "due_soon_minutes")
_UNSET = object()


def _known_grade(grade: str) -> str:
    if grade not in Grade.values:
        raise NotFound(f"Unknown grade '{grade}'. Use one of: {', '.join(Grade.values)}.")
    return grade


def grade_policies() -> list[GradePolicy]:
    """Every grade, most urgent first (a grade with no row yet shows with no targets)."""
    found = {policy.grade: policy for policy in GradePolicy.objects.all()}
    return [found.get(grade) or GradePolicy(grade=grade) for grade in Grade.values]


def grade_policy_get(grade: str) -> GradePolicy:
    """One grade's policy (unsaved and empty when it has no row). Raises NotFound."""
    _known_grade(grade)
    return GradePolicy.objects.filter(grade=grade).first() or GradePolicy(grade=grade)


def _minutes(value, what: str) -> int | None:
    """None (no target, no lead) or a whole number of minutes in 1..MAX_POLICY_MINUTES."""
    if value is None or value == "":
        return None
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{what} must be a whole number of minutes.", code="invalid"
        ) from None
    if minutes < 1 or minutes > MAX_POLICY_MINUTES:
        raise ValidationFailed(
            f"{what} must be between 1 and {MAX_POLICY_MINUTES} minutes.", code="out_of_range"
        )
    return minutes


def _check_lead(policy: GradePolicy) -> None:
    """A warning must come before the earlier target, and needs a target to warn about."""
    targets = [t for t in (policy.urban_target_minutes, policy.rural_target_minutes) if t]
    if policy.due_soon_minutes and targets and policy.due_soon_minutes >= min(targets):
        raise ValidationFailed(
            "due_soon_minutes must be shorter than the urban and rural targets.",
            code="due_soon_too_long",
            fields={"due_soon_minutes": ["Must be shorter than both targets."]},
        )
    if policy.due_soon_minutes and not targets:
        raise ValidationFailed(
            "A grade without a target has no due-soon warning.", code="due_soon_without_target"
        )


def grade_policy_update(
    *,
    actor,
    grade: str,
    urban_target_minutes=_UNSET,
    rural_target_minutes=_UNSET,
    due_soon_minutes=_UNSET,
    now: datetime | None = None,
) -> GradePolicy:
    """Change a grade's targets and due-soon lead (only the fields given; None clears one).

    Targets apply to new gradings: incidents already graded keep theirs until they are regraded
    (a regrade recomputes from when the call was received). The due-soon lead applies to every
    open incident at once, because the clock reads it live; receivers of
    `grade_policy_changed` (the response-time scan) catch up inside this transaction.

    Raises NotFound for an unknown grade, ValidationFailed (`invalid`, `out_of_range`,
    `due_soon_too_long`, `due_soon_without_target`) for a value that is not a whole number of
    minutes in range or a lead that is not shorter than both targets. Nothing changes then."""
    now = now or timezone.now()
    _known_grade(grade)
    given = {
        "urban_target_minutes": urban_target_minutes,
        "rural_target_minutes": rural_target_minutes,
        "due_soon_minutes": due_soon_minutes,
    }
    cleaned = {name: _minutes(value, name) for name, value in given.items() if value is not _UNSET}
    with transaction.atomic():
        GradePolicy.objects.get_or_create(grade=grade)
        policy = lock_row(GradePolicy, grade, no_key=False, label="Grade policy")
        before = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name, value in cleaned.items():
            setattr(policy, name, value)
        _check_lead(policy)
        changes = {
            name: (before[name], getattr(policy, name))
            for name in POLICY_FIELDS
            if before[name] != getattr(policy, name)
        }
        if not changes:
            return policy
        policy.save()
        grade_policy_changed.send(
            sender=GradePolicy, policy=policy, actor=actor, changes=changes, now=now
        )
        audit_record(
            actor=actor,
            action="grade_policy.updated",
            obj=policy,
            at=now,
            summary=f"{grade} policy changed: "
            + ", ".join(f"{name} {old} -> {new}" for name, (old, new) in changes.items()),
            data={"grade": grade, "changes": {k: list(v) for k, v in changes.items()}},
        )
        publish_event({"type": "grade_policy.updated", "grade": grade})
    return policy
