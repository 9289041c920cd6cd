"""Alerts, the alert board and grade policies: thin views over services and selectors."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from cad import policies
from core.api import parse_input
from core.permissions import HasRole
from core.roles import ALERT_ACKERS, ALERT_READERS, OPERATIONS_READERS, Role
from monitoring import board, selectors, services
from monitoring.serializers import (
    AlertBoardSerializer,
    AlertSerializer,
    GradePolicyInput,
    GradePolicySerializer,
)


class AlertListView(generics.ListAPIView):
    """Alerts, newest first (`?status=OPEN`, `?kind=BREACHED`)."""

    permission_classes = [HasRole]
    allowed_roles = ALERT_READERS
    serializer_class = AlertSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("kind", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.alerts(status=params.get("status"), kind=params.get("kind"))


class AlertAcknowledgeView(APIView):
    permission_classes = [HasRole]
    allowed_roles = ALERT_ACKERS

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request, pk: int):
        alert = services.alert_acknowledge(actor=request.user, alert=selectors.alert_get(pk))
        return Response(AlertSerializer(alert).data)


class AlertBoardView(APIView):
    """What the supervisor's board shows: unsettled alerts most serious first, open incidents by
    grade and state, and each registered section (the staffing of the running shifts).
    Screens re-sync from here."""

    permission_classes = [HasRole]
    allowed_roles = ALERT_READERS

    @extend_schema(responses=AlertBoardSerializer)
    def get(self, request):
        now = timezone.now()
        snapshot = {
            "at": now,
            "alerts": selectors.alerts_live(),
            "demand": selectors.demand_counts(now=now).rows,
            **{section.key: section.data for section in board.board_sections_read(now)},
        }
        return Response(AlertBoardSerializer(snapshot).data)


class GradePolicyListView(APIView):
    """Target response times per grade, most urgent first."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS_READERS

    @extend_schema(responses=GradePolicySerializer(many=True))
    def get(self, request):
        return Response(GradePolicySerializer(policies.grade_policies(), many=True).data)


class GradePolicyDetailView(APIView):
    """One grade's policy; PATCH (ADMIN) changes it for new gradings."""

    permission_classes = [HasRole]
    allowed_roles = OPERATIONS_READERS
    write_roles = (Role.ADMIN,)

    @extend_schema(responses=GradePolicySerializer)
    def get(self, request, grade: str):
        return Response(GradePolicySerializer(policies.grade_policy_get(grade)).data)

    @extend_schema(request=GradePolicyInput, responses=GradePolicySerializer)
    def patch(self, request, grade: str):
        data = parse_input(GradePolicyInput, request.data)
        policy = policies.grade_policy_update(actor=request.user, grade=grade, **data)
        return Response(GradePolicySerializer(policy).data)
