"""The cad API: thin views that parse, call one service or selector, and render."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cad import context as call_context
from cad import selectors, services
from cad.forms import split_names
from cad.models import GradeRequest
from cad.serializers import (
    AssessInput,
    AssessmentSerializer,
    AttachCallInput,
    AuditEventSerializer,
    CloseInput,
    ClosingCodeSerializer,
    ContactInput,
    ContactSerializer,
    DaAnswersInput,
    DecisionInput,
    DomesticAbuseInput,
    GradeInput,
    GradeRequestSerializer,
    IncidentInput,
    IncidentListSerializer,
    IncidentSerializer,
    IncidentUpdateInput,
    LogEntrySerializer,
    LogInput,
    MergeInput,
    OpeningCodeSerializer,
    PossibleDuplicateSerializer,
    PossibleDuplicatesQuery,
    ThriveInput,
    ThriveViewSerializer,
)
from cad.warnings import assessment_warnings
from core.api import parse_input
from core.permissions import HasRole
from core.roles import (
    CALL_ASSESSORS,
    CALL_TAKERS,
    CLOSERS,
    DETAILS_EDITORS,
    DOWNGRADE_SIGNERS,
    GRADE_REQUEST_READERS,
    GRADERS,
    INCIDENT_MERGERS,
    INCIDENT_READERS,
    LOG_WRITERS,
    OPERATIONS,
)

ERRORS = {
    400: OpenApiResponse(description='Bad input: {"detail", "code"}'),
    403: OpenApiResponse(description="Your role does not allow this"),
    404: OpenApiResponse(description="No such incident"),
    409: OpenApiResponse(description="Not allowed in the incident's current state"),
}


def _incident(request, pk: int) -> Response:
    return Response(_incident_data(request, selectors.incident_get(pk)))


def _incident_data(request, incident) -> dict:
    """The incident as the requesting user may read it (their reads of intelligence and
    markers audited)."""
    reader = call_context.Reader(user=request.user, via="incident api")
    return IncidentSerializer(incident, context={"reader": reader}).data


class AssessView(APIView):
    """Assess a call without recording anything."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS

    @extend_schema(request=AssessInput, responses={200: AssessmentSerializer, 400: ERRORS[400]})
    def post(self, request):
        data = parse_input(AssessInput, request.data)
        assessment, _ = services.call_assess(**data)
        body = assessment.as_dict()
        # What the context found about the number, the address and the people, each once.
        body["warnings"] = assessment_warnings(body)
        return Response(body)


class ContactListCreateView(generics.ListAPIView):
    """Contacts on every channel; POST records one that raised no incident (e.g. a switchboard
    message), or a further contact about an incident (`incident`)."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS
    write_roles = CALL_TAKERS
    serializer_class = ContactSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str, description="Any format; matched in E.164"),
            OpenApiParameter("channel", str),
            OpenApiParameter("incident", int),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        incident = params.get("incident")
        return selectors.contact_list(
            phone=params.get("phone"),
            channel=params.get("channel"),
            incident_id=int(incident) if incident and incident.isdigit() else None,
        )

    @extend_schema(request=ContactInput, responses={201: ContactSerializer, **ERRORS})
    def post(self, request):
        data = parse_input(ContactInput, request.data)
        incident_id = data.pop("incident", None)
        incident = selectors.incident_get(incident_id) if incident_id else None
        contact = services.contact_create(actor=request.user, incident=incident, **data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class IncidentListCreateView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = CALL_TAKERS
    serializer_class = IncidentListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("grade", str),
            OpenApiParameter("channel", str),
            OpenApiParameter("area", str),
            OpenApiParameter("domestic_abuse", bool),
            OpenApiParameter("tag", str),
            OpenApiParameter("open", bool),
            OpenApiParameter("q", str, description="Reference, address, caller, number or words"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.incident_list(
            status=params.get("status"),
            grade=params.get("grade"),
            channel=params.get("channel"),
            area=params.get("area"),
            domestic_abuse=params.get("domestic_abuse"),
            tag=params.get("tag"),
            open_only=params.get("open"),
            q=params.get("q"),
        )

    @extend_schema(
        request=IncidentInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER)],
        responses={201: IncidentSerializer, **ERRORS},
    )
    def post(self, request):
        data = parse_input(IncidentInput, request.data)
        key = data.pop("idempotency_key", None) or request.headers.get("Idempotency-Key")
        incident = services.incident_create(
            actor=request.user,
            idempotency_key=key,
            respond=lambda created: _incident_data(request, created),
            **data,
        )
        if getattr(incident, "replayed", False):
            response = _incident(request, incident.pk)
            response["Idempotent-Replayed"] = "true"
        else:
            # Built inside the create's transaction (`respond`), from what the create wrote and
            # holds (`cad.services.trail.hold_new`): the same body a read of the incident gives,
            # without reading it back, and the reads it audits commit with the call.
            body = getattr(incident, "response", None)
            if body is None:  # building it there failed (logged): build it now
                with services.created_rows(incident):
                    body = _incident_data(request, incident)
            response = Response(body)
        response.status_code = status.HTTP_201_CREATED
        return response


class PossibleDuplicatesView(APIView):
    """Open incidents a new call may be about ("possibly the same incident"): received or called
    about in the last 24 hours, sharing the number, the premises or a named person."""

    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str, description="Any format; matched in E.164"),
            OpenApiParameter("address", str, description="Matched on its normalised form"),
            OpenApiParameter(
                "names",
                str,
                description="Named people (caller included), comma-separated; a name needs "
                "two words or more",
            ),
        ],
        responses=inline_serializer(
            "PossibleDuplicates", {"results": PossibleDuplicateSerializer(many=True)}
        ),
    )
    def get(self, request):
        query = parse_input(PossibleDuplicatesQuery, request.query_params)
        duplicates = selectors.possible_duplicates(
            phone=query["phone"], address=query["address"], names=split_names(query["names"])
        )
        return Response({"results": PossibleDuplicateSerializer(duplicates, many=True).data})


class IncidentAttachCallView(APIView):
    """Attach a call to this open incident instead of creating a new one: it is recorded as a
    further contact (log line, reassessment) and the choice is audited."""

    permission_classes = [HasRole]
    allowed_roles = CALL_TAKERS

    @extend_schema(request=AttachCallInput, responses={201: ContactSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(AttachCallInput, request.data)
        contact = services.call_attach(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class IncidentMergeView(APIView):
    """Merge this incident into `into` (the survivor, returned): both logs, every contact and
    unit, the more urgent grade and DA carry on there; this one is closed as a duplicate."""

    permission_classes = [HasRole]
    allowed_roles = INCIDENT_MERGERS

    @extend_schema(request=MergeInput, responses={200: IncidentSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(MergeInput, request.data)
        survivor = services.incident_merge(
            actor=request.user,
            incident=selectors.incident_get(pk),
            into=selectors.incident_get(data["into"]),
            reason=data["reason"],
        )
        return _incident(request, survivor.pk)


class IncidentDetailView(APIView):
    """GET the whole incident; PATCH corrects caller, number, address, named people, area or
    opening code (the intelligence check runs again on new details)."""

    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = DETAILS_EDITORS

    @extend_schema(responses={200: IncidentSerializer, 404: ERRORS[404]})
    def get(self, request, pk: int):
        incident = selectors.incident_get(pk)
        services.incident_view_record(actor=request.user, incident=incident, via="api")
        return Response(_incident_data(request, incident))

    @extend_schema(request=IncidentUpdateInput, responses={200: IncidentSerializer, **ERRORS})
    def patch(self, request, pk: int):
        data = parse_input(IncidentUpdateInput, request.data)
        services.incident_update_details(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        return _incident(request, pk)


class IncidentLogView(APIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = LOG_WRITERS

    @extend_schema(responses=LogEntrySerializer(many=True))
    def get(self, request, pk: int):
        incident = selectors.incident_get(pk)
        return Response(LogEntrySerializer(incident.log_entries.all(), many=True).data)

    @extend_schema(request=LogInput, responses={201: LogEntrySerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(LogInput, request.data)
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
            **ERRORS,
        },
    )
    def post(self, request, pk: int):
        data = parse_input(GradeInput, request.data)
        result = services.incident_grade(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        if isinstance(result, GradeRequest):
            return Response(
                {"grade_request": GradeRequestSerializer(result).data},
                status=status.HTTP_202_ACCEPTED,
            )
        return _incident(request, pk)


class IncidentCloseView(APIView):
    permission_classes = [HasRole]
    allowed_roles = CLOSERS

    @extend_schema(request=CloseInput, responses={200: IncidentSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(CloseInput, request.data)
        services.incident_close(actor=request.user, incident=selectors.incident_get(pk), **data)
        return _incident(request, pk)


class IncidentDomesticAbuseView(APIView):
    """Add or remove the DA qualifier (removing needs a reason)."""

    permission_classes = [HasRole]
    allowed_roles = GRADERS

    @extend_schema(request=DomesticAbuseInput, responses={200: IncidentSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(DomesticAbuseInput, request.data)
        services.incident_set_domestic_abuse(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        return _incident(request, pk)


class IncidentDaAnswersView(APIView):
    """Record the handler's answers to the DA questions; the incident is reassessed with them
    (answers confirming DA hold it at PRIORITY, or IMMEDIATE with the person there now)."""

    permission_classes = [HasRole]
    allowed_roles = CALL_ASSESSORS

    @extend_schema(request=DaAnswersInput, responses={200: IncidentSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(DaAnswersInput, request.data)
        services.incident_da_answers_record(
            actor=request.user, incident=selectors.incident_get(pk), **data
        )
        return _incident(request, pk)


class IncidentThriveView(APIView):
    """GET the incident's THRIVE (current, the engine's suggestion, every version); PUT records
    a new version: the suggestion as it stands is CONFIRMED, anything else EDITED. Officers read
    THRIVE in their briefing."""

    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    write_roles = CALL_ASSESSORS

    @extend_schema(responses={200: ThriveViewSerializer, 404: ERRORS[404]})
    def get(self, request, pk: int):
        return Response(selectors.thrive_view(selectors.incident_get(pk)))

    @extend_schema(request=ThriveInput, responses={200: ThriveViewSerializer, **ERRORS})
    def put(self, request, pk: int):
        data = parse_input(ThriveInput, request.data)
        services.incident_thrive_record(
            actor=request.user, incident=selectors.incident_get(pk), panel=data
        )
        return Response(selectors.thrive_view(selectors.incident_get(pk)))


class IncidentTimelineView(APIView):
    """The incident's audit trail, oldest first."""

    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS

    @extend_schema(responses=AuditEventSerializer(many=True))
    def get(self, request, pk: int):
        events = selectors.incident_timeline(selectors.incident_get(pk))
        return Response(AuditEventSerializer(events, many=True).data)


class GradeRequestListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = GRADE_REQUEST_READERS
    serializer_class = GradeRequestSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.grade_requests(status=self.request.query_params.get("status"))


class GradeRequestDecisionView(APIView):
    permission_classes = [HasRole]
    allowed_roles = DOWNGRADE_SIGNERS
    approve = True

    @extend_schema(request=DecisionInput, responses={200: GradeRequestSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = parse_input(DecisionInput, request.data)
        result = services.grade_request_decide(
            actor=request.user,
            grade_request=selectors.grade_request_get(pk),
            approve=self.approve,
            **data,
        )
        return Response(GradeRequestSerializer(result).data)


class OpeningCodeListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    serializer_class = OpeningCodeSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.opening_codes()


class ClosingCodeListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = INCIDENT_READERS
    serializer_class = ClosingCodeSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.closing_codes()
