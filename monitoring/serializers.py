"""Serializers for alerts, the alert board and grade policies: shape only."""

from rest_framework import serializers

from cad.models import GradePolicy
from core.serializers import InputSerializer
from monitoring import board
from monitoring.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    incident_reference = serializers.CharField(
        source="incident.reference", read_only=True, default=None, allow_null=True
    )
    # The roles that must see it (the banner); the same list the live push carries.
    roles = serializers.ListField(source="audience", read_only=True, child=serializers.CharField())

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "status",
            "subject",
            "incident",
            "incident_reference",
            "message",
            "data",
            "raised_at",
            "threshold_at",
            "acknowledged_at",
            "acknowledged_by",
            "settled_at",
            "settled_reason",
            "roles",
        ]


class GradePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = GradePolicy
        fields = [
            "grade",
            "urban_target_minutes",
            "rural_target_minutes",
            "due_soon_minutes",
            "updated_at",
        ]
        read_only_fields = fields


class GradePolicyInput(InputSerializer):
    urban_target_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    rural_target_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    due_soon_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class BoardAlertSerializer(AlertSerializer):
    high_risk = serializers.BooleanField(source="is_high_risk", read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "high_risk"]


class DemandRowSerializer(serializers.Serializer):
    grade = serializers.CharField()
    OPEN = serializers.IntegerField()
    RESOURCED = serializers.IntegerField()
    AT_SCENE = serializers.IntegerField()
    total = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    breached = serializers.IntegerField()


class AlertBoardSerializer(serializers.Serializer):
    """The board: unsettled alerts most serious first, open incidents by grade and state, and
    one field per registered board section (`monitoring.board`), e.g. `staffing`."""

    at = serializers.DateTimeField()
    alerts = BoardAlertSerializer(many=True)
    demand = DemandRowSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        for section in board.board_sections():
            fields[section.key] = section.serializer()
        return fields
