"""Units, assignments, diverts, controller reviews and inspector tasks.

A unit is committed to at most one incident at a time: the database refuses a second open
assignment for a unit (a partial unique constraint), and the services lock the unit's row before
they look. Moving a committed unit to another incident is a divert, recorded with who, why and
both grades, reviewed by a controller and, once approved, handed to the inspector to find a
replacement. Nothing here is ever deleted: ended assignments, reviewed diverts and resolved tasks
stay as the record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class UnitType(models.TextChoices):
    RESPONSE_CAR = "RESPONSE_CAR", "Response car"
    VAN = "VAN", "Van"
    DOG = "DOG", "Dog unit"
    ARV = "ARV", "Armed response vehicle"
    ROADS_POLICING = "ROADS_POLICING", "Roads policing"
    MOTORCYCLE = "MOTORCYCLE", "Motorcycle"
    FOOT = "FOOT", "Foot patrol"
    NEIGHBOURHOOD = "NEIGHBOURHOOD", "Neighbourhood"
    CID = "CID", "CID"


class UnitStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", "Available"
    ASSIGNED = "ASSIGNED", "Assigned"
    EN_ROUTE = "EN_ROUTE", "En route"
    AT_SCENE = "AT_SCENE", "At scene"
    UNAVAILABLE = "UNAVAILABLE", "Unavailable"


class Unit(models.Model):
    # Every move a unit may make. ASSIGNED is entered only through an assignment or a divert
    # (hence ASSIGNED -> ASSIGNED and EN_ROUTE/AT_SCENE -> ASSIGNED for a divert); AVAILABLE from a
    # committed status ends the commitment (release before arrival, clear after it).
    ALLOWED_TRANSITIONS = {
        UnitStatus.AVAILABLE: {UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE,
                               UnitStatus.UNAVAILABLE},
        UnitStatus.ASSIGNED: {UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE,
                              UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE},
        UnitStatus.EN_ROUTE: {UnitStatus.ASSIGNED, UnitStatus.AT_SCENE, UnitStatus.AVAILABLE,
                              UnitStatus.UNAVAILABLE},
        UnitStatus.AT_SCENE: {UnitStatus.ASSIGNED, UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE},
        UnitStatus.UNAVAILABLE: {UnitStatus.AVAILABLE},
    }  # fmt: skip
    COMMITTED = (UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.AT_SCENE)

    call_sign = models.CharField(max_length=20, unique=True)
    unit_type = models.CharField(
        max_length=20, choices=UnitType.choices, default=UnitType.RESPONSE_CAR
    )
    # Free-form capability codes ("ARMED", "TASER", "DOG", "MEDIC", "PURSUIT"...), upper case.
    capabilities = models.JSONField(default=list, blank=True)
    home_station = models.CharField(max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    position_at = models.DateTimeField(null=True, blank=True)
    # How sure the last position is (metres, the device's radius of 68% confidence), when given.
    position_accuracy_m = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE
    )
    status_changed_at = models.DateTimeField()
    # The officers crewing the unit: they may update its status and are told when it is sent back.
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="units")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["call_sign"]
        indexes = [models.Index(fields=["status", "call_sign"])]

    def __str__(self):
        return self.call_sign

    def can_transition(self, to: str) -> bool:
        return to in self.ALLOWED_TRANSITIONS[UnitStatus(self.status)]

    @property
    def is_committed(self) -> bool:
        return self.status in self.COMMITTED


class UnitStatusChange(models.Model):
    """The status history of a unit: one row per change, never edited.

    `at` is when the change happened: the crew's device time when the status carried one (a
    message delayed in the network keeps its own time), otherwise its receipt. `received_at`
    is when the server received it and `device_at` the device time as sent (None without)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="status_changes")
    at = models.DateTimeField()
    received_at = models.DateTimeField()
    device_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=UnitStatus.choices)
    to_status = models.CharField(max_length=12, choices=UnitStatus.choices)
    incident = models.ForeignKey(
        "cad.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["unit", "at"])]

    def __str__(self):
        return f"{self.unit_id}: {self.from_status} -> {self.to_status}"


class AssignmentStatus(models.TextChoices):
    # Open: the unit is committed to the incident.
    ASSIGNED = "ASSIGNED", "Assigned"
    EN_ROUTE = "EN_ROUTE", "En route"
    AT_SCENE = "AT_SCENE", "At scene"
    # Ended.
    RELEASED = "RELEASED", "Released before arrival"
    CLEARED = "CLEARED", "Cleared after attending"
    DIVERTED = "DIVERTED", "Diverted to another incident"
    RECALLED = "RECALLED", "Sent back by a controller's override"
    MOVED = "MOVED", "Moved with its incident when it was merged into another"


OPEN_ASSIGNMENT_STATUSES = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.EN_ROUTE,
    AssignmentStatus.AT_SCENE,
)


class Assignment(models.Model):
    """A unit sent to an incident. At most one open assignment per unit (database-enforced)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    incident = models.ForeignKey(
        "cad.Incident", on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["ASSIGNED", "EN_ROUTE", "AT_SCENE"]),
                name="dispatch_assignment_one_open_per_unit",
            )
        ]
        indexes = [
            models.Index(
                fields=["incident"],
                name="dispatch_assignment_open_idx",
                condition=Q(status__in=["ASSIGNED", "EN_ROUTE", "AT_SCENE"]),
            )
        ]

    def __str__(self):
        return f"{self.unit_id} -> {self.incident_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ASSIGNMENT_STATUSES


class DivertStatus(models.TextChoices):
    PENDING_REVIEW = "PENDING_REVIEW", "Pending controller review"
    APPROVED = "APPROVED", "Approved"
    OVERRIDDEN = "OVERRIDDEN", "Overridden: unit sent back"


class DivertDecision(models.TextChoices):
    APPROVE = "APPROVE", "Approve"
    OVERRIDE = "OVERRIDE", "Override"


class Divert(models.Model):
    """A committed unit moved to another incident: from, to, who, why and both grades (and DA
    flags) as they were at the moment of the divert, then the controller's review."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="diverts")
    from_incident = models.ForeignKey(
        "cad.Incident", on_delete=models.PROTECT, related_name="diverts_away"
    )
    to_incident = models.ForeignKey(
        "cad.Incident", on_delete=models.PROTECT, related_name="diverts_in"
    )
    from_assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="+", null=True
    )
    to_assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="+", null=True
    )
    from_grade = models.CharField(max_length=12)
    to_grade = models.CharField(max_length=12)
    from_domestic_abuse = models.BooleanField(default=False)
    to_domestic_abuse = models.BooleanField(default=False)
    # The unit's status when it was taken (ASSIGNED, EN_ROUTE or AT_SCENE).
    unit_status_before = models.CharField(max_length=12, choices=UnitStatus.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=DivertStatus.choices, default=DivertStatus.PENDING_REVIEW
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(
                fields=["requested_at"],
                name="dispatch_divert_pending_idx",
                condition=Q(status="PENDING_REVIEW"),
            )
        ]

    def __str__(self):
        return f"divert {self.pk}: {self.unit_id} {self.from_incident_id} -> {self.to_incident_id}"


class InspectorTaskStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RESOLVED = "RESOLVED", "Resolved"


class InspectorTask(models.Model):
    """After an approved divert: find the original incident another unit, and record how."""

    divert = models.OneToOneField(Divert, on_delete=models.PROTECT, related_name="inspector_task")
    incident = models.ForeignKey(
        "cad.Incident", on_delete=models.PROTECT, related_name="inspector_tasks"
    )
    status = models.CharField(
        max_length=10, choices=InspectorTaskStatus.choices, default=InspectorTaskStatus.OPEN
    )
    opened_at = models.DateTimeField()
    # When an unresourced task escalates (opened_at + DIVERT_ESCALATE_MINUTES).
    escalate_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [
            models.Index(
                fields=["escalate_at"],
                name="dispatch_task_open_idx",
                condition=Q(status="OPEN"),
            )
        ]

    def __str__(self):
        return f"inspector task {self.pk} for {self.incident_id} ({self.status})"
