"""Shapes of the cad API (shape only: rules live in services)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cad import context as call_context
from cad.grading import questions as da_questions_module
from cad.models import (
    Area,
    Channel,
    ClosingCode,
    Contact,
    Grade,
    GradeChange,
    GradeRequest,
    Incident,
    IncidentLogEntry,
    OpeningCode,
    ThriveAssessment,
)
from cad.warnings import assessment_warnings, incident_risk_flags, risk_summary
from core.audit import actor_name
from core.models import AuditEvent
from core.serializers import FieldsBuiltOnce, InputSerializer, QueryInput


def _choice(choices, what: str, **kwargs) -> serializers.ChoiceField:
    """A choice field whose error names the bad value and lists the good ones."""
    return serializers.ChoiceField(
        choices=choices.choices,
        error_messages={
            "invalid_choice": f"Unknown {what} '{{input}}'. Use one of: "
            + ", ".join(choices.values)
            + "."
        },
        **kwargs,
    )


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        allow_blank=True, required=False, default="", max_length=max_length, **kwargs
    )


DA_ANSWERS = list(da_questions_module.ANSWERS)
DA_ANSWERS_HELP = (
    "The handler's answers to the DA questions: {code: yes|no|unknown}, codes from "
    "da_questions.questions (connection, present, violence, order, afraid)."
)


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            code: {"type": "string", "enum": DA_ANSWERS, "description": question}
            for code, question in da_questions_module.QUESTIONS
        },
        "additionalProperties": False,
    }
)
class DaAnswersField(serializers.DictField):
    """The DA questions' answers, {code: "yes"|"no"|"unknown"}: an unknown question code or
    answer is a field error (`cad.grading.questions.clean_answers`), never silently dropped."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", DA_ANSWERS_HELP)
        super().__init__(child=serializers.ChoiceField(choices=DA_ANSWERS), **kwargs)

    def to_internal_value(self, data):
        answers = super().to_internal_value(data)
        try:
            return da_questions_module.clean_answers(answers)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class ThriveHeadingSerializer(serializers.Serializer):
    text = serializers.CharField()
    level = serializers.CharField(
        required=False,
        help_text="HIGH, MEDIUM, LOW or empty: only on threat, harm, risk and vulnerability.",
    )


class ThriveHeadingInput(InputSerializer):
    text = serializers.CharField(allow_blank=True, max_length=2000)
    level = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="HIGH, MEDIUM or LOW; only on threat, harm, risk and vulnerability.",
    )


class ThriveInput(InputSerializer):
    """THRIVE: every heading, each with a text and (where it fits) a level."""

    threat = ThriveHeadingInput()
    harm = ThriveHeadingInput()
    risk = ThriveHeadingInput()
    investigation = ThriveHeadingInput()
    vulnerability = ThriveHeadingInput()
    engagement = ThriveHeadingInput()


class ThrivePanelSerializer(serializers.Serializer):
    threat = ThriveHeadingSerializer()
    harm = ThriveHeadingSerializer()
    risk = ThriveHeadingSerializer()
    investigation = ThriveHeadingSerializer()
    vulnerability = ThriveHeadingSerializer()
    engagement = ThriveHeadingSerializer()


class ThriveSerializer(ThrivePanelSerializer):
    """One version of an incident's THRIVE."""

    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ThriveAssessment.Status.choices)
    recorded_by = serializers.CharField(help_text='A username, or "system" for a suggestion.')
    recorded_at = serializers.DateTimeField()

    def to_representation(self, record):
        return record.as_dict()


class ThriveViewSerializer(serializers.Serializer):
    current = ThriveSerializer(allow_null=True)
    suggested = ThrivePanelSerializer(
        help_text="The engine's suggestion from the current assessment."
    )
    history = ThriveSerializer(many=True, help_text="Every version, oldest first.")


class DaAnswersInput(InputSerializer):
    da_answers = DaAnswersField(allow_empty=False)


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    evidence = serializers.CharField()


class AssessInput(InputSerializer):
    narrative = _text(20000, trim_whitespace=False)
    caller_phone = _text(60)
    caller_name = _text(200)
    address = _text(300)
    named_people = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=20
    )
    channel = _choice(Channel, "channel", required=False, default=Channel.EMERGENCY)
    silent = serializers.BooleanField(required=False, default=False)
    da_answers = DaAnswersField(required=False, default=dict)


class DaQuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class DaQuestionsSerializer(serializers.Serializer):
    needed = serializers.BooleanField()
    why = serializers.CharField(allow_blank=True)
    questions = DaQuestionSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    domestic_abuse = serializers.BooleanField()
    indicators = FindingSerializer(many=True)
    risk_factors = FindingSerializer(many=True)
    recommended_grade = serializers.ChoiceField(choices=Grade.choices)
    minimum_grade = serializers.ChoiceField(choices=Grade.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    banners = serializers.ListField(child=serializers.DictField(), required=False)
    warnings = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Each warning once, highest risk first: {level, code, category, text, ref, url}.",
    )
    context = serializers.DictField(required=False)
    da_questions = DaQuestionsSerializer(
        required=False, help_text="Possible domestic abuse the words do not settle: ask."
    )
    behaviours = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Each behaviour with who, to_whom, connection, class, when, certainty, spans.",
    )
    language = serializers.DictField(
        required=False,
        allow_null=True,
        help_text="Null for English; else {english: false, code, name, probability}: the words "
        "were not assessed (ask through an interpreter).",
    )


class CallerInput(InputSerializer):
    """Who called, how and from where: the fields every recorded contact shares (a contact on
    its own, a new incident, a call attached to an open incident)."""

    channel = _choice(Channel, "channel")
    caller_phone = _text(60)
    caller_name = _text(200)
    address = _text(300)
    uprn = serializers.RegexField(
        r"^\d{1,12}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The premises' UPRN when the handler picked it from the register.",
    )


class ContactInput(CallerInput):
    summary = _text(20000)
    incident = serializers.IntegerField(required=False, allow_null=True, default=None)


class ContactSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    handler = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    incident_reference = serializers.CharField(
        source="incident.reference", read_only=True, allow_null=True, default=None
    )

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
            "incident_reference",
        ]


class IncidentInput(CallerInput):
    narrative = _text(20000)
    silent = serializers.BooleanField(required=False, default=False)
    area = _choice(Area, "area", required=False, default=Area.URBAN)
    opening_code = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, max_length=40
    )
    named_people = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=20
    )
    domestic_abuse = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit to follow the assessment; false on a DA call needs domestic_abuse_reason.",
    )
    domestic_abuse_reason = _text(2000)
    confirm_grade = serializers.BooleanField(
        required=False, default=False, help_text="The handler accepts the recommended grade."
    )
    latitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180
    )
    da_answers = DaAnswersField(required=False, default=dict)
    thrive = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The handler's THRIVE, {heading: {text, level}}: the headings given replace the "
        "engine's suggestion, the rest are the suggestion confirmed ({} confirms it all). Omit "
        "to record the suggestion unconfirmed.",
    )
    idempotency_key = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=80,
        help_text="Or the Idempotency-Key header: a repeat returns the first incident.",
    )
    declined_duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=20,
        help_text="Ids of the open incidents offered as possibly the same (possible-duplicates) "
        "that the handler declined: recorded on the new incident and on each of them.",
    )


class AttachCallInput(CallerInput):
    summary = _text(20000)
    offered = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=20,
        help_text="Ids of every incident offered as possibly the same (the others are "
        "recorded as declined).",
    )
    da_answers = DaAnswersField(
        required=False,
        default=dict,
        help_text=DA_ANSWERS_HELP + " Recorded on the incident the call is attached to.",
    )


class PossibleDuplicatesQuery(QueryInput):
    phone = _text(60)
    address = _text(300)
    names = _text(
        2000, help_text="Named people (the caller counts), separated by commas or semicolons."
    )


class MergeInput(InputSerializer):
    into = serializers.IntegerField(min_value=1, help_text="The survivor's id.")
    reason = _text(2000)


class PossibleDuplicateSerializer(serializers.Serializer):
    """An open incident a new call may be about, and why."""

    id = serializers.IntegerField(source="incident.pk")
    reference = serializers.CharField(source="incident.reference")
    status = serializers.CharField(source="incident.status")
    grade = serializers.CharField(source="incident.grade")
    domestic_abuse = serializers.BooleanField(source="incident.domestic_abuse")
    received_at = serializers.DateTimeField(source="incident.received_at")
    last_contact_at = serializers.DateTimeField()
    address = serializers.CharField(source="incident.address")
    caller_phone = serializers.CharField(source="incident.caller_phone")
    narrative = serializers.CharField(source="incident.narrative")
    matched_on = serializers.ListField(
        child=serializers.ChoiceField(choices=["phone", "address", "name"])
    )
    why = serializers.ListField(child=serializers.CharField())


class IncidentUpdateInput(InputSerializer):
    """Only the fields given change."""

    caller_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    caller_phone = serializers.CharField(required=False, allow_blank=True, max_length=60)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    named_people = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=20
    )
    area = _choice(Area, "area", required=False)
    opening_code = serializers.CharField(required=False, allow_blank=True, max_length=40)


class LogEntrySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    copied_from_incident = serializers.CharField(
        source="copied_from.incident.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="On a merge survivor: the reference of the merged incident this line came from.",
    )

    class Meta:
        model = IncidentLogEntry
        fields = ["id", "at", "author", "kind", "text", "contact", "copied_from_incident"]

    def get_author(self, entry) -> str:
        return actor_name(entry.author)


class LogInput(InputSerializer):
    text = serializers.CharField(max_length=10000)


class GradeInput(InputSerializer):
    grade = _choice(Grade, "grade")
    reason = _text(2000)


class CloseInput(InputSerializer):
    closing_code = serializers.CharField(max_length=40)
    resolution_note = serializers.CharField(max_length=10000)


class DomesticAbuseInput(InputSerializer):
    domestic_abuse = serializers.BooleanField()
    reason = _text(2000)


class GradeRequestSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    # What the supervisor signs off against (`cad.warnings.risk_summary`).
    risk_summary = serializers.SerializerMethodField()

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
            "risk_summary",
        ]

    @extend_schema_field(serializers.DictField())
    def get_risk_summary(self, request) -> dict:
        return risk_summary(request.incident)


class DecisionInput(InputSerializer):
    note = _text(2000)


class GradeChangeSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = GradeChange
        fields = [
            "at",
            "by",
            "from_grade",
            "to_grade",
            "recommended_grade",
            "minimum_grade",
            "reason",
            "approved_by",
        ]

    def get_by(self, change) -> str:
        return actor_name(change.by)


class OpeningCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningCode
        fields = ["code", "label", "description"]


class ClosingCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosingCode
        fields = ["code", "label"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["at", "actor", "action", "summary", "data"]

    def get_actor(self, event) -> str:
        return actor_name(event.actor)


class IncidentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """The incident as API.md describes it. Context providers add `intel_check` and `markers`;
    dispatch adds `assignments`.

    The serializer context says who reads: `reader` (a `cad.context.Reader`, or None for the
    system), or `incident_fields` already gathered for a reader (the briefing). What the
    reader's role may not read is withheld (`withheld` names the providers), and every read of
    intelligence or markers is audited by the provider that shows it."""

    log = LogEntrySerializer(source="log_entries", many=True, read_only=True)
    tags = serializers.SerializerMethodField()
    opening_code = serializers.CharField(source="opening_code_id", read_only=True, allow_null=True)
    opening_code_label = serializers.CharField(
        source="opening_code.label", read_only=True, allow_null=True, default=None
    )
    closing_code = serializers.CharField(source="closing_code_id", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    graded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    grade_history = GradeChangeSerializer(source="grade_changes", many=True, read_only=True)
    pending_grade_request = serializers.SerializerMethodField()
    contacts = ContactSerializer(many=True, read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)
    merged_into_reference = serializers.CharField(
        source="merged_into.reference", read_only=True, allow_null=True, default=None
    )
    da_answers = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text=DA_ANSWERS_HELP
    )
    thrive = serializers.SerializerMethodField(
        help_text="The current THRIVE (its history: /incidents/{id}/thrive/), or null."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "received_at",
            "created_by",
            "caller_name",
            "caller_phone",
            "phone_valid",
            "address",
            "latitude",
            "longitude",
            "area",
            "narrative",
            "silent",
            "named_people",
            "flags",
            "opening_code",
            "opening_code_label",
            "grade",
            "graded_by",
            "graded_at",
            "recommended_grade",
            "minimum_grade",
            "domestic_abuse",
            "domestic_abuse_removed_reason",
            "da_answers",
            "assessment",
            "thrive",
            "target_response_at",
            "first_arrived_at",
            "closed_at",
            "closing_code",
            "resolution_note",
            "tags",
            "log",
            "contacts",
            "merged_into",
            "merged_into_reference",
            "grade_history",
            "pending_grade_request",
        ]

    def get_tags(self, incident) -> list[str]:
        return incident.tag_names

    @extend_schema_field(ThriveSerializer(allow_null=True))
    def get_thrive(self, incident) -> dict | None:
        current = incident.thrive_current
        return current.as_dict() if current else None

    def get_pending_grade_request(self, incident) -> dict | None:
        pending = [
            r for r in incident.grade_requests.all() if r.status == GradeRequest.Status.PENDING
        ]
        return GradeRequestSerializer(pending[0]).data if pending else None

    def to_representation(self, incident):
        data = super().to_representation(incident)
        fields = self.context.get("incident_fields")
        if fields is None:
            # No default: a caller that forgets to say who reads must fail, not show everything.
            reader = self.context["reader"]
            fields = call_context.incident_fields(incident, reader=reader)
        else:
            reader = self.context.get("reader")
        data["assessment"] = call_context.assessment_for(incident.assessment, reader=reader)
        data.update(fields)
        # Free text (THRIVE, log, grade reasons) may quote withheld evidence: it goes too.
        data = call_context.redact(
            data, call_context.withheld_evidence(incident.assessment, reader=reader)
        )
        data.setdefault("intel_check", None)
        data.setdefault("markers", [])
        data.setdefault("assignments", [])
        # The named people read as name, role and age; each warning once with its record.
        data["people"] = [person.as_dict() for person in incident.people]
        data["warnings"] = assessment_warnings(data["assessment"], fields=fields)
        data["risk_flags"] = incident_risk_flags(incident)
        return data


class IncidentListSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    tags = serializers.SerializerMethodField()
    opening_code = serializers.CharField(source="opening_code_id", read_only=True, allow_null=True)
    # "DA" and "MARKER": the flags every list shows (`cad.warnings.incident_risk_flags`).
    risk_flags = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "status",
            "channel",
            "received_at",
            "caller_phone",
            "address",
            "area",
            "opening_code",
            "grade",
            "recommended_grade",
            "minimum_grade",
            "domestic_abuse",
            "target_response_at",
            "tags",
            "risk_flags",
        ]

    def get_tags(self, incident) -> list[str]:
        return incident.tag_names

    def get_risk_flags(self, incident) -> list[str]:
        return incident_risk_flags(incident)
