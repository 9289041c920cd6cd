"""Shapes of the intelligence API (shape only: rules live in services)."""

from rest_framework import serializers

from core.serializers import AwareDateTimeField, InputSerializer
from intelligence.models import (
    CheckRequest,
    IntelRecordPerson,
    RecordKind,
    RiskLevel,
    WarningFlag,
)


class PersonInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    role = serializers.ChoiceField(
        choices=IntelRecordPerson.Role.choices, required=False, default="SUBJECT"
    )
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=10
    )


class RecordInput(InputSerializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    summary = serializers.CharField(max_length=5000)
    occurred_at = AwareDateTimeField()
    expires_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    names = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=20
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=20
    )
    addresses = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=20
    )
    people = PersonInput(many=True, required=False, default=list)
    protected_person = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    restricted_person = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True, default=""
    )
    conditions = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    source_reference = serializers.CharField(
        max_length=80, required=False, allow_blank=True, allow_null=True, default=None
    )
    # What the record warns attending officers about (`WarningFlag`).
    warnings = serializers.ListField(
        child=serializers.ChoiceField(choices=WarningFlag.choices),
        required=False,
        default=list,
        max_length=10,
    )


class RecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    occurred_at = serializers.CharField()
    expires_at = serializers.CharField(allow_null=True)
    risk_level = serializers.CharField()
    conditions = serializers.CharField()
    source_reference = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    people = serializers.ListField(child=serializers.DictField())
    names = serializers.ListField(child=serializers.CharField())
    phones = serializers.ListField(child=serializers.CharField())
    addresses = serializers.ListField(child=serializers.CharField())
    created_at = serializers.CharField()


class CheckInput(InputSerializer):
    phone = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    names = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=20
    )
    incident = serializers.IntegerField(required=False, allow_null=True, default=None)


class CheckSerializer(serializers.Serializer):
    """A stored check (API.md: id, ran_at, records, previous_contacts, previous_incidents,
    markers) with who ran it, why it ran, and what it means."""

    id = serializers.IntegerField()
    ran_at = serializers.CharField()
    ran_by = serializers.CharField()
    ran_by_system = serializers.BooleanField()
    trigger = serializers.CharField()
    incident = serializers.IntegerField(allow_null=True)
    query = serializers.DictField()
    records = serializers.ListField(child=serializers.DictField())
    previous_contacts = serializers.ListField(child=serializers.DictField())
    previous_incidents = serializers.ListField(child=serializers.DictField())
    markers = serializers.ListField(child=serializers.DictField())
    older = serializers.DictField()
    patterns = serializers.ListField(child=serializers.DictField())
    risk_factors = serializers.ListField(child=serializers.DictField())
    banners = serializers.ListField(child=serializers.DictField())
    panel = serializers.DictField()


class CheckRequestInput(InputSerializer):
    incident = serializers.IntegerField(required=False, allow_null=True, default=None)
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    systems = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000)


class CompleteInput(InputSerializer):
    outcome = serializers.ChoiceField(choices=CheckRequest.Outcome.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CancelInput(InputSerializer):
    reason = serializers.CharField(max_length=2000)


class CheckRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    completed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    incident_reference = serializers.SerializerMethodField()
    incident_grade = serializers.SerializerMethodField()
    priority = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = CheckRequest
        fields = [
            "id",
            "incident",
            "incident_reference",
            "incident_grade",
            "priority",
            "subject",
            "systems",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "assigned_to",
            "claimed_at",
            "completed_by",
            "completed_at",
            "outcome",
            "outcome_note",
        ]

    def get_incident_reference(self, request) -> str:
        return request.incident.reference if request.incident_id else ""

    def get_incident_grade(self, request) -> str:
        return request.incident.grade if request.incident_id else ""
