"""The markers API: thin views that parse, call one service or selector, and render."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse_input
from core.permissions import HasRole
from core.roles import MARKER_MANAGERS, MARKER_MATCH_DISMISSERS, MARKER_READERS
from premises.addressing import address_query
from riskflags import selectors, services
from riskflags.serializers import (
    DismissalSerializer,
    DismissMatchInput,
    ExtendInput,
    HistoryEventSerializer,
    MarkerDetailSerializer,
    MarkerInput,
    MarkerMatchSerializer,
    MarkerSerializer,
    MarkerUpdateInput,
    MatchInput,
    VictimContactInput,
    VictimContactSerializer,
    WithdrawInput,
)


def _detail(marker_id) -> dict:
    return MarkerDetailSerializer(selectors.marker_get(marker_id)).data


class MarkerListCreateView(generics.ListAPIView):
    """List markers (`?show=active|review_due|awaiting_start|expired|withdrawn|all`, `?status=`,
    `?q=`, `?oic=username`) or create one."""

    permission_classes = [HasRole]
    allowed_roles = MARKER_READERS
    write_roles = MARKER_MANAGERS
    serializer_class = MarkerSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.marker_list(
            show=params.get("show") or "all",
            status=params.get("status") or "",
            q=params.get("q") or "",
            oic_username=params.get("oic") or "",
            now=timezone.now(),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("show", str, enum=list(selectors.MARKER_FILTERS)),
            OpenApiParameter("status", str, enum=["ACTIVE", "EXPIRED", "WITHDRAWN"]),
            OpenApiParameter("q", str),
            OpenApiParameter("oic", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        services.marker_list_viewed(
            actor=request.user,
            marker_ids=[m["id"] for m in response.data["results"]],
            via="list api",
        )
        return response

    @extend_schema(
        request=MarkerInput,
        responses={
            201: MarkerDetailSerializer,
            400: OpenApiResponse(
                description="Bad dates (over 183 days), unknown OIC, phone_invalid..."
            ),
            409: OpenApiResponse(
                description="duplicate_marker: `duplicates` lists the in-force markers it "
                "repeats; send confirm_duplicate: true to create it anyway"
            ),
        },
    )
    def post(self, request):
        data = parse_input(MarkerInput, request.data)
        try:
            marker = services.marker_create(actor=request.user, **data)
        except services.DuplicateMarkers as duplicate:
            return Response(
                {
                    "detail": duplicate.message,
                    "code": duplicate.code,
                    "duplicates": [d.as_dict() for d in duplicate.duplicates],
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(_detail(marker.pk), status=status.HTTP_201_CREATED)


class MarkerDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = MARKER_READERS
    write_roles = MARKER_MANAGERS

    @extend_schema(responses=MarkerDetailSerializer)
    def get(self, request, pk: int):
        data = _detail(pk)
        services.markers_viewed(actor=request.user, marker_ids=[pk], via="api")
        return Response(data)

    @extend_schema(
        request=MarkerUpdateInput,
        responses={
            200: MarkerDetailSerializer,
            409: OpenApiResponse(description="The marker is expired or withdrawn"),
        },
    )
    def patch(self, request, pk: int):
        data = parse_input(MarkerUpdateInput, request.data)
        services.marker_update(actor=request.user, marker=selectors.marker_get(pk), **data)
        return Response(_detail(pk))


class MarkerContactsView(APIView):
    permission_classes = [HasRole]
    allowed_roles = MARKER_READERS
    write_roles = MARKER_MANAGERS

    @extend_schema(responses=VictimContactSerializer(many=True))
    def get(self, request, pk: int):
        contacts = selectors.marker_contacts(selectors.marker_get(pk))
        services.markers_viewed(actor=request.user, marker_ids=[pk], via="contacts api")
        return Response(VictimContactSerializer(contacts, many=True).data)

    @extend_schema(request=VictimContactInput, responses={201: VictimContactSerializer})
    def post(self, request, pk: int):
        data = parse_input(VictimContactInput, request.data)
        contact = services.victim_contact_record(
            actor=request.user, marker=selectors.marker_get(pk), **data
        )
        return Response(VictimContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class MarkerWithdrawView(APIView):
    permission_classes = [HasRole]
    allowed_roles = MARKER_MANAGERS

    @extend_schema(
        request=WithdrawInput,
        responses={
            200: MarkerDetailSerializer,
            409: OpenApiResponse(description="No withdrawal contact attempt recorded, or ended"),
        },
    )
    def post(self, request, pk: int):
        data = parse_input(WithdrawInput, request.data)
        services.marker_withdraw(actor=request.user, marker=selectors.marker_get(pk), **data)
        return Response(_detail(pk))


class MarkerExtendView(APIView):
    permission_classes = [HasRole]
    allowed_roles = MARKER_MANAGERS

    @extend_schema(
        request=ExtendInput,
        responses={
            200: MarkerDetailSerializer,
            400: OpenApiResponse(description="Over 183 days from today, or not later"),
            409: OpenApiResponse(description="No extension contact attempt recorded, or ended"),
        },
    )
    def post(self, request, pk: int):
        data = parse_input(ExtendInput, request.data)
        services.marker_extend(actor=request.user, marker=selectors.marker_get(pk), **data)
        return Response(_detail(pk))


class MarkerHistoryView(APIView):
    """The marker's full history (append-only audit events), oldest first."""

    permission_classes = [HasRole]
    allowed_roles = MARKER_READERS

    @extend_schema(responses=HistoryEventSerializer(many=True))
    def get(self, request, pk: int):
        events = list(selectors.marker_history(selectors.marker_get(pk)))
        services.markers_viewed(actor=request.user, marker_ids=[pk], via="history api")
        return Response(HistoryEventSerializer(events, many=True).data)


class MarkerMatchView(APIView):
    """Live and past markers at a number and/or address (`?phone=&address=&uprn=`), most
    relevant first. The address is matched by premises with the one matcher: each item's
    `address_match` says EXACT or PROBABLE (with the reason)."""

    permission_classes = [HasRole]
    allowed_roles = MARKER_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str),
            OpenApiParameter("address", str),
            OpenApiParameter("uprn", str, description="A premises picked from the register"),
        ],
        responses=MarkerMatchSerializer(many=True),
    )
    def get(self, request):
        data = parse_input(MatchInput, request.query_params)
        place = None
        if data["address"] or data["uprn"]:
            place = address_query(data["address"], uprn=data["uprn"] or None)
        found = selectors.markers_matching(phone=data["phone"], place=place)
        services.markers_viewed(
            actor=request.user, marker_ids=[m["id"] for m in found], via="match api"
        )
        return Response(found)


class MarkerDismissMatchView(APIView):
    """POST {incident, reason}: the marker was found at the incident's address only probably,
    and the handler says it is not this address. Its floor no longer applies to the incident,
    which is assessed again. 201 with the dismissal; 409 when the match is exact, on the
    caller's number, already dismissed, or the incident is closed."""

    permission_classes = [HasRole]
    allowed_roles = MARKER_MATCH_DISMISSERS

    @extend_schema(
        request=DismissMatchInput,
        responses={
            201: DismissalSerializer,
            400: OpenApiResponse(description="No reason"),
            409: OpenApiResponse(description="Not a probable match, or the incident is closed"),
        },
    )
    def post(self, request, pk: int):
        data = parse_input(DismissMatchInput, request.data)
        dismissal = services.marker_match_dismiss(
            actor=request.user, marker_id=pk, incident_id=data["incident"], reason=data["reason"]
        )
        return Response(DismissalSerializer(dismissal).data, status=status.HTTP_201_CREATED)
