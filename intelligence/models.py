"""People, intelligence records and what links them (names, numbers, addresses); the checks the
system runs on every call; and the support operators' queue of deeper checks."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.audit import actor_name
from premises.models import AddressedModel


class RecordKind(models.TextChoices):
    DA_CRIME = "DA_CRIME", "Domestic abuse crime"
    MARAC = "MARAC", "MARAC"
    DVDS = "DVDS", "DVDS (Clare's Law) disclosure"
    SAFEGUARDING = "SAFEGUARDING", "Safeguarding"
    COURT_ORDER = "COURT_ORDER", "Court order"
    BAIL_CONDITIONS = "BAIL_CONDITIONS", "Bail conditions"
    INTELLIGENCE = "INTELLIGENCE", "Intelligence"
    WARNING = "WARNING", "Warning marker"


class RiskLevel(models.TextChoices):
    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"
    STANDARD = "STANDARD", "Standard"


class Person(models.Model):
    """Someone named in intelligence. Names and aliases live in `PersonName` so each is indexed."""

    display_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self):
        return self.display_name


class PersonName(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "PRIMARY", "Name"
        ALIAS = "ALIAS", "Alias"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    name_normalised = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PRIMARY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name_normalised"], name="intel_personname_once_per_person"
            )
        ]

    def __str__(self):
        return self.name


class IntelRecord(models.Model):
    """One piece of intelligence. Records are never deleted: an expired order stays as history."""

    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    summary = models.TextField()
    occurred_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, blank=True)
    # Court orders and bail: what the restricted person must not do.
    conditions = models.TextField(blank=True)
    protected_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restricted_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The reference in the system the record came from: re-importing it changes nothing.
    source_reference = models.CharField(max_length=80, null=True, blank=True, unique=True)
    people = models.ManyToManyField(Person, through="IntelRecordPerson", related_name="records")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["kind", "occurred_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    def is_live(self, now) -> bool:
        """An order or bail condition is live until it expires (one with no expiry stays live)."""
        return self.expires_at is None or self.expires_at > now


class IntelRecordPerson(models.Model):
    class Role(models.TextChoices):
        SUBJECT = "SUBJECT", "Subject"
        VICTIM = "VICTIM", "Victim"
        SUSPECT = "SUSPECT", "Suspect"
        PROTECTED = "PROTECTED", "Protected person"
        RESTRICTED = "RESTRICTED", "Restricted person"

    record = models.ForeignKey(IntelRecord, on_delete=models.CASCADE, related_name="person_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="record_links")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.SUBJECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "person"], name="intel_recordperson_once")
        ]

    def __str__(self):
        return f"{self.person_id} ({self.role}) on record {self.record_id}"


class IntelRecordPhone(models.Model):
    record = models.ForeignKey(IntelRecord, on_delete=models.CASCADE, related_name="phones")
    phone = models.CharField(max_length=40, db_index=True)  # E.164

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "phone"], name="intel_recordphone_once")
        ]

    def __str__(self):
        return self.phone


class IntelRecordAddress(AddressedModel):
    record = models.ForeignKey(IntelRecord, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=300)
    address_normalised = models.CharField(max_length=300, db_index=True)
    # House and flat numbers ("12", "3 12a"): a fuzzy match must agree on these exactly.
    address_numbers = models.CharField(max_length=60, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "address_normalised"], name="intel_recordaddress_once"
            )
        ]

    def __str__(self):
        return self.address


class CheckTrigger(models.TextChoices):
    INCIDENT_CREATED = "INCIDENT_CREATED", "Incident created"
    DETAILS_CHANGED = "DETAILS_CHANGED", "Caller, address or names changed"
    MANUAL = "MANUAL", "Run by a person"


class IntelCheck(models.Model):
    """An intelligence check exactly as the system ran it. There is no way to record a check by
    hand: rows are only written by `intelligence.services`, and on PostgreSQL a trigger refuses
    UPDATE and DELETE, so a check can be neither faked nor rewritten."""

    incident = models.ForeignKey(
        "cad.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="intel_checks"
    )
    ran_at = models.DateTimeField(db_index=True)
    # None: the system ran it automatically. Otherwise the person who asked for it.
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(max_length=16, choices=CheckTrigger.choices)
    phone = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=300, blank=True)
    address_normalised = models.CharField(max_length=300, blank=True)
    names = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict)
    record_count = models.PositiveIntegerField(default=0)
    contact_count = models.PositiveIntegerField(default=0)
    incident_count = models.PositiveIntegerField(default=0)
    marker_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at", "-id"]
        indexes = [models.Index(fields=["incident", "-ran_at"], name="intel_check_incident_idx")]

    def __str__(self):
        return f"check {self.pk} at {self.ran_at:%Y-%m-%d %H:%M:%S}"

    @property
    def ran_by_label(self) -> str:
        return actor_name(self.ran_by)


class CheckRequest(models.Model):
    """A request for a deeper check (national systems not connected here) for a support operator.
    Its priority follows the incident's current grade."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        DONE = "DONE", "Done"
        CANCELLED = "CANCELLED", "Cancelled"

    class Outcome(models.TextChoices):
        NOTHING_FOUND = "NOTHING_FOUND", "Nothing found"
        INFORMATION_FOUND = "INFORMATION_FOUND", "Information found"
        UNABLE = "UNABLE", "Unable to check"

    ALLOWED_TRANSITIONS = {
        # A request is claimed before it is completed: someone owns every outcome.
        Status.OPEN: {Status.IN_PROGRESS, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.OPEN, Status.DONE, Status.CANCELLED},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    }

    incident = models.ForeignKey(
        "cad.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intel_requests",
    )
    subject = models.CharField(max_length=300)  # who or what to check, in words
    systems = models.CharField(max_length=200, blank=True)  # e.g. "PNC, PND"
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(
                fields=["requested_at"],
                name="intel_request_open_idx",
                condition=Q(status__in=["OPEN", "IN_PROGRESS"]),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="DONE") | ~Q(outcome=""),
                name="intel_request_done_has_outcome",
            )
        ]

    def __str__(self):
        return f"check request {self.pk} ({self.status})"

    def can_transition(self, to: str) -> bool:
        return to in self.ALLOWED_TRANSITIONS[self.Status(self.status)]
