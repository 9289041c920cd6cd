"""The intelligence API: thin views that parse, call one service or selector, and render."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cad.exceptions import ValidationFailed
from cad.selectors import incident_get
from core.api import parse_input
from core.permissions import HasRole
from core.roles import (
    INTEL_QUEUE_READERS,
    INTEL_QUEUE_WORKERS,
    INTEL_READERS,
    INTEL_RECORD_WRITERS,
    INTEL_REQUESTERS,
)
from intelligence import selectors, services
from intelligence.serializers import (
    CancelInput,
    CheckInput,
    CheckRequestInput,
    CheckRequestSerializer,
    CheckSerializer,
    CompleteInput,
    RecordInput,
    RecordSerializer,
)


class RecordCreateView(APIView):
    """Record a piece of intelligence linked to names, numbers and addresses."""

    permission_classes = [HasRole]
    allowed_roles = INTEL_RECORD_WRITERS

    @extend_schema(request=RecordInput, responses={201: RecordSerializer})
    def post(self, request):
        data = parse_input(RecordInput, request.data)
        data["people"] = [dict(p) for p in data["people"]]
        record = services.intel_record_create(actor=request.user, **data)
        return Response(
            selectors.record_dict(selectors.record_get(record.pk)), status=status.HTTP_201_CREATED
        )


class RecordDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INTEL_READERS + INTEL_RECORD_WRITERS

    @extend_schema(responses=RecordSerializer)
    def get(self, request, pk: int):
        record = selectors.record_get(pk)
        services.intel_record_viewed(actor=request.user, record=record)
        return Response(selectors.record_dict(record))


class CheckListCreateView(APIView):
    """POST runs a check now (as the requesting person); GET lists an incident's checks."""

    permission_classes = [HasRole]
    allowed_roles = INTEL_READERS

    @extend_schema(request=CheckInput, responses={201: CheckSerializer})
    def post(self, request):
        data = parse_input(CheckInput, request.data)
        incident = incident_get(data["incident"]) if data["incident"] else None
        names = [*data["names"], data["name"]]
        check = services.intel_check_run(
            actor=request.user,
            phone=data["phone"],
            address=data["address"],
            names=[n for n in names if n],
            incident=incident,
        )
        return Response(selectors.check_dict(check), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("incident", int, required=True)],
        responses=CheckSerializer(many=True),
    )
    def get(self, request):
        value = request.query_params.get("incident", "")
        if not value.isdigit():
            raise ValidationFailed("Give the incident: ?incident=<id>.", code="incident_required")
        incident = incident_get(int(value))
        checks = list(selectors.incident_checks(incident.pk)[:50])
        services.intel_checks_viewed(actor=request.user, checks=checks, via="api list")
        return Response([selectors.check_dict(c) for c in checks])


class CheckDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INTEL_READERS

    @extend_schema(responses=CheckSerializer)
    def get(self, request, pk: int):
        check = selectors.check_get(pk)
        services.intel_checks_viewed(actor=request.user, checks=[check], via="api")
        return Response(selectors.check_dict(check))


class CheckRequestListCreateView(generics.ListAPIView):
    """The support operators' queue: GET (?status=OPEN), POST to ask for a deeper check."""

    permission_classes = [HasRole]
    allowed_roles = INTEL_QUEUE_READERS
    write_roles = INTEL_REQUESTERS
    serializer_class = CheckRequestSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.check_requests(status=self.request.query_params.get("status"))

    @extend_schema(request=CheckRequestInput, responses={201: CheckRequestSerializer})
    def post(self, request):
        data = parse_input(CheckRequestInput, request.data)
        incident = incident_get(data.pop("incident")) if data.get("incident") else None
        data.pop("incident", None)
        created = services.check_request_create(actor=request.user, incident=incident, **data)
        return Response(
            CheckRequestSerializer(selectors.check_request_get(created.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class CheckRequestActionView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INTEL_QUEUE_WORKERS
    action_name = "claim"

    @extend_schema(request=None, responses=CheckRequestSerializer)
    def post(self, request, pk: int):
        target = selectors.check_request_get(pk)
        if self.action_name == "claim":
            services.check_request_claim(actor=request.user, request=target)
        elif self.action_name == "complete":
            data = parse_input(CompleteInput, request.data)
            services.check_request_complete(actor=request.user, request=target, **data)
        else:
            data = parse_input(CancelInput, request.data)
            services.check_request_cancel(actor=request.user, request=target, **data)
        return Response(CheckRequestSerializer(selectors.check_request_get(pk)).data)
