"""Dispatch API: thin views over services and selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cad import clock
from cad.selectors import incident_get
from core.api import parse_input
from core.permissions import HasRole
from core.roles import (
    CREW_MANAGERS,
    DISPATCH_DESKS,
    DIVERT_READERS,
    OPERATIONS,
    OPERATIONS_READERS,
    UNIT_MOVERS,
    UNIT_READERS,
    Role,
)
from dispatch import selectors, services
from dispatch.serializers import (
    AssignInput,
    AssignmentSerializer,
    BriefingSerializer,
    CrewInput,
    DivertInput,
    DivertReviewInput,
    DivertSerializer,
    InspectorTaskSerializer,
    OutstandingIncidentSerializer,
    OutstandingQuery,
    ReleaseInput,
    ResolveInput,
    UnitInput,
    UnitOptionSerializer,
    UnitPositionInput,
    UnitSerializer,
    UnitStatusInput,
)


def _unit_response(unit_id: int, status_code=status.HTTP_200_OK) -> Response:
    return Response(UnitSerializer(selectors.unit_get(unit_id)).data, status=status_code)


class UnitListCreateView(generics.ListAPIView):
    """Units by call sign (`?status=`, `?unit_type=`); ADMIN adds one."""

    permission_classes = [HasRole]
    allowed_roles = UNIT_READERS
    write_roles = (Role.ADMIN,)
    serializer_class = UnitSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("unit_type", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.units(status=params.get("status"), unit_type=params.get("unit_type"))

    @extend_schema(request=UnitInput, responses={201: UnitSerializer})
    def post(self, request):
        unit = services.unit_create(actor=request.user, **parse_input(UnitInput, request.data))
        return _unit_response(unit.pk, status.HTTP_201_CREATED)


class UnitDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = UNIT_READERS

    @extend_schema(responses=UnitSerializer)
    def get(self, request, pk: int):
        return _unit_response(pk)


class UnitStatusView(APIView):
    """The crew (or the control room) reports the unit's status; AT_SCENE stops the clock."""

    permission_classes = [HasRole]
    allowed_roles = UNIT_MOVERS

    @extend_schema(request=UnitStatusInput, responses=UnitSerializer)
    def post(self, request, pk: int):
        data = parse_input(UnitStatusInput, request.data)
        services.unit_set_status(actor=request.user, unit=selectors.unit_get(pk), **data)
        return _unit_response(pk)


class UnitPositionView(APIView):
    """The crew's device (or the control room) reports where the unit is: `{lat, lon,
    accuracy_m?, recorded_at?}` in WGS84 degrees, metres and ISO 8601 with an offset. Returns
    the unit; a fix older than the one held is accepted and changes nothing."""

    permission_classes = [HasRole]
    allowed_roles = UNIT_MOVERS

    @extend_schema(request=UnitPositionInput, responses=UnitSerializer)
    def post(self, request, pk: int):
        data = parse_input(UnitPositionInput, request.data)
        services.unit_position_report(
            actor=request.user,
            unit=selectors.unit_get(pk),
            latitude=data["lat"],
            longitude=data["lon"],
            accuracy_m=data["accuracy_m"],
            recorded_at=data["recorded_at"],
        )
        return _unit_response(pk)


class UnitReleaseView(APIView):
    """End the unit's commitment; the last unit leaving before arrival puts the incident back
    on the outstanding list."""

    permission_classes = [HasRole]
    allowed_roles = UNIT_MOVERS

    @extend_schema(request=ReleaseInput, responses=UnitSerializer)
    def post(self, request, pk: int):
        data = parse_input(ReleaseInput, request.data)
        services.unit_release(actor=request.user, unit=selectors.unit_get(pk), **data)
        return _unit_response(pk)


class UnitCrewView(APIView):
    permission_classes = [HasRole]
    allowed_roles = CREW_MANAGERS

    @extend_schema(request=CrewInput, responses=UnitSerializer)
    def post(self, request, pk: int):
        data = parse_input(CrewInput, request.data)
        services.unit_crew_set(actor=request.user, unit=selectors.unit_get(pk), **data)
        return _unit_response(pk)


class UnitDivertView(APIView):
    """Move a committed unit to another incident: a divert, reviewed by a controller."""

    permission_classes = [HasRole]
    allowed_roles = DISPATCH_DESKS

    @extend_schema(request=DivertInput, responses={201: DivertSerializer})
    def post(self, request, pk: int):
        data = parse_input(DivertInput, request.data)
        divert = services.unit_divert(actor=request.user, unit=selectors.unit_get(pk), **data)
        return Response(
            DivertSerializer(selectors.divert_get(divert.pk)).data, status=status.HTTP_201_CREATED
        )


class UnitBriefingView(APIView):
    """The whole incident the unit is committed to (`incident` null when it has none)."""

    permission_classes = [HasRole]
    allowed_roles = UNIT_READERS

    @extend_schema(responses=BriefingSerializer)
    def get(self, request, pk: int):
        return Response(BriefingSerializer(selectors.unit_briefing(pk, user=request.user)).data)


class IncidentAssignView(APIView):
    permission_classes = [HasRole]
    allowed_roles = DISPATCH_DESKS

    @extend_schema(request=AssignInput, responses={201: AssignmentSerializer})
    def post(self, request, pk: int):
        data = parse_input(AssignInput, request.data)
        assignment = services.unit_assign(
            actor=request.user, incident=incident_get(pk), unit=data["unit"]
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class IncidentRecommendedUnitsView(APIView):
    """Available units for an incident: capability (`?capability=ARMED&capability=DOG`) first,
    then nearest (haversine on stored coordinates)."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS

    @extend_schema(
        parameters=[OpenApiParameter("capability", str, many=True)],
        responses=UnitOptionSerializer(many=True),
    )
    def get(self, request, pk: int):
        options = selectors.units_recommended_for(
            incident_get(pk), capabilities=request.query_params.getlist("capability")
        )
        return Response(UnitOptionSerializer(options, many=True).data)


class OutstandingListView(generics.ListAPIView):
    """Open incidents no unit has reached, most urgent first (paginated)."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS_READERS
    serializer_class = OutstandingIncidentSerializer
    filter_backends: list = []

    @extend_schema(parameters=[OutstandingQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.incidents_outstanding(
            **parse_input(OutstandingQuery, self.request.query_params)
        )

    def paginate_queryset(self, queryset):
        return selectors.outstanding_rows(super().paginate_queryset(queryset))

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "due_soon_leads": clock.due_soon_leads(),
        }


class DivertListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = DIVERT_READERS
    serializer_class = DivertSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.diverts(status=self.request.query_params.get("status"))


class DivertDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = DIVERT_READERS

    @extend_schema(responses=DivertSerializer)
    def get(self, request, pk: int):
        return Response(DivertSerializer(selectors.divert_get(pk)).data)


class DivertReviewView(APIView):
    permission_classes = [HasRole]
    allowed_roles = (Role.CONTROLLER,)

    @extend_schema(request=DivertReviewInput, responses=DivertSerializer)
    def post(self, request, pk: int):
        data = parse_input(DivertReviewInput, request.data)
        services.divert_review(actor=request.user, divert=selectors.divert_get(pk), **data)
        return Response(DivertSerializer(selectors.divert_get(pk)).data)


class InspectorTaskListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = DIVERT_READERS
    serializer_class = InspectorTaskSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.inspector_tasks(status=self.request.query_params.get("status"))


class InspectorTaskResolveView(APIView):
    permission_classes = [HasRole]
    allowed_roles = (Role.INSPECTOR,)

    @extend_schema(request=ResolveInput, responses=InspectorTaskSerializer)
    def post(self, request, pk: int):
        data = parse_input(ResolveInput, request.data)
        services.inspector_task_resolve(
            actor=request.user, task=selectors.inspector_task_get(pk), **data
        )
        return Response(InspectorTaskSerializer(selectors.inspector_task_get(pk)).data)
