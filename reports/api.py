"""Reports API: each report as JSON under /api/v1/reports/<name>/ with the page's filters, and
the QA reviewer's finding and urgent flag on a divert. Thin: parse, one call, render."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse_input
from core.permissions import HasRole
from core.roles import QA_REVIEWERS, REPORT_READERS
from reports import services
from reports.filters import FILTER_HELP, int_control
from reports.queries.diverts import divert_qa_detail
from reports.registry import REPORTS, run_report
from reports.serializers import (
    DivertQaSerializer,
    FindingInput,
    FindingSerializer,
    ReportIndexItemSerializer,
    ReportSerializer,
    UrgentFlagSerializer,
    UrgentInput,
    report_json,
)

DEFAULT_LIMIT, MAX_LIMIT = 200, 5000
ERROR = OpenApiResponse(
    description='Bad filters: `{"detail": "...", "code": "...", "errors": {...}}`'
)
PAGING_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1},
        description=f"Rows per paged table (default {DEFAULT_LIMIT}; above {MAX_LIMIT} gives "
        f"{MAX_LIMIT})",
    ),
    OpenApiParameter(
        "offset", {"type": "integer", "minimum": 0}, description="Rows to skip in each paged table"
    ),
]


class ReportIndexView(APIView):
    permission_classes = [HasRole]
    allowed_roles = REPORT_READERS

    @extend_schema(operation_id="reports_index", responses=ReportIndexItemSerializer(many=True))
    def get(self, request):
        return Response(
            [
                {
                    "name": d.name,
                    "title": d.title,
                    "description": d.description,
                    "url": reverse(f"api-report-{d.name}"),
                    "filters": list(d.filters),
                }
                for d in REPORTS.values()
            ]
        )


class ReportView(APIView):
    """GET one report as JSON. Reports never change data."""

    permission_classes = [HasRole]
    allowed_roles = REPORT_READERS
    report_name = ""

    def get(self, request):
        params = request.query_params
        limit = int_control(params, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        offset = int_control(params, "offset", default=0, minimum=0, maximum=10**9)
        now = timezone.now()
        result = run_report(
            self.report_name,
            params,
            now=now,
            today=timezone.localdate(now),
            limit=limit,
            offset=offset,
        )
        return Response(report_json(result, limit=limit, generated_at=now))


def _report_view(definition) -> type:
    parameters = [
        OpenApiParameter(name, str, description=FILTER_HELP[name]) for name in definition.filters
    ] + PAGING_PARAMETERS
    name = definition.name.replace("-", "_")

    class View(ReportView):
        report_name = definition.name

        @extend_schema(
            operation_id=f"reports_{name}",
            summary=definition.title,
            description=definition.description
            + " Unknown filters, unparseable or inverted dates and ranges over 366 days are "
            "refused with 400.",
            parameters=parameters,
            responses={200: ReportSerializer, 400: ERROR},
            tags=["reports"],
        )
        def get(self, request):
            return super().get(request)

    View.__name__ = View.__qualname__ = f"{name.title().replace('_', '')}ReportView"
    return View


REPORT_VIEWS = {name: _report_view(definition) for name, definition in REPORTS.items()}


class DivertQaDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = REPORT_READERS

    @extend_schema(
        operation_id="reports_divert_detail", responses=DivertQaSerializer, tags=["reports"]
    )
    def get(self, request, pk: int):
        detail = divert_qa_detail(pk, now=timezone.now())
        return Response(DivertQaSerializer(detail).data)


class DivertFindingView(APIView):
    permission_classes = [HasRole]
    allowed_roles = QA_REVIEWERS

    @extend_schema(
        operation_id="reports_divert_finding",
        summary="Record a QA finding on a divert",
        request=FindingInput,
        responses={201: FindingSerializer, 400: ERROR},
        tags=["reports"],
    )
    def post(self, request, pk: int):
        data = parse_input(FindingInput, request.data)
        finding = services.divert_finding_record(actor=request.user, divert_id=pk, **data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)


class DivertUrgentView(APIView):
    permission_classes = [HasRole]
    allowed_roles = QA_REVIEWERS

    @extend_schema(
        operation_id="reports_divert_urgent",
        summary="Set or clear the urgent-review flag on a divert",
        request=UrgentInput,
        responses={201: UrgentFlagSerializer, 400: ERROR},
        tags=["reports"],
    )
    def post(self, request, pk: int):
        data = parse_input(UrgentInput, request.data)
        flag = services.divert_urgent_set(actor=request.user, divert_id=pk, **data)
        return Response(UrgentFlagSerializer(flag).data, status=status.HTTP_201_CREATED)
