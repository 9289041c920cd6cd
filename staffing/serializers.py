"""Serializers for staffing: shape only."""

from rest_framework import serializers

from core.roles import Role
from core.serializers import AwareDateTimeField, InputSerializer
from staffing.models import Shift, ShiftRequirement, SignOn, StaffingMinimum


class StaffingMinimumSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffingMinimum
        fields = ["role", "minimum", "updated_at"]
        read_only_fields = fields


class MinimumInput(InputSerializer):
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


class ShiftInput(InputSerializer):
    name = serializers.CharField(max_length=80)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    requirements = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False
    )


class SignOnSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SignOn
        fields = ["id", "shift", "user", "role", "position", "signed_on_at", "signed_off_at"]


class SignOnInput(InputSerializer):
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
