"""Incidents, contacts, the incident log, grading reference data, downgrade requests and
THRIVE."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual

from cad.names import NamedPerson, parse_named_person
from premises.models import AddressedModel


class Channel(models.TextChoices):
    EMERGENCY = "999", "999"
    NON_EMERGENCY = "101", "101"
    SWITCHBOARD = "SWITCHBOARD", "Switchboard"
    ONLINE = "ONLINE", "Online"
    FRONT_COUNTER = "FRONT_COUNTER", "Front counter"


class Grade(models.TextChoices):
    """Most to least urgent. `rank` 0 is the most urgent."""

    IMMEDIATE = "IMMEDIATE", "Immediate"
    PRIORITY = "PRIORITY", "Priority"
    SCHEDULED = "SCHEDULED", "Scheduled"
    RESOLUTION = "RESOLUTION", "Resolution without deployment"

    @classmethod
    def rank(cls, grade: str) -> int:
        return cls.values.index(grade)

    @classmethod
    def more_urgent(cls, a: str, b: str) -> str:
        """The more urgent of two grades (either may be empty)."""
        if not a:
            return b
        if not b:
            return a
        return a if cls.rank(a) <= cls.rank(b) else b

    @classmethod
    def is_below(cls, grade: str, floor: str) -> bool:
        """True when `grade` is less urgent than `floor`."""
        return bool(floor) and cls.rank(grade) > cls.rank(floor)


def grade_rank_expression() -> models.Case:
    """`Grade.rank` in SQL: 0 for the most urgent grade; an unknown grade ranks last."""
    return models.Case(
        *[models.When(grade=g, then=models.Value(i)) for i, g in enumerate(Grade.values)],
        default=models.Value(len(Grade.values)),
        output_field=models.PositiveSmallIntegerField(),
    )


# The tag dispatch puts on an incident a unit was diverted away from. The incident also keeps it
# as a flag (`Incident.divert_tagged`), because the outstanding list sorts by it.
DIVERT_TAG = "DIVERT"


class Area(models.TextChoices):
    URBAN = "URBAN", "Urban"
    RURAL = "RURAL", "Rural"


class GradePolicy(models.Model):
    """Target response times per grade. A grade with no target has no countdown."""

    grade = models.CharField(max_length=12, choices=Grade.choices, primary_key=True)
    urban_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    rural_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    due_soon_minutes = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "grade policies"

    def __str__(self):
        return f"{self.grade}: {self.urban_target_minutes}/{self.rural_target_minutes} min"

    def target_minutes(self, area: str) -> int | None:
        return self.rural_target_minutes if area == Area.RURAL else self.urban_target_minutes


class ReferenceDataVersion(models.Model):
    """One row: a number that changes whenever any reference data (grade policies, opening and
    closing codes) changes, so every process's cache of them (`cad.refdata`) knows when to read
    them again. Database triggers set it (migration 0010), on every insert, update, delete and
    truncate of those tables, however the change is made (service, admin, bulk update, SQL), in
    the changing transaction: a rolled-back change leaves it as it was. On PostgreSQL the new
    number comes from a sequence, so no number is ever used twice."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"reference data v{self.version}"


class OpeningCode(models.Model):
    """Configurable reference data: what the incident is (domestic incident, burglary...)."""

    code = models.CharField(max_length=40, primary_key=True)
    label = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["order", "label"]

    def __str__(self):
        return self.label


class ClosingCode(models.Model):
    code = models.CharField(max_length=40, primary_key=True)
    label = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self):
        return self.label


class ReferenceSequence(models.Model):
    """The last incident number issued on a day (Europe/London), for CAD-YYYYMMDD-NNNN."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.last}"


class Contact(AddressedModel):
    """Every contact with the public, on every channel, whether or not it raised an incident."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    caller_name = models.CharField(max_length=200, blank=True)
    # E.164 when it parsed; otherwise the number exactly as given, with phone_valid False.
    caller_phone = models.CharField(max_length=60, blank=True)
    caller_phone_raw = models.CharField(max_length=60, blank=True)
    phone_valid = models.BooleanField(default=True)
    address = models.CharField(max_length=300, blank=True)
    address_normalised = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        # Contacts are looked up by number or address within a time window (previous contacts,
        # repeat-contact patterns, the demand report): one index each serves both.
        indexes = [
            models.Index(fields=["caller_phone", "received_at"], name="cad_contact_phone_at_idx"),
            models.Index(
                fields=["address_normalised", "received_at"], name="cad_contact_address_at_idx"
            ),
        ]

    def __str__(self):
        return f"{self.channel} contact {self.pk} at {self.received_at:%Y-%m-%d %H:%M}"


class ContactDemandHour(models.Model):
    """Contacts per Europe/London day, hour of that day and channel: the contact-demand report
    reads a year from here instead of every contact. Maintained with the contacts themselves
    (`cad.services.rollups`, in the transaction that records each contact), so it is always
    exact; `manage.py backfill_contact_rollups` rebuilds it from the contacts."""

    day = models.DateField()  # Europe/London
    hour = models.PositiveSmallIntegerField()  # 0-23, Europe/London (01 twice on the autumn change)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    contacts = models.PositiveIntegerField(default=0)
    # Of them, recorded about an incident (a contact's incident is set when it is recorded, and
    # a merge only moves it to another incident).
    with_incident = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hour", "channel"], name="cad_contactdemandhour_once"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.hour:02d}:00 {self.channel}: {self.contacts}"


# A key's day on which some contact may end a window of 3+ contacts within 30 days.
MAY_REPEAT = GreaterThanOrEqual(F("prior_31_days") + F("contacts"), 3)


class ContactKeyDay(models.Model):
    """Contacts per key (a number, or a normalised address) per Europe/London day, with how many
    the same key had in the 31 days before: the repeat-contact report finds the keys that may
    have had 3 contacts within 30 days from the rows where `prior_31_days + contacts >= 3`
    (a partial index), and reads only those keys' contacts. Maintained with the contacts
    themselves (`cad.services.rollups`)."""

    class Kind(models.TextChoices):
        NUMBER = "NUMBER", "Number"
        ADDRESS = "ADDRESS", "Address"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=300)
    day = models.DateField()  # Europe/London
    contacts = models.PositiveIntegerField(default=0)
    # Contacts of the same key on the 31 days before `day` (31, not 30: thirty times 24 hours
    # before a contact can fall on the 31st London day before it across a clock change).
    prior_31_days = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "day"], name="cad_contactkeyday_once")
        ]
        indexes = [
            models.Index(
                fields=["day"],
                name="cad_contactkeyday_repeat_idx",
                condition=Q(MAY_REPEAT),
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.key} {self.day}: {self.contacts}"


class IncidentStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RESOURCED = "RESOURCED", "Resourced"
    AT_SCENE = "AT_SCENE", "At scene"
    CLOSED = "CLOSED", "Closed"


class Incident(AddressedModel):
    # OPEN -> RESOURCED (a unit is sent) -> AT_SCENE (the first unit arrives: the response clock
    # stops) -> CLOSED. RESOURCED -> OPEN when the last unit leaves before arriving, so the
    # incident is outstanding again. A unit may arrive unassigned (OPEN -> AT_SCENE), and a call
    # resolved by phone closes from OPEN. Closing only happens through `incident_close`.
    ALLOWED_TRANSITIONS = {
        IncidentStatus.OPEN: {
            IncidentStatus.RESOURCED,
            IncidentStatus.AT_SCENE,
            IncidentStatus.CLOSED,
        },
        IncidentStatus.RESOURCED: {
            IncidentStatus.OPEN,
            IncidentStatus.AT_SCENE,
            IncidentStatus.CLOSED,
        },
        IncidentStatus.AT_SCENE: {IncidentStatus.CLOSED},
        IncidentStatus.CLOSED: set(),
    }

    reference = models.CharField(max_length=32, unique=True)
    status = models.CharField(
        max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    caller_name = models.CharField(max_length=200, blank=True)
    caller_phone = models.CharField(max_length=60, blank=True, db_index=True)
    phone_valid = models.BooleanField(default=True)
    address = models.CharField(max_length=300, blank=True)
    address_normalised = models.CharField(max_length=300, blank=True, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area = models.CharField(max_length=8, choices=Area.choices, default=Area.URBAN)
    narrative = models.TextField(blank=True)
    silent = models.BooleanField(default=False)
    # People named in the call (suspect, victim, third parties) as typed, e.g. "Brian Example
    # (ex-husband)": the intelligence check runs on each one's name (`people`) as well as on
    # the caller's.
    named_people = models.JSONField(default=list, blank=True)
    # What the handler must notice about the record itself, e.g. "empty narrative" or
    # "caller number could not be parsed". [{"code": str, "text": str}]
    flags = models.JSONField(default=list, blank=True)
    opening_code = models.ForeignKey(
        OpeningCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The DA qualifier. Set whenever the call fits the definition; the handler may add it, and
    # may only remove it with a written reason (kept here and in the audit trail).
    domestic_abuse = models.BooleanField(default=False)
    domestic_abuse_removed_reason = models.TextField(blank=True)
    # The handler's answers to the DA questions, {code: "yes" | "no" | "unknown"} with codes
    # from `cad.grading.questions.QUESTIONS`; changed only through `incident_da_answers_record`.
    da_answers = models.JSONField(default=dict, blank=True)
    grade = models.CharField(max_length=12, choices=Grade.choices)
    recommended_grade = models.CharField(max_length=12, choices=Grade.choices)
    minimum_grade = models.CharField(max_length=12, choices=Grade.choices)
    assessment = models.JSONField(default=dict, blank=True)
    # The outstanding list's sort keys, stored so that list can be sorted, paged by a keyset
    # cursor and indexed: the grade's rank (0 = most urgent), kept by the database itself from
    # `grade`, and whether a unit was diverted away (set with the DIVERT tag, never unset).
    grade_rank = models.GeneratedField(
        expression=grade_rank_expression(),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    divert_tagged = models.BooleanField(default=False)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    target_response_at = models.DateTimeField(null=True, blank=True)
    first_arrived_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_code = models.ForeignKey(
        ClosingCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    # Set when this incident was merged into another (the survivor carries on the event): it is
    # then closed as a duplicate, and further contacts about it go to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_incidents"
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The outstanding list and the response-time scan only ever look at open,
            # unattended incidents: keep that index small.
            models.Index(
                fields=["target_response_at"],
                name="cad_incident_unattended_idx",
                condition=Q(status__in=["OPEN", "RESOURCED"]),
            ),
            # The outstanding list (`dispatch.selectors.incidents_outstanding`) exactly: its
            # ORDER BY, over the incidents that can be on it (open and unattended, or at scene
            # with a unit diverted away), so a page is the first rows of this index: no sort of
            # every open incident.
            models.Index(
                F("grade_rank"),
                F("divert_tagged").desc(),
                F("target_response_at").asc(nulls_last=True),
                F("received_at"),
                F("id"),
                name="cad_incident_outstanding_idx",
                condition=Q(status__in=["OPEN", "RESOURCED"])
                | Q(status="AT_SCENE", divert_tagged=True),
            ),
        ]
        constraints = [
            # A closed incident always says when, why (closing code) and how it was resolved.
            models.CheckConstraint(
                condition=~Q(status="CLOSED")
                | (
                    Q(closed_at__isnull=False)
                    & Q(closing_code__isnull=False)
                    & ~Q(resolution_note="")
                ),
                name="cad_incident_closed_has_code_and_note",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED

    def can_transition(self, to: str) -> bool:
        return to in self.ALLOWED_TRANSITIONS[IncidentStatus(self.status)]

    @property
    def people(self) -> list[NamedPerson]:
        """The named people read as name, role and age ("Brian Example (ex-husband)")."""
        return [parse_named_person(str(typed)) for typed in self.named_people or []]

    @property
    def tag_names(self) -> list[str]:
        """The tags, sorted (from `listed_tags`, tag names, when a list read them already)."""
        listed = self.__dict__.get("listed_tags")
        return sorted(listed if listed is not None else (t.tag for t in self.tags.all()))

    @property
    def thrive_current(self) -> ThriveAssessment | None:
        """The current THRIVE (the highest version; prefetched by the incident selectors)."""
        versions = list(self.thrive_assessments.all())
        return max(versions, key=lambda v: v.version) if versions else None


class IncidentTag(models.Model):
    """A tag such as DIVERT. Tags stay on the record for audit; they are never removed."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tags")
    tag = models.CharField(max_length=32)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "tag"], name="cad_incidenttag_unique")
        ]
        indexes = [models.Index(fields=["tag", "added_at"])]

    def __str__(self):
        return self.tag


class IncidentLogEntry(models.Model):
    """One line of the incident log. Append-only: there is no service to edit or delete one."""

    class Kind(models.TextChoices):
        NOTE = "NOTE", "Note"
        SYSTEM = "SYSTEM", "System"
        # A further call or contact about the incident: its words, read with the notes.
        CONTACT = "CONTACT", "Further contact"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="log_entries")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    # The contact this line records (a further call), if any.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    # On a survivor of a merge: the line of the merged incident this one copies.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.text[:60]


class GradeRequest(models.Model):
    """A downgrade that needs a supervisor's sign-off. The incident keeps its safer grade
    until a supervisor approves."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        APPROVED = "APPROVED", "Approved"
        REFUSED = "REFUSED", "Refused"
        WITHDRAWN = "WITHDRAWN", "Withdrawn"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="grade_requests")
    from_grade = models.CharField(max_length=12, choices=Grade.choices)
    requested_grade = models.CharField(max_length=12, choices=Grade.choices)
    reason = models.TextField()
    why_supervisor = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(status="PENDING"),
                name="cad_graderequest_one_pending_per_incident",
            )
        ]

    def __str__(self):
        return f"{self.incident} -> {self.requested_grade} ({self.status})"


class GradeChange(models.Model):
    """The grade history of an incident: every grading, who, why, and any sign-off."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="grade_changes")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_grade = models.CharField(max_length=12, choices=Grade.choices, blank=True)
    to_grade = models.CharField(max_length=12, choices=Grade.choices)
    recommended_grade = models.CharField(max_length=12, choices=Grade.choices, blank=True)
    minimum_grade = models.CharField(max_length=12, choices=Grade.choices, blank=True)
    reason = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        # The reports read gradings by time: a range's counts, and the downgrades list newest
        # first a page at a time (without it, every page sorted the whole range's downgrades).
        indexes = [models.Index(fields=["at", "id"], name="cad_gradechange_at_id_idx")]

    def __str__(self):
        return f"{self.incident_id}: {self.from_grade or '-'} -> {self.to_grade}"


# THRIVE's headings in order, and the ones that carry a level as well as a text.
THRIVE_HEADINGS: tuple[tuple[str, str], ...] = (
    ("threat", "Threat"),
    ("harm", "Harm"),
    ("risk", "Risk"),
    ("investigation", "Investigation"),
    ("vulnerability", "Vulnerability"),
    ("engagement", "Engagement"),
)
THRIVE_LEVELLED = ("threat", "harm", "risk", "vulnerability")


class ThriveLevel(models.TextChoices):
    """The level a THRIVE heading is judged at, where a level fits (threat, harm, risk,
    vulnerability)."""

    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"
    LOW = "LOW", "Low"


class ThriveAssessment(models.Model):
    """One version of an incident's THRIVE (Threat, Harm, Risk, Investigation, Vulnerability,
    Engagement: the national call-assessment model). Append-only: a change is a new version and
    the highest version is the current one, so the history is the rows themselves. The engine's
    suggestion is recorded by the system (SUGGESTED); a person confirms it as it stands
    (CONFIRMED) or in their own words (EDITED)."""

    class Status(models.TextChoices):
        SUGGESTED = "SUGGESTED", "Suggested by the system"
        CONFIRMED = "CONFIRMED", "Suggestion confirmed by a person"
        EDITED = "EDITED", "Edited by a person"

    HEADINGS = tuple(heading for heading, _ in THRIVE_HEADINGS)

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="thrive_assessments"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    threat = models.TextField()
    threat_level = models.CharField(max_length=6, choices=ThriveLevel.choices, blank=True)
    harm = models.TextField()
    harm_level = models.CharField(max_length=6, choices=ThriveLevel.choices, blank=True)
    risk = models.TextField()
    risk_level = models.CharField(max_length=6, choices=ThriveLevel.choices, blank=True)
    investigation = models.TextField()
    vulnerability = models.TextField()
    vulnerability_level = models.CharField(max_length=6, choices=ThriveLevel.choices, blank=True)
    engagement = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "version"], name="cad_thrive_one_row_per_version"
            ),
            # The system suggests; only a person confirms or edits.
            models.CheckConstraint(
                condition=Q(status="SUGGESTED", recorded_by__isnull=True)
                | (~Q(status="SUGGESTED") & Q(recorded_by__isnull=False)),
                name="cad_thrive_suggested_by_system_confirmed_by_a_person",
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} THRIVE v{self.version} ({self.status})"

    def as_panel(self) -> dict[str, dict[str, str]]:
        """{heading: {"text", "level"}} (`level` on the levelled headings only)."""
        return {
            heading: {"text": getattr(self, heading)}
            | ({"level": getattr(self, f"{heading}_level")} if heading in THRIVE_LEVELLED else {})
            for heading in self.HEADINGS
        }

    def as_dict(self) -> dict:
        return {
            "version": self.version,
            "status": self.status,
            "recorded_by": self.recorded_by.get_username() if self.recorded_by_id else "system",
            "recorded_at": self.recorded_at.isoformat(),
            **self.as_panel(),
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(heading, label, text, level) for each heading, in THRIVE order."""
        return [
            (heading, label, getattr(self, heading), getattr(self, f"{heading}_level", ""))
            for heading, label in THRIVE_HEADINGS
        ]
