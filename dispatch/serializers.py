from rest_framework import serializers

from dispatch.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    incident_reference = serializers.CharField(
        source="incident.reference", read_only=True, default=None
    )

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
        ]
