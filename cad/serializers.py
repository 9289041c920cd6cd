"""Shapes of the cad API (shape only: rules live in services)."""

from rest_framework import serializers

from cad import context as call_context
from cad.models import Area, Channel, Contact, Grade, GradeRequest, Incident, IncidentLogEntry


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    evidence = serializers.CharField()


class AssessInput(serializers.Serializer):
    narrative = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=20000, trim_whitespace=False
    )
    caller_phone = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=60
    )
    caller_name = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=200
    )
    address = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, default=Channel.EMERGENCY
    )
    silent = serializers.BooleanField(required=False, default=False)


class AssessmentSerializer(serializers.Serializer):
    domestic_abuse = serializers.BooleanField()
    indicators = FindingSerializer(many=True)
    risk_factors = FindingSerializer(many=True)
    recommended_grade = serializers.ChoiceField(choices=Grade.choices)
    minimum_grade = serializers.ChoiceField(choices=Grade.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    banners = serializers.ListField(child=serializers.DictField(), required=False)
    context = serializers.DictField(required=False)


class ContactInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    caller_phone = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=60
    )
    caller_name = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=200
    )
    address = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    summary = serializers.CharField(allow_blank=True, required=False, default="", max_length=20000)


class ContactSerializer(serializers.ModelSerializer):
    handler = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "channel",
            "caller_phone",
            "caller_phone_raw",
            "phone_valid",
            "caller_name",
            "address",
            "summary",
            "received_at",
            "handler",
            "incident",
        ]


class IncidentInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    caller_phone = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=60
    )
    caller_name = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=200
    )
    address = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    narrative = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=20000
    )
    silent = serializers.BooleanField(required=False, default=False)
    area = serializers.ChoiceField(choices=Area.choices, required=False, default=Area.URBAN)
    opening_code = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=40
    )
    latitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180
    )
    idempotency_key = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=80
    )


class LogEntrySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = IncidentLogEntry
        fields = ["id", "at", "author", "kind", "text"]

    def get_author(self, entry) -> str:
        return entry.author.get_username() if entry.author_id else "system"


class LogInput(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class GradeInput(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class GradeRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)

    class Meta:
        model = GradeRequest
        fields = [
            "id",
            "incident",
            "incident_reference",
            "status",
            "from_grade",
            "requested_grade",
            "reason",
            "why_supervisor",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class IncidentSerializer(serializers.ModelSerializer):
    """The incident as API.md describes it. Context providers add `intel_check` and `markers`;
    dispatch adds `assignments`."""

    log = LogEntrySerializer(source="log_entries", many=True, read_only=True)
    tags = serializers.SerializerMethodField()
    opening_code = serializers.CharField(source="opening_code_id", read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "received_at",
            "caller_name",
            "caller_phone",
            "phone_valid",
            "address",
            "latitude",
            "longitude",
            "area",
            "narrative",
            "silent",
            "opening_code",
            "grade",
            "recommended_grade",
            "minimum_grade",
            "domestic_abuse",
            "assessment",
            "target_response_at",
            "first_arrived_at",
            "closed_at",
            "tags",
            "log",
        ]

    def get_tags(self, incident) -> list[str]:
        return incident.tag_names

    def to_representation(self, incident):
        data = super().to_representation(incident)
        data.update(call_context.incident_fields(incident))
        data.setdefault("intel_check", None)
        data.setdefault("markers", [])
        data.setdefault("assignments", [])
        return data


class IncidentListSerializer(serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "received_at",
            "address",
            "grade",
            "domestic_abuse",
            "target_response_at",
            "tags",
        ]

    def get_tags(self, incident) -> list[str]:
        return incident.tag_names
