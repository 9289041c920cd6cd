"""Report JSON: the shape of a report (documented in the OpenAPI schema) and the QA inputs.
Serializers check shape only; the rules live in the services."""

from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from core.serializers import InputSerializer
from reports.models import (
    MAX_REVIEW_TEXT,
    DivertFinding,
    DivertOutcome,
    DivertUrgentFlag,
    FindingOutcome,
)
from reports.results import ReportResult


def _json_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value


def report_json(result: ReportResult, *, limit: int | None, generated_at: datetime) -> dict:
    """A report as plain JSON-ready data."""
    return {
        "report": result.name,
        "title": result.title,
        "generated_at": timezone.localtime(generated_at).isoformat(),
        "filters": result.filters.as_dict(),
        "summary": [
            {"key": s.key, "label": s.label, "value": s.value, "unit": s.unit}
            for s in result.summary
        ],
        "charts": [
            {
                "key": c.key,
                "title": c.title,
                "unit": c.unit,
                "stacked": c.stacked,
                "categories": c.categories,
                "series": [{"label": s.label, "values": s.values} for s in c.series],
            }
            for c in result.charts
        ],
        "tables": [
            {
                "key": t.key,
                "title": t.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in t.columns],
                "total": t.total,
                "offset": t.offset if t.paged else 0,
                "limit": limit if t.paged else None,
                "rows": [{k: _json_value(v) for k, v in row.items()} for row in t.rows],
            }
            for t in result.tables
        ],
        "notes": result.notes,
    }


# --- Schema-only serializers (what the API returns) ---------------------------------------------


class SummaryItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)


class SeriesSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))


class ChartSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    stacked = serializers.BooleanField()
    categories = serializers.ListField(child=serializers.CharField())
    series = SeriesSerializer(many=True)


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)
    total = serializers.IntegerField(help_text="Rows before paging.")
    offset = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="Null: the table is not paged.")
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row, keyed by column key."
    )


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    title = serializers.CharField()
    generated_at = serializers.DateTimeField()
    filters = serializers.DictField(help_text="The filters applied, defaults included.")
    summary = SummaryItemSerializer(many=True)
    charts = ChartSerializer(many=True)
    tables = TableSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class ReportIndexItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField()
    filters = serializers.ListField(child=serializers.CharField())


# --- QA review -----------------------------------------------------------------------------------


class FindingInput(InputSerializer):
    outcome = serializers.ChoiceField(choices=FindingOutcome.choices)
    notes = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=MAX_REVIEW_TEXT
    )


class UrgentInput(InputSerializer):
    urgent = serializers.BooleanField()
    reason = serializers.CharField(max_length=MAX_REVIEW_TEXT)


class FindingSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        ref_name = "DivertFinding"
        model = DivertFinding
        fields = ["id", "divert", "outcome", "notes", "recorded_by", "recorded_at"]


class UrgentFlagSerializer(serializers.ModelSerializer):
    set_by = serializers.CharField(source="set_by.username", read_only=True)

    class Meta:
        model = DivertUrgentFlag
        fields = ["id", "divert", "urgent", "reason", "set_by", "set_at"]


class DivertQaSerializer(serializers.Serializer):
    """One divert on the QA list, with its review history."""

    divert_id = serializers.IntegerField()
    incident_id = serializers.IntegerField()
    reference = serializers.CharField()
    grade = serializers.CharField()
    domestic_abuse = serializers.BooleanField()
    unit = serializers.CharField()
    to_reference = serializers.CharField()
    requested_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=DivertOutcome.values)
    minutes_to_resource = serializers.FloatField(allow_null=True)
    incident_breached = serializers.BooleanField()
    urgent = serializers.BooleanField()
    urgent_reason = serializers.CharField()
    finding = serializers.CharField(allow_blank=True)
    finding_notes = serializers.CharField(allow_blank=True)
    finding_by = serializers.CharField(allow_blank=True)
    finding_at = serializers.DateTimeField(allow_null=True)
    findings = FindingSerializer(many=True)
    urgent_flags = UrgentFlagSerializer(many=True)
