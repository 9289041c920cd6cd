"""Every write for staffing: shifts with minimum numbers per role, staff signing on and off a
position, and the STAFFING_GAP alert that a shortfall raises for supervisors (DESIGN.md rule 10).

A gap is checked at once when someone signs on or off or a minimum changes, and every few
seconds by `staffing_check` (beat), which also catches a shift starting with too few people and
settles gaps when a shift ends. The alert's subject is `shift:<id>:<ROLE>` and its threshold the
moment the gap began, so the same gap is recorded once however often it is checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, ValidationFailed
from core.audit import audit_record
from core.live import publish_event
from core.locks import lock_row
from core.roles import STAFFING_MANAGERS, Role, has_role, user_roles
from monitoring.models import Alert, AlertKind, AlertStatus
from monitoring.services import alert_raise_again, alerts_settle
from staffing.models import Shift, ShiftRequirement, SignOn, StaffingMinimum
from staffing.selectors import role_staffing, shift_current

MAX_SHIFT = timedelta(hours=24)
MAX_MINIMUM = 50


def gap_subject(shift_id: int, role: str) -> str:
    return f"shift:{shift_id}:{role}"


def _role(value: str) -> str:
    if value not in Role.values:
        raise ValidationFailed(
            f"Unknown role '{value}'. Use one of: {', '.join(Role.values)}.", code="unknown_role"
        )
    return value


def _minimum(value) -> int:
    try:
        minimum = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("minimum must be a whole number.", code="invalid") from None
    if minimum < 0 or minimum > MAX_MINIMUM:
        raise ValidationFailed(f"minimum must be between 0 and {MAX_MINIMUM}.", code="out_of_range")
    return minimum


def _publish_staffing(shift_id: int | None) -> None:
    publish_event({"type": "staffing.updated", "shift": shift_id})


# --- Configuration -------------------------------------------------------------------------------


def staffing_minimum_set(
    *, actor, role: str, minimum, now: datetime | None = None
) -> StaffingMinimum:
    """Set the default minimum for a role; new shifts copy it. Existing shifts keep theirs."""
    return staffing_minimums_set(actor=actor, minimums={role: minimum}, now=now)[0]


def staffing_minimums_set(
    *, actor, minimums: dict, now: datetime | None = None
) -> list[StaffingMinimum]:
    """Set the default minimums of several roles at once ({role: minimum}): every value is
    checked first and all are saved in one transaction, so a bad value changes nothing."""
    now = now or timezone.now()
    cleaned = {}
    for role, minimum in minimums.items():
        cleaned[_role(role)] = _minimum(minimum)
    rows = []
    with transaction.atomic():
        for role, minimum in sorted(cleaned.items()):
            row, _ = StaffingMinimum.objects.select_for_update().get_or_create(role=role)
            old = row.minimum
            row.minimum = minimum
            row.save()
            audit_record(
                actor=actor,
                action="staffing.minimum_set",
                obj=row,
                at=now,
                summary=f"Default minimum {role}: {old} -> {minimum}",
                data={"role": role, "from": old, "to": minimum},
            )
            rows.append(row)
        if rows:
            _publish_staffing(None)
    return rows


def shift_create(
    *,
    actor,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    requirements: dict[str, int] | None = None,
    now: datetime | None = None,
) -> Shift:
    """Create a shift. `requirements` ({role: minimum}) defaults to the configured minimums.

    Raises ValidationFailed for an empty name, an end not after the start, a shift longer than
    24 hours, or an unknown role."""
    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed("A shift needs a name of at most 80 characters.", code="invalid")
    if ends_at <= starts_at:
        raise ValidationFailed("A shift must end after it starts.", code="ends_before_start")
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationFailed("A shift lasts at most 24 hours.", code="shift_too_long")
    if requirements is None:
        requirements = dict(
            StaffingMinimum.objects.filter(minimum__gt=0).values_list("role", "minimum")
        )
    cleaned = {_role(role): _minimum(minimum) for role, minimum in requirements.items()}
    with transaction.atomic():
        shift = Shift.objects.create(
            name=name, starts_at=starts_at, ends_at=ends_at, created_at=now, created_by=actor
        )
        ShiftRequirement.objects.bulk_create(
            ShiftRequirement(shift=shift, role=role, minimum=minimum)
            for role, minimum in sorted(cleaned.items())
            if minimum > 0
        )
        audit_record(
            actor=actor,
            action="shift.created",
            obj=shift,
            at=now,
            summary=f"Shift {name} {starts_at:%Y-%m-%d %H:%M} - {ends_at:%H:%M} created",
            data={"requirements": cleaned},
        )
        _check_shift(shift, now)
        _publish_staffing(shift.pk)
    return shift


def shift_requirement_set(
    *, actor, shift: Shift, role: str, minimum, now: datetime | None = None
) -> ShiftRequirement | None:
    """Set a shift's minimum for one role (0 removes it); the gap is checked at once."""
    now = now or timezone.now()
    role, minimum = _role(role), _minimum(minimum)
    with transaction.atomic():
        shift = _lock_shift(shift.pk)
        if shift.ends_at <= now:
            raise Conflict("This shift has ended.", code="shift_ended")
        old = (
            ShiftRequirement.objects.filter(shift=shift, role=role)
            .values_list("minimum", flat=True)
            .first()
        )
        requirement = None
        if minimum == 0:
            ShiftRequirement.objects.filter(shift=shift, role=role).delete()
        else:
            requirement, _ = ShiftRequirement.objects.update_or_create(
                shift=shift, role=role, defaults={"minimum": minimum}
            )
        audit_record(
            actor=actor,
            action="shift.requirement_set",
            obj=shift,
            at=now,
            summary=f"{shift.name}: minimum {role} {old or 0} -> {minimum}",
            data={"role": role, "from": old or 0, "to": minimum},
        )
        _check_shift(shift, now)
        _publish_staffing(shift.pk)
    return requirement


def _lock_shift(shift_id: int) -> Shift:
    return lock_row(Shift, shift_id, no_key=False)


# --- Signing on and off --------------------------------------------------------------------------


def staff_sign_on(
    *,
    actor,
    role: str,
    position: str,
    user=None,
    shift: Shift | None = None,
    now: datetime | None = None,
) -> SignOn:
    """Sign `user` (default: the actor) on to `position` in `role` for `shift` (default: the
    current one). Signing someone else on needs a supervisor or administrator.

    Raises Forbidden when the user does not hold the role, Conflict when they are already
    signed on or the position is taken, ValidationFailed when there is no running shift."""
    now = now or timezone.now()
    role = _role(role)
    position = (position or "").strip()
    if not position or len(position) > 40:
        raise ValidationFailed(
            "Give the position (desk) you sign on to, at most 40 characters.", code="invalid"
        )
    user = user or actor
    if user.pk != actor.pk and not has_role(actor, *STAFFING_MANAGERS):
        raise Forbidden("Only a supervisor can sign someone else on.")
    if role not in user_roles(user) and not user.is_superuser:
        raise Forbidden(f"{user.get_username()} does not hold the role {role}.", code="role")
    with transaction.atomic():
        shift = shift or shift_current(now=now)
        # Locked first (see staff_sign_off): the gap check below sees every other sign-on/off.
        shift = _lock_shift(shift.pk) if shift else None
        if shift is None or not shift.is_current(now):
            raise ValidationFailed("There is no shift running to sign on to.", code="no_shift")
        if SignOn.objects.filter(user=user, signed_off_at__isnull=True).exists():
            raise Conflict(
                f"{user.get_username()} is already signed on; sign off first.",
                code="already_signed_on",
            )
        try:
            with transaction.atomic():
                sign_on = SignOn.objects.create(
                    shift=shift, user=user, role=role, position=position, signed_on_at=now
                )
        except IntegrityError:
            raise Conflict(
                f"Position {position} is taken on this shift.", code="position_taken"
            ) from None
        audit_record(
            actor=actor,
            action="staff.signed_on",
            obj=sign_on,
            at=now,
            summary=f"{user.get_username()} signed on as {role} at {position}",
            data={"shift": shift.pk, "user": user.pk, "role": role, "position": position},
        )
        _check_shift(shift, now)
        _publish_staffing(shift.pk)
    return sign_on


def staff_sign_off(*, actor, sign_on: SignOn, now: datetime | None = None) -> SignOn:
    """Sign off. Only the person signed on, a supervisor or an administrator may. A gap this
    leaves raises STAFFING_GAP at once."""
    now = now or timezone.now()
    with transaction.atomic():
        shift_id = SignOn.objects.filter(pk=sign_on.pk).values_list("shift_id", flat=True).first()
        # The shift first: sign-ons and sign-offs on one shift take turns, so two people signing
        # off at once cannot each see only their own sign-off and raise two gaps.
        shift = _lock_shift(shift_id) if shift_id is not None else None
        sign_on = lock_row(SignOn, sign_on.pk, no_key=False, label="Sign-on")
        sign_on.shift = shift
        if sign_on.user_id != actor.pk and not has_role(actor, *STAFFING_MANAGERS):
            raise Forbidden("Only the person signed on or a supervisor can sign them off.")
        if sign_on.signed_off_at is not None:
            raise Conflict("Already signed off.", code="already_signed_off")
        sign_on.signed_off_at = max(now, sign_on.signed_on_at)
        sign_on.save(update_fields=["signed_off_at"])
        audit_record(
            actor=actor,
            action="staff.signed_off",
            obj=sign_on,
            at=now,
            summary=f"{sign_on.user.get_username()} signed off {sign_on.role} at {sign_on.position}",
            data={"shift": sign_on.shift_id, "user": sign_on.user_id, "role": sign_on.role},
        )
        _check_shift(sign_on.shift, now)
        _publish_staffing(sign_on.shift_id)
    return sign_on


# --- The gap check -------------------------------------------------------------------------------


def _check_shift(shift: Shift, now: datetime) -> list[Alert]:
    """Raise or settle the gaps of one shift (inside the caller's transaction)."""
    raised = []
    open_subjects = set(
        Alert.objects.filter(
            kind=AlertKind.STAFFING_GAP,
            subject__startswith=f"shift:{shift.pk}:",
            status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        ).values_list("subject", flat=True)
    )
    if not shift.is_current(now):
        for subject in sorted(open_subjects):
            alerts_settle(
                subject=subject, kinds=[AlertKind.STAFFING_GAP], reason="shift ended", now=now
            )
        return raised
    staffing = role_staffing([shift], now)
    gaps = {gap_subject(s.shift_id, s.role): s for s in staffing if s.short_by}
    for subject in sorted(open_subjects - gaps.keys()):
        alerts_settle(subject=subject, kinds=[AlertKind.STAFFING_GAP], reason="filled", now=now)
    for subject, gap in sorted(gaps.items()):
        message, data = _gap_text(shift, gap)
        if subject in open_subjects:
            # Still short, but perhaps by fewer or more: the open alert says how things stand
            # now (it was written when the gap opened, and the board's count moves on).
            Alert.objects.filter(
                kind=AlertKind.STAFFING_GAP,
                subject=subject,
                status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
            ).exclude(message=message).update(message=message, data=data)
            continue
        alert = alert_raise_again(
            kind=AlertKind.STAFFING_GAP,
            subject=subject,
            threshold_at=gap.gap_since,
            message=message,
            data=data,
            now=now,
        )
        if alert is not None:
            raised.append(alert)
    return raised


def _gap_text(shift: Shift, gap) -> tuple[str, dict]:
    """A STAFFING_GAP alert's message and data from `role_staffing` (the board's numbers)."""
    message = (
        f"{shift.name}: {gap.signed_on} of {gap.minimum} {Role(gap.role).label} "
        f"signed on (short by {gap.short_by})"
    )
    data = {
        "shift": shift.pk,
        "shift_name": shift.name,
        "role": gap.role,
        "minimum": gap.minimum,
        "signed_on": gap.signed_on,
    }
    return message, data


def staffing_check(*, now: datetime | None = None) -> list[Alert]:
    """Raise STAFFING_GAP for every running shift short of a minimum and settle gaps that are
    filled or whose shift ended. Idempotent; returns the alerts recorded."""
    now = now or timezone.now()
    raised: list[Alert] = []
    with transaction.atomic():
        ended_with_gaps = set(
            Alert.objects.filter(
                kind=AlertKind.STAFFING_GAP,
                status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
            ).values_list("subject", flat=True)
        )
        shift_ids = {int(s.split(":")[1]) for s in ended_with_gaps if s.count(":") == 2}
        shifts = Shift.objects.filter(
            Q(starts_at__lte=now, ends_at__gt=now) | Q(pk__in=shift_ids)
        ).order_by("pk")
        for shift in shifts:
            raised.extend(_check_shift(shift, now))
    return raised
