"""Location risk markers ("special schemes") and the record of every contact with the victim.

Nothing here is ever deleted: a marker ends by expiring or being withdrawn, and stays visible to
call handlers as history. Every change is also written to the audit trail (`core.audit`), which is
the marker's full history.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

from cad.models import Grade
from premises.models import AddressedModel

# A marker lasts at most six months (DESIGN.md rule 6; the watchdog's recommendation).
MAX_MARKER_DAYS = 183
MAX_MARKER_DURATION = timedelta(days=MAX_MARKER_DAYS)


class MarkerStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    EXPIRED = "EXPIRED", "Expired"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"


class RiskLevel(models.TextChoices):
    """The DASH risk level behind the marker."""

    STANDARD = "STANDARD", "Standard"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"


class Marker(AddressedModel):
    """A special scheme on an address (and optionally phone numbers): calls from there are graded
    no lower than `grade_floor` while it is ACTIVE."""

    # A marker only ever ends; an ended marker is history, never reopened (a new one is made).
    ALLOWED_TRANSITIONS = {
        MarkerStatus.ACTIVE: {MarkerStatus.EXPIRED, MarkerStatus.WITHDRAWN},
        MarkerStatus.EXPIRED: set(),
        MarkerStatus.WITHDRAWN: set(),
    }

    address = models.CharField(max_length=300)
    address_normalised = models.CharField(max_length=300, db_index=True)
    postcode = models.CharField(max_length=10, blank=True)
    victim_name = models.CharField(max_length=200)
    victim_name_normalised = models.CharField(max_length=200, blank=True, db_index=True)
    perpetrator_name = models.CharField(max_length=200, blank=True)
    reason = models.TextField()
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH)
    grade_floor = models.CharField(max_length=12, choices=Grade.choices, default=Grade.IMMEDIATE)
    oic = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="markers_in_charge"
    )
    # Told when no START contact is recorded in time. Empty: every SUPERVISOR is told.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="markers_supervised",
    )
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=10, choices=MarkerStatus.choices, default=MarkerStatus.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    last_extended_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("starts_at")),
                name="riskflags_marker_expires_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MarkerStatus.values),
                name="riskflags_marker_status_valid",
            ),
        ]

    def __str__(self):
        return f"Marker #{self.pk} {self.address} ({self.status})"

    @property
    def ended_at(self):
        """When the marker stopped applying (None while ACTIVE)."""
        if self.status == MarkerStatus.WITHDRAWN:
            return self.withdrawn_at
        if self.status == MarkerStatus.EXPIRED:
            return self.expired_at or self.expires_at
        return None

    def status_at(self, now) -> str:
        """The status as of `now`: an ACTIVE marker past its expiry is EXPIRED even if the
        expiry task has not run yet (it runs every minute)."""
        if self.status == MarkerStatus.ACTIVE and self.expires_at <= now:
            return MarkerStatus.EXPIRED
        return self.status

    @property
    def phones(self) -> list[str]:
        """The numbers currently on the marker (removed ones are kept but not listed)."""
        return [p.phone for p in self.phone_numbers.all() if p.removed_at is None]


class MarkerPhone(models.Model):
    """A phone number (E.164, or as given when unparseable) that carries the marker."""

    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="phone_numbers")
    phone = models.CharField(max_length=60, db_index=True)
    phone_raw = models.CharField(max_length=60, blank=True)
    valid = models.BooleanField(default=True)
    # A number taken off a marker is kept, marked removed (nothing is deleted).
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["marker", "phone"], name="riskflags_markerphone_once")
        ]

    def __str__(self):
        return self.phone


class ContactPurpose(models.TextChoices):
    START = "START", "Start: victim told of the scheme"
    REVIEW = "REVIEW", "Review"
    EXTENSION = "EXTENSION", "Extension"
    WITHDRAWAL = "WITHDRAWAL", "Withdrawal"


class ContactMethod(models.TextChoices):
    PHONE = "PHONE", "Phone"
    VISIT = "VISIT", "Visit"
    LETTER = "LETTER", "Letter"
    EMAIL = "EMAIL", "Email"
    SMS = "SMS", "SMS"


class ContactOutcome(models.TextChoices):
    CONTACTED = "CONTACTED", "Contacted"
    NO_ANSWER = "NO_ANSWER", "No answer"
    MESSAGE_LEFT = "MESSAGE_LEFT", "Message left"
    REFUSED = "REFUSED", "Refused"
    UNSAFE_TO_CONTACT = "UNSAFE_TO_CONTACT", "Unsafe to contact"


class VictimContact(models.Model):
    """One attempt to contact the victim about her marker, and its outcome. Append-only."""

    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="contacts")
    purpose = models.CharField(max_length=12, choices=ContactPurpose.choices)
    method = models.CharField(max_length=8, choices=ContactMethod.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    notes = models.TextField(blank=True)
    contacted_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-contacted_at", "-id"]
        indexes = [models.Index(fields=["marker", "purpose", "contacted_at"])]

    def __str__(self):
        return f"{self.purpose} {self.method} {self.outcome} on marker {self.marker_id}"


class ReminderKind(models.TextChoices):
    START_CONTACT_OVERDUE = "START_CONTACT_OVERDUE", "No START contact within 72 hours"
    REVIEW_14_DAYS = "REVIEW_14_DAYS", "Review due: 14 days to expiry"
    REVIEW_3_DAYS = "REVIEW_3_DAYS", "Review due: 3 days to expiry"


# Marker timing rules (one definition, used by services, selectors and views).
# The OIC must tell the victim about the scheme (START contact) within this time of creation.
START_CONTACT_WITHIN = timedelta(hours=72)
# A marker is "due for review" this long before it expires.
REVIEW_WINDOW = timedelta(days=14)
# Review reminders sent to the OIC: (kind, days before expiry), nearest first.
REVIEW_REMINDERS = (
    (ReminderKind.REVIEW_3_DAYS, timedelta(days=3)),
    (ReminderKind.REVIEW_14_DAYS, REVIEW_WINDOW),
)


class MarkerReminder(models.Model):
    """One lifecycle reminder sent about a marker. The unique constraint makes each reminder
    exactly-once, however often (or concurrently) the lifecycle task runs. `due_for` is the
    expiry (or start) the reminder is about, so an extended marker is reminded again."""

    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=24, choices=ReminderKind.choices)
    due_for = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["marker", "kind", "due_for"], name="riskflags_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.kind} for marker {self.marker_id}"


class MarkerMatchDismissal(models.Model):
    """A handler's decision that a marker found by a probable address match is not at the
    incident's premises (with the reason): from then on that marker's floor no longer applies to
    that incident. Exact matches and number matches cannot be dismissed."""

    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="dismissals")
    incident = models.ForeignKey("cad.Incident", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    match_reason = models.CharField(max_length=300, blank=True)  # why it was probable
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["marker", "incident"], name="riskflags_dismissal_once_per_incident"
            )
        ]

    def __str__(self):
        return f"Marker #{self.marker_id} dismissed for incident {self.incident_id}"
