"""The cad API: thin views that parse, call one service or selector, and render."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cad import selectors, services
from cad.models import GradeRequest, IncidentStatus
from cad.serializers import (
    AssessInput,
    AssessmentSerializer,
    ContactInput,
    ContactSerializer,
    DecisionInput,
    GradeInput,
    GradeRequestSerializer,
    IncidentInput,
    IncidentListSerializer,
    IncidentSerializer,
    LogEntrySerializer,
    LogInput,
)
from core.permissions import HasRole
from core.roles import OPERATIONS, Role

CALL_TAKERS = (Role.CALL_HANDLER, Role.SUPERVISOR, Role.ADMIN)
GRADERS = (Role.CALL_HANDLER, Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR, Role.SUPERVISOR)
INCIDENT_READERS = OPERATIONS + (Role.OFFICER, Role.QA_REVIEWER)
LOG_WRITERS = OPERATIONS + (Role.OFFICER,)


def _parse(serializer_class, data):
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return s.validated_data


class AssessView(APIView):
    """Assess a call without recording anything."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS

    @extend_schema(request=AssessInput, responses=AssessmentSerializer)
    def post(self, request):
        data = _parse(AssessInput, request.data)
        assessment, _ = services.call_assess(**data)
        return Response(assessment.as_dict())


class ContactCreateView(generics.ListCreateAPIView):
    """Record a contact that raised no incident (e.g. a switchboard message)."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS
    write_roles = CALL_TAKERS
    serializer_class = ContactSerializer

    def get_queryset(self):
        from cad.models import Contact

        return Contact.objects.select_related("handler").order_by("-received_at", "-id")

    @extend_schema(request=ContactInput, responses={201: ContactSerializer})
    def post(self, request):
        data = _parse(ContactInput, request.data)
        contact = services.contact_create(actor=request.user, **data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class IncidentListCreateView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = CALL_TAKERS
    serializer_class = IncidentListSerializer

    def get_queryset(self):
        value = self.request.query_params.get("status")
        if value and value not in IncidentStatus.values:
            from cad.exceptions import ValidationFailed

            raise ValidationFailed(f"Unknown status '{value}'.", code="unknown_status")
        return selectors.incident_list(status=value)

    @extend_schema(request=IncidentInput, responses={201: IncidentSerializer})
    def post(self, request):
        data = _parse(IncidentInput, request.data)
        key = data.pop("idempotency_key", None) or request.headers.get("Idempotency-Key")
        incident = services.incident_create(actor=request.user, idempotency_key=key, **data)
        incident = selectors.incident_get(incident.pk)
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS

    @extend_schema(responses=IncidentSerializer)
    def get(self, request, pk: int):
        return Response(IncidentSerializer(selectors.incident_get(pk)).data)


class IncidentLogView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = LOG_WRITERS

    @extend_schema(responses=LogEntrySerializer(many=True))
    def get(self, request, pk: int):
        incident = selectors.incident_get(pk)
        return Response(LogEntrySerializer(incident.log_entries.all(), many=True).data)

    @extend_schema(request=LogInput, responses={201: LogEntrySerializer})
    def post(self, request, pk: int):
        data = _parse(LogInput, request.data)
        entry = services.incident_log_add(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class IncidentGradeView(APIView):
    permission_classes = [HasRole]
    allowed_roles = GRADERS

    @extend_schema(
        request=GradeInput,
        responses={
            200: IncidentSerializer,
            202: inline_serializer(
                "GradeRequestAccepted", {"grade_request": GradeRequestSerializer()}
            ),
            400: OpenApiResponse(description="Below the minimum grade without a reason"),
        },
    )
    def post(self, request, pk: int):
        data = _parse(GradeInput, request.data)
        result = services.incident_grade(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        if isinstance(result, GradeRequest):
            return Response(
                {"grade_request": GradeRequestSerializer(result).data},
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(IncidentSerializer(selectors.incident_get(pk)).data)


class GradeRequestListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = (Role.SUPERVISOR, Role.CALL_HANDLER, Role.QA_REVIEWER, Role.ADMIN)
    serializer_class = GradeRequestSerializer

    def get_queryset(self):
        value = self.request.query_params.get("status")
        if value and value not in GradeRequest.Status.values:
            from cad.exceptions import ValidationFailed

            raise ValidationFailed(f"Unknown status '{value}'.", code="unknown_status")
        return selectors.grade_requests(status=value)


class GradeRequestDecisionView(APIView):
    permission_classes = [HasRole]
    allowed_roles = (Role.SUPERVISOR,)
    approve = True

    @extend_schema(request=DecisionInput, responses=GradeRequestSerializer)
    def post(self, request, pk: int):
        data = _parse(DecisionInput, request.data)
        result = services.grade_request_decide(
            actor=request.user,
            grade_request=selectors.grade_request_get(pk),
            approve=self.approve,
            **data,
        )
        return Response(GradeRequestSerializer(result).data)
