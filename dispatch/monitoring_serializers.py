"""Serializers for grade policies, the alert board and staffing: shape only."""

from rest_framework import serializers

from cad.models import GradePolicy
from core.roles import Role
from dispatch.models import Shift, ShiftRequirement, SignOn, StaffingMinimum
from dispatch.serializers import AlertSerializer


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


class GradePolicyInput(serializers.Serializer):
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


class StaffingMinimumSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffingMinimum
        fields = ["role", "minimum", "updated_at"]
        read_only_fields = fields


class MinimumInput(serializers.Serializer):
    minimum = serializers.IntegerField(min_value=0)


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftRequirement
        fields = ["role", "minimum"]


class ShiftSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Shift
        fields = ["id", "name", "starts_at", "ends_at", "requirements"]


class ShiftInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    requirements = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False
    )


class SignOnSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SignOn
        fields = ["id", "shift", "user", "role", "position", "signed_on_at", "signed_off_at"]


class SignOnInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    position = serializers.CharField(max_length=40)
    shift = serializers.IntegerField(required=False)
    user = serializers.CharField(max_length=150, required=False, help_text="username")


class RoleStaffingSerializer(serializers.Serializer):
    role = serializers.CharField()
    minimum = serializers.IntegerField()
    signed_on = serializers.IntegerField()
    short_by = serializers.IntegerField()
    gap_since = serializers.DateTimeField(allow_null=True)


class ShiftStaffingSerializer(serializers.Serializer):
    shift = ShiftSerializer()
    roles = RoleStaffingSerializer(many=True)
    sign_ons = SignOnSerializer(many=True)
