"""Factories for staffing tests."""

from datetime import timedelta

from staffing.models import Shift, ShiftRequirement


def make_shift(*, starts_at, hours=12, name="Day", requirements=None):
    shift = Shift.objects.create(
        name=name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        created_at=starts_at,
    )
    for role, minimum in (requirements or {}).items():
        ShiftRequirement.objects.create(shift=shift, role=role, minimum=minimum)
    return shift
