"""Staffing: shifts, the minimum number of staff per role, and who is signed on where.

These tables were created when staffing was part of `dispatch`; they keep their names
(`Meta.db_table`) so a running deployment moved to this app without copying a row.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.roles import Role


class StaffingMinimum(models.Model):
    """The default minimum number of staff per role on a shift (configurable by ADMIN).
    A new shift copies these into its own requirements."""

    role = models.CharField(max_length=20, choices=Role.choices, primary_key=True)
    minimum = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "dispatch_staffingminimum"
        ordering = ["role"]

    def __str__(self):
        return f"{self.role}: {self.minimum}"


class Shift(models.Model):
    """A dated shift of the control room, e.g. 'Day' 07:00-19:00 on one date."""

    name = models.CharField(max_length=80)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "dispatch_shift"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="dispatch_shift_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], name="dispatch_sh_starts__a64e69_idx")
        ]

    def __str__(self):
        return f"{self.name} {self.starts_at:%Y-%m-%d %H:%M}"

    def is_current(self, now) -> bool:
        return self.starts_at <= now < self.ends_at


class ShiftRequirement(models.Model):
    """At least `minimum` staff signed on in `role` for the whole shift."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(max_length=20, choices=Role.choices)
    minimum = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "dispatch_shiftrequirement"
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "role"], name="dispatch_shift_role_once")
        ]

    def __str__(self):
        return f"{self.shift_id} {self.role} >= {self.minimum}"


class SignOn(models.Model):
    """A member of staff signed on to a position (a desk) in a role for a shift. Never deleted:
    signing off fills `signed_off_at`."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="sign_ons")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    position = models.CharField(max_length=40)
    signed_on_at = models.DateTimeField()
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "dispatch_signon"
        ordering = ["signed_on_at", "id"]
        constraints = [
            # One desk per person and one person per desk at a time.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(signed_off_at__isnull=True),
                name="dispatch_signon_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=["shift", "position"],
                condition=Q(signed_off_at__isnull=True),
                name="dispatch_signon_one_open_per_position",
            ),
        ]
        indexes = [
            models.Index(
                fields=["shift", "role", "signed_off_at"], name="dispatch_si_shift_i_dac494_idx"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.role} at {self.position}"
