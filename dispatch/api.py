"""Dispatch API: thin views over services and selectors."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import HasRole
from core.roles import Role
from dispatch import alerts as alert_services
from dispatch import selectors
from dispatch.serializers import AlertSerializer

ALERT_ROLES = (
    Role.DISPATCHER,
    Role.CONTROLLER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
    Role.QA_REVIEWER,
    Role.ADMIN,
)
ALERT_ACKERS = (Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR, Role.SUPERVISOR)


class AlertListView(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = ALERT_ROLES
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
        alert = alert_services.alert_acknowledge(actor=request.user, alert=selectors.alert_get(pk))
        return Response(AlertSerializer(alert).data)
