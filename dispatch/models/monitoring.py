"""Response-time monitoring (the scan's cursor) and staffing (shifts, minimums, sign-on)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.roles import Role

__all__ = ["MonitorCursor", "StaffingMinimum", "Shift", "ShiftRequirement", "SignOn"]


class MonitorCursor(models.Model):
    """How far a periodic scan has looked: the `now` of the latest committed scan.

    The response-time scan only examines thresholds that fell after this point (less a small
    lookback), so its cost does not grow with the number of incidents already alerted. A
    restarted worker resumes from here: everything that fell while it was down is caught up.
    """

    name = models.CharField(max_length=40, primary_key=True)
    scanned_through_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} through {self.scanned_through_at:%Y-%m-%d %H:%M:%S}"


class StaffingMinimum(models.Model):
    """The default minimum number of staff per role on a shift (configurable by ADMIN).
    A new shift copies these into its own requirements."""

    role = models.CharField(max_length=20, choices=Role.choices, primary_key=True)
    minimum = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="dispatch_shift_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"])]

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
        indexes = [models.Index(fields=["shift", "role", "signed_off_at"])]

    def __str__(self):
        return f"{self.user_id} {self.role} at {self.position}"
