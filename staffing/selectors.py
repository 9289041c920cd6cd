"""Read queries for staffing: the running shifts, who is signed on, and the gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from cad.exceptions import NotFound
from staffing.models import Shift, ShiftRequirement, SignOn, StaffingMinimum


@dataclass(frozen=True)
class RoleStaffing:
    """One role on one shift: its minimum, how many are signed on, and since when it has been
    short (None when it is not)."""

    shift_id: int
    role: str
    minimum: int
    signed_on: int
    gap_since: datetime | None

    @property
    def short_by(self) -> int:
        return max(0, self.minimum - self.signed_on)


def role_staffing(shifts, now: datetime) -> list[RoleStaffing]:
    """Minimum and signed-on count per (shift, role) for `shifts`, in two queries."""
    shift_ids = [s.pk for s in shifts]
    starts = {s.pk: s.starts_at for s in shifts}
    on = {
        (row["shift_id"], row["role"]): row["n"]
        for row in SignOn.objects.filter(shift_id__in=shift_ids, signed_off_at__isnull=True)
        .values("shift_id", "role")
        .annotate(n=Count("id"))
    }
    last_off = {
        (row["shift_id"], row["role"]): row["last"]
        for row in SignOn.objects.filter(shift_id__in=shift_ids, signed_off_at__lte=now)
        .values("shift_id", "role")
        .annotate(last=Max("signed_off_at"))
    }
    result = []
    for req in ShiftRequirement.objects.filter(shift_id__in=shift_ids).order_by("shift_id", "role"):
        key = (req.shift_id, req.role)
        count = on.get(key, 0)
        gap_since = None
        if count < req.minimum:
            # The gap began when the shift started or at the latest sign-off in the role,
            # whichever is later: the same gap always has the same threshold.
            gap_since = max(filter(None, [starts[req.shift_id], last_off.get(key)]))
        result.append(RoleStaffing(req.shift_id, req.role, req.minimum, count, gap_since))
    return result


def shift_current(*, now: datetime | None = None) -> Shift | None:
    """The shift running now (the latest to start when shifts overlap at a handover)."""
    now = now or timezone.now()
    return Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).order_by("-starts_at").first()


@dataclass
class ShiftStaffing:
    shift: Shift
    roles: list[RoleStaffing]
    sign_ons: list[SignOn]

    @property
    def gaps(self) -> list[RoleStaffing]:
        return [r for r in self.roles if r.short_by]


def staffing_state(*, now: datetime | None = None) -> list[ShiftStaffing]:
    """The running shifts with, per role, the minimum and who is signed on."""
    now = now or timezone.now()
    shifts = list(Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).order_by("starts_at"))
    roles = role_staffing(shifts, now)
    sign_ons = list(
        SignOn.objects.filter(shift__in=shifts, signed_off_at__isnull=True)
        .select_related("user")
        .order_by("role", "position")
    )
    return [
        ShiftStaffing(
            shift=s,
            roles=[r for r in roles if r.shift_id == s.pk],
            sign_ons=[x for x in sign_ons if x.shift_id == s.pk],
        )
        for s in shifts
    ]


def sign_on_open(*, user) -> SignOn | None:
    return (
        SignOn.objects.filter(user=user, signed_off_at__isnull=True).select_related("shift").first()
    )


def user_by_username(username: str):
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise NotFound(f"No active user '{username}'.") from None


def shift_get(shift_id: int) -> Shift:
    """Raises NotFound."""
    try:
        return Shift.objects.get(pk=shift_id)
    except Shift.DoesNotExist:
        raise NotFound(f"Shift {shift_id} does not exist.") from None


def sign_on_get(sign_on_id: int) -> SignOn:
    """Raises NotFound."""
    try:
        return SignOn.objects.get(pk=sign_on_id)
    except SignOn.DoesNotExist:
        raise NotFound(f"Sign-on {sign_on_id} does not exist.") from None


def shifts_latest(limit: int = 50) -> QuerySet[Shift]:
    """The latest shifts first, with their requirements."""
    return Shift.objects.prefetch_related("requirements")[:limit]


def shifts_upcoming(*, now: datetime, limit: int = 10) -> QuerySet[Shift]:
    """Shifts not yet ended, soonest first."""
    return Shift.objects.filter(ends_at__gt=now).order_by("starts_at")[:limit]


def sign_ons_open() -> QuerySet[SignOn]:
    """Everyone signed on now, with their user."""
    return SignOn.objects.filter(signed_off_at__isnull=True).select_related("user")


def staffing_minimums() -> QuerySet[StaffingMinimum]:
    return StaffingMinimum.objects.all()
