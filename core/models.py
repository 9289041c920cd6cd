import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditEvent(models.Model):
    """One append-only row per action: the timeline of every incident and marker.

    Written only through `core.audit.audit_record`. On PostgreSQL a trigger refuses UPDATE and
    DELETE, so not even a bug or a DBA's slip can rewrite history.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    summary = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"


def _new_ticket():
    return secrets.token_urlsafe(32)


class LiveTicket(models.Model):
    """A single-use, short-lived credential for opening the live websocket from an integration."""

    key = models.CharField(max_length=64, unique=True, default=_new_ticket)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"ticket for {self.user_id}"


class Notification(models.Model):
    """A message to one member of staff (e.g. "your marker is due for review"), shown on their
    notifications page and pushed live to them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=60)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    # Stable key so a repeated task does not notify twice ("marker:7:review:14d").
    dedupe_key = models.CharField(max_length=120, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="core_notification_once",
            )
        ]

    def __str__(self):
        return f"to {self.user_id}: {self.text[:40]}"
