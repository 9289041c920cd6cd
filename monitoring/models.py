"""Alerts raised by the server (response times, diverts, staffing) and the response-time scan's
cursor.

These tables were created when monitoring was part of `dispatch`; they keep their names
(`Meta.db_table`) so a running deployment moved to this app without copying a row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.roles import Role


class AlertKind(models.TextChoices):
    DUE_SOON = "DUE_SOON", "Due soon"
    BREACHED = "BREACHED", "Breached"
    ESCALATED = "ESCALATED", "Escalated"
    DIVERT_UNRESOURCED = "DIVERT_UNRESOURCED", "Divert unresourced"
    STAFFING_GAP = "STAFFING_GAP", "Staffing gap"


class AlertStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged"
    SETTLED = "SETTLED", "Settled"  # the condition ended (arrival, closure, regrade, unit found)


# Who must see each kind of alert (banner and sound). Everyone on the floor may read the board.
ALERT_AUDIENCE: dict[str, tuple[str, ...]] = {
    AlertKind.DUE_SOON: (Role.DISPATCHER, Role.CONTROLLER, Role.SUPERVISOR),
    AlertKind.BREACHED: (Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR, Role.SUPERVISOR),
    AlertKind.ESCALATED: (Role.INSPECTOR, Role.SUPERVISOR),
    AlertKind.DIVERT_UNRESOURCED: (
        Role.DISPATCHER,
        Role.CONTROLLER,
        Role.INSPECTOR,
        Role.SUPERVISOR,
    ),
    AlertKind.STAFFING_GAP: (Role.SUPERVISOR,),
}
# The alerts about an incident's response time (the scan raises them; arrival, closure or a
# regrade settles them).
RESPONSE_TIME_KINDS = (AlertKind.DUE_SOON, AlertKind.BREACHED, AlertKind.ESCALATED)


class Alert(models.Model):
    """An alert raised by the server. Recorded exactly once per (kind, subject, threshold):
    a second beat, a retried task or an overlapping scan creates nothing new."""

    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    # What the alert is about, as a stable key: "incident:42", "shift:7:SUPPORT_OPERATOR"...
    subject = models.CharField(max_length=80)
    incident = models.ForeignKey(
        "cad.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    threshold_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    message = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "dispatch_alert"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "threshold_at"], name="dispatch_alert_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["raised_at"], name="dispatch_alert_open_idx", condition=Q(status="OPEN")
            ),
            models.Index(fields=["incident", "status"], name="dispatch_al_inciden_d40308_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} at {self.threshold_at:%H:%M:%S}"

    @property
    def audience(self) -> tuple[str, ...]:
        """The roles that must see this alert."""
        return ALERT_AUDIENCE.get(self.kind, (Role.SUPERVISOR,))

    @property
    def high_risk(self) -> bool:
        """A domestic-abuse or marker incident (recorded when the alert was raised)."""
        data = self.data or {}
        return bool(data.get("domestic_abuse") or data.get("marker"))


class MonitorCursor(models.Model):
    """How far a periodic scan has looked: the `now` of the latest committed scan.

    The response-time scan only examines thresholds that fell after this point (less a small
    lookback), so its cost does not grow with the number of incidents already alerted. A
    restarted worker resumes from here: everything that fell while it was down is caught up.
    """

    name = models.CharField(max_length=40, primary_key=True)
    scanned_through_at = models.DateTimeField()

    class Meta:
        db_table = "dispatch_monitorcursor"

    def __str__(self):
        return f"{self.name} through {self.scanned_through_at:%Y-%m-%d %H:%M:%S}"
