from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cad import clock
from cad.models import Area, Grade, Incident
from cad.serializers import IncidentSerializer
from cad.warnings import incident_risk_flags
from core.serializers import AwareDateTimeField, InputSerializer, QueryInput
from dispatch import selectors
from dispatch.models import (
    Assignment,
    Divert,
    DivertDecision,
    InspectorTask,
    Unit,
    UnitStatus,
    UnitType,
)


def _current(unit) -> Assignment | None:
    """The unit's open assignment, from the `open_assignments` prefetch when there is one."""
    found = getattr(unit, "open_assignments", None)
    if found is None:
        found = list(unit.assignments.filter(status__in=["ASSIGNED", "EN_ROUTE", "AT_SCENE"]))
    return found[0] if found else None


class UnitInput(InputSerializer):
    call_sign = serializers.CharField(max_length=20)
    unit_type = serializers.ChoiceField(
        choices=UnitType.choices, required=False, default=UnitType.RESPONSE_CAR
    )
    capabilities = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list, max_length=30
    )
    home_station = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    officers = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list, max_length=20
    )
    # Take officers already crewing another unit off it (otherwise a 409 names that unit).
    move = serializers.BooleanField(required=False, default=False)


class UnitSerializer(serializers.ModelSerializer):
    officers = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    incident = serializers.SerializerMethodField()
    incident_reference = serializers.SerializerMethodField()
    assignment = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "call_sign",
            "unit_type",
            "capabilities",
            "home_station",
            "latitude",
            "longitude",
            "position_at",
            "position_accuracy_m",
            "status",
            "status_changed_at",
            "officers",
            "incident",
            "incident_reference",
            "assignment",
        ]

    def get_incident(self, unit) -> int | None:
        current = _current(unit)
        return current.incident_id if current else None

    def get_incident_reference(self, unit) -> str | None:
        current = _current(unit)
        return current.incident.reference if current else None

    def get_assignment(self, unit) -> int | None:
        current = _current(unit)
        return current.pk if current else None


class UnitStatusInput(InputSerializer):
    status = serializers.ChoiceField(choices=UnitStatus.choices)
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    # The crew's device time, with its UTC offset: the status is dated by it (see
    # dispatch.services.reported), the receipt time is kept beside it.
    at = AwareDateTimeField(required=False, allow_null=True, default=None)


class UnitPositionInput(InputSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    # The device's accuracy radius in metres.
    accuracy_m = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=0, max_value=100000
    )
    # When the device took the fix, with its UTC offset (default: on receipt).
    recorded_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class CrewInput(InputSerializer):
    officers = serializers.ListField(child=serializers.CharField(max_length=150), max_length=20)
    # Take officers already crewing another unit off it (otherwise a 409 names that unit).
    move = serializers.BooleanField(required=False, default=False)


class ReleaseInput(InputSerializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignInput(InputSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())


class AssignmentSerializer(serializers.ModelSerializer):
    call_sign = serializers.CharField(source="unit.call_sign", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    assigned_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "unit",
            "call_sign",
            "incident",
            "incident_reference",
            "status",
            "assigned_at",
            "assigned_by",
            "arrived_at",
            "ended_at",
            "ended_reason",
        ]


class DivertInput(InputSerializer):
    to_incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    reason = serializers.CharField(max_length=2000)


class DivertReviewInput(InputSerializer):
    decision = serializers.ChoiceField(choices=DivertDecision.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DivertSerializer(serializers.ModelSerializer):
    call_sign = serializers.CharField(source="unit.call_sign", read_only=True)
    from_reference = serializers.CharField(source="from_incident.reference", read_only=True)
    to_reference = serializers.CharField(source="to_incident.reference", read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    inspector_task = serializers.SerializerMethodField()

    class Meta:
        model = Divert
        fields = [
            "id",
            "status",
            "unit",
            "call_sign",
            "from_incident",
            "from_reference",
            "from_grade",
            "from_domestic_abuse",
            "to_incident",
            "to_reference",
            "to_grade",
            "to_domestic_abuse",
            "unit_status_before",
            "reason",
            "requested_by",
            "requested_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "inspector_task",
        ]

    def get_inspector_task(self, divert) -> int | None:
        try:
            return divert.inspector_task.pk
        except InspectorTask.DoesNotExist:
            return None


class InspectorTaskSerializer(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    grade = serializers.CharField(source="incident.grade", read_only=True)
    domestic_abuse = serializers.BooleanField(source="incident.domestic_abuse", read_only=True)
    address = serializers.CharField(source="incident.address", read_only=True)
    diverted_unit = serializers.CharField(source="divert.unit.call_sign", read_only=True)
    diverted_to = serializers.CharField(source="divert.to_incident.reference", read_only=True)
    call_sign = serializers.CharField(
        source="unit.call_sign", read_only=True, default=None, allow_null=True
    )
    resolved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = InspectorTask
        fields = [
            "id",
            "status",
            "divert",
            "incident",
            "incident_reference",
            "grade",
            "domestic_abuse",
            "address",
            "diverted_unit",
            "diverted_to",
            "opened_at",
            "escalate_at",
            "escalated_at",
            "resolved_at",
            "resolved_by",
            "unit",
            "call_sign",
            "assignment",
            "outcome",
        ]


class ResolveInput(InputSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OutstandingQuery(QueryInput):
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    area = serializers.ChoiceField(choices=Area.choices, required=False)
    unresourced = serializers.BooleanField(required=False, default=False)


# How the API writes a date-time (ISO 8601 in the current zone), for rows built by hand.
_DATETIME = serializers.DateTimeField(read_only=True)


class OutstandingIncidentSerializer(serializers.ModelSerializer):
    """One row of the outstanding list (the context's `due_soon_leads` is
    `cad.clock.due_soon_leads()`, read once per page).

    The fields below describe the row (and the schema); `to_representation` builds it by hand,
    the same values field by field (a test holds the two equal), because DRF's generic walk
    over 18 fields was half a page's time on the list every dispatcher keeps open."""

    tags = serializers.SerializerMethodField()
    divert = serializers.BooleanField(source="is_divert", read_only=True)
    marker = serializers.SerializerMethodField()
    # "DA" and "MARKER": the flags every list shows (`cad.warnings.incident_risk_flags`).
    risk_flags = serializers.SerializerMethodField()
    narrative_start = serializers.SerializerMethodField()
    due_soon_at = serializers.SerializerMethodField()
    units = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "grade",
            "domestic_abuse",
            "divert",
            "marker",
            "risk_flags",
            "tags",
            "address",
            "area",
            "latitude",
            "longitude",
            "narrative_start",
            "received_at",
            "target_response_at",
            "due_soon_at",
            "units",
        ]

    def to_representation(self, incident) -> dict:
        flags = incident_risk_flags(incident)
        when = _DATETIME.to_representation
        return {
            "id": incident.id,
            "reference": incident.reference,
            "status": incident.status,
            "grade": incident.grade,
            "domestic_abuse": incident.domestic_abuse,
            "divert": incident.is_divert,
            "marker": "MARKER" in flags,
            "risk_flags": flags,
            "tags": self.get_tags(incident),
            "address": incident.address,
            "area": incident.area,
            "latitude": incident.latitude,
            "longitude": incident.longitude,
            "narrative_start": self.get_narrative_start(incident),
            "received_at": when(incident.received_at) if incident.received_at else None,
            "target_response_at": (
                when(incident.target_response_at) if incident.target_response_at else None
            ),
            "due_soon_at": self.get_due_soon_at(incident),
            "units": self.get_units(incident),
        }

    def get_tags(self, incident) -> list[str]:
        return incident.tag_names

    def get_marker(self, incident) -> bool:
        return selectors.incident_has_marker(incident)

    def get_risk_flags(self, incident) -> list[str]:
        return incident_risk_flags(incident)

    def get_narrative_start(self, incident) -> str:
        return selectors.narrative_preview(incident)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_soon_at(self, incident):
        leads = self.context.get("due_soon_leads")
        value = clock.incident_due_soon_at(incident, leads)
        return value.isoformat() if value else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_units(self, incident):
        return [
            {"id": a.unit_id, "call_sign": a.call_sign, "status": a.status}
            for a in getattr(incident, "open_assignments", [])
        ]


class UnitOptionSerializer(serializers.Serializer):
    unit = UnitSerializer()
    distance_km = serializers.FloatField(allow_null=True)
    has_capabilities = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())


class BriefingSerializer(serializers.Serializer):
    unit = UnitSerializer()
    assignment = AssignmentSerializer(allow_null=True)
    incident = serializers.SerializerMethodField()
    warnings = serializers.ListField(child=serializers.DictField())
    intel_summary = serializers.ListField(child=serializers.CharField())
    other_units = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(IncidentSerializer(allow_null=True))
    def get_incident(self, briefing) -> dict | None:
        """The incident with the context fields the briefing gathered (and audited) for its
        reader, so nothing is read or audited twice."""
        if briefing.incident is None:
            return None
        return IncidentSerializer(
            briefing.incident,
            context={"incident_fields": briefing.context, "reader": briefing.reader},
        ).data
