"""Shapes of the markers API (shape only: the rules live in services)."""

from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from cad.models import Grade
from core.serializers import AwareDateTimeField, InputSerializer, QueryInput
from riskflags.models import (
    ContactMethod,
    ContactOutcome,
    ContactPurpose,
    Marker,
    RiskLevel,
    VictimContact,
)
from riskflags.selectors import marker_due


class MatchInput(QueryInput):
    phone = serializers.CharField(allow_blank=True, required=False, default="", max_length=60)
    address = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    uprn = serializers.RegexField(r"^\d{1,12}$", required=False, allow_blank=True, default="")


class MarkerInput(InputSerializer):
    address = serializers.CharField(max_length=300)
    uprn = serializers.RegexField(
        r"^\d{1,12}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The premises' UPRN when the OIC picked it from the register.",
    )
    phone = serializers.CharField(allow_blank=True, required=False, default="", max_length=60)
    phones = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=5
    )
    victim_name = serializers.CharField(max_length=200)
    perpetrator_name = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=200
    )
    reason = serializers.CharField(max_length=2000)
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, default=RiskLevel.HIGH
    )
    grade_floor = serializers.ChoiceField(
        choices=Grade.choices, required=False, default=Grade.IMMEDIATE
    )
    starts_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    expires_at = AwareDateTimeField()
    oic = serializers.CharField(max_length=150, help_text="The OIC's username")
    supervisor = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="Username of the supervisor alerted if the victim is not told in 72 hours; "
        "empty: every supervisor",
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create the marker although an in-force one covers the same premises, victim "
        "or number (without it: 409 duplicate_marker listing them).",
    )


class MarkerUpdateInput(InputSerializer):
    phones = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=5
    )
    victim_name = serializers.CharField(max_length=200, required=False)
    perpetrator_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    grade_floor = serializers.ChoiceField(choices=Grade.choices, required=False)
    oic = serializers.CharField(max_length=150, required=False)
    supervisor = serializers.CharField(max_length=150, required=False, allow_blank=True)


class VictimContactInput(InputSerializer):
    purpose = serializers.ChoiceField(choices=ContactPurpose.choices)
    method = serializers.ChoiceField(choices=ContactMethod.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    notes = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    contacted_at = AwareDateTimeField(required=False, allow_null=True, default=None)


class WithdrawInput(InputSerializer):
    reason = serializers.CharField(max_length=2000)


class ExtendInput(InputSerializer):
    expires_at = AwareDateTimeField()
    reason = serializers.CharField(max_length=2000)


class VictimContactSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = VictimContact
        fields = [
            "id",
            "marker",
            "purpose",
            "method",
            "outcome",
            "notes",
            "contacted_at",
            "recorded_at",
            "recorded_by",
        ]


class DueSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    severity = serializers.CharField()
    due_at = serializers.DateTimeField()


class MarkerSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    phones = serializers.SerializerMethodField()
    oic = serializers.SlugRelatedField(slug_field="username", read_only=True)
    supervisor = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    withdrawn_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    start_contact_recorded = serializers.SerializerMethodField()
    due = serializers.SerializerMethodField()

    class Meta:
        model = Marker
        fields = [
            "id",
            "status",
            "address",
            "address_normalised",
            "phone",
            "phones",
            "victim_name",
            "perpetrator_name",
            "reason",
            "risk_level",
            "grade_floor",
            "oic",
            "supervisor",
            "starts_at",
            "expires_at",
            "created_at",
            "created_by",
            "last_extended_at",
            "expired_at",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
            "start_contact_recorded",
            "due",
        ]

    def _now(self):
        return self.context.get("now") or timezone.now()

    def get_status(self, marker) -> str:
        return marker.status_at(self._now())

    def get_phone(self, marker) -> str:
        phones = marker.phones
        return phones[0] if phones else ""

    def get_phones(self, marker) -> list[str]:
        return marker.phones

    def get_start_contact_recorded(self, marker) -> bool:
        value = getattr(marker, "has_start_contact", None)
        if value is None:
            value = marker.contacts.filter(purpose=ContactPurpose.START).exists()
        return bool(value)

    def get_due(self, marker) -> list[dict]:
        return DueSerializer(marker_due(marker, now=self._now()), many=True).data


class MarkerDetailSerializer(MarkerSerializer):
    contacts = VictimContactSerializer(many=True, read_only=True)

    class Meta(MarkerSerializer.Meta):
        fields = [*MarkerSerializer.Meta.fields, "contacts"]


class HistoryEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.SerializerMethodField()
    summary = serializers.CharField()
    data = serializers.JSONField()

    def get_actor(self, event) -> str | None:
        return event.actor.username if event.actor_id else None


class MarkerMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField())
    victim_name = serializers.CharField()
    reason = serializers.CharField()
    grade_floor = serializers.CharField()
    starts_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    oic = serializers.CharField(allow_null=True)
    why_matched = serializers.CharField()
    address_match = inline_serializer(
        "AddressMatch",
        {"verdict": serializers.CharField(), "reason": serializers.CharField()},
        allow_null=True,
        help_text="How surely the marker is at the address: EXACT or PROBABLE, and why.",
    )


class DismissMatchInput(InputSerializer):
    incident = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


class DismissalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    marker = serializers.IntegerField(source="marker_id")
    incident = serializers.IntegerField(source="incident_id")
    reason = serializers.CharField()
    match_reason = serializers.CharField()
    dismissed_by = serializers.CharField(source="dismissed_by.username")
    dismissed_at = serializers.DateTimeField()
