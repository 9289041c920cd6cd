"""API for grade policies, the alert board and staffing: thin views over services and
selectors (dispatch/monitoring.py, dispatch/staffing.py, dispatch/monitoring_selectors.py)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cad.exceptions import NotFound
from core.permissions import HasRole
from core.roles import OPERATIONS, Role
from dispatch import monitoring, monitoring_selectors, staffing
from dispatch.api import ALERT_ROLES
from dispatch.models import Shift, SignOn, StaffingMinimum
from dispatch.monitoring_serializers import (
    BoardAlertSerializer,
    DemandRowSerializer,
    GradePolicyInput,
    GradePolicySerializer,
    MinimumInput,
    RequirementSerializer,
    ShiftInput,
    ShiftSerializer,
    ShiftStaffingSerializer,
    SignOnInput,
    SignOnSerializer,
    StaffingMinimumSerializer,
)

POLICY_READERS = OPERATIONS + (Role.QA_REVIEWER,)
EVERY_ROLE = tuple(Role.values)


def _parse(serializer_class, data, **kwargs):
    s = serializer_class(data=data, **kwargs)
    s.is_valid(raise_exception=True)
    return s.validated_data


# --- Grade policies ------------------------------------------------------------------------------


class GradePolicyListView(APIView):
    """Target response times per grade, most urgent first."""

    permission_classes = [HasRole]
    allowed_roles = POLICY_READERS

    @extend_schema(responses=GradePolicySerializer(many=True))
    def get(self, request):
        policies = monitoring_selectors.grade_policies()
        return Response(GradePolicySerializer(policies, many=True).data)


class GradePolicyDetailView(APIView):
    """One grade's policy; PATCH (ADMIN) changes it for new gradings."""

    permission_classes = [HasRole]
    allowed_roles = POLICY_READERS
    write_roles = (Role.ADMIN,)

    @extend_schema(responses=GradePolicySerializer)
    def get(self, request, grade: str):
        return Response(GradePolicySerializer(monitoring_selectors.grade_policy_get(grade)).data)

    @extend_schema(request=GradePolicyInput, responses=GradePolicySerializer)
    def patch(self, request, grade: str):
        data = _parse(GradePolicyInput, request.data)
        policy = monitoring.grade_policy_update(actor=request.user, grade=grade, **data)
        return Response(GradePolicySerializer(policy).data)


# --- Alert board ---------------------------------------------------------------------------------


class AlertBoardView(APIView):
    """What the supervisor's board shows: unsettled alerts most serious first, open incidents by
    grade and state, and the staffing of the running shifts. Screens re-sync from here."""

    permission_classes = [HasRole]
    allowed_roles = ALERT_ROLES

    @extend_schema(
        responses=inline_serializer(
            "AlertBoard",
            {
                "at": serializers.DateTimeField(),
                "alerts": BoardAlertSerializer(many=True),
                "demand": DemandRowSerializer(many=True),
                "staffing": ShiftStaffingSerializer(many=True),
            },
        )
    )
    def get(self, request):
        now = timezone.now()
        return Response(
            {
                "at": now,
                "alerts": BoardAlertSerializer(monitoring_selectors.alerts_live(), many=True).data,
                "demand": DemandRowSerializer(
                    monitoring_selectors.demand_counts(now=now).rows, many=True
                ).data,
                "staffing": ShiftStaffingSerializer(
                    staffing.staffing_state(now=now), many=True
                ).data,
            }
        )


# --- Staffing ------------------------------------------------------------------------------------


class StaffingView(APIView):
    """The running shifts: per role the minimum, who is signed on, and any gap."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=ShiftStaffingSerializer(many=True))
    def get(self, request):
        return Response(ShiftStaffingSerializer(staffing.staffing_state(), many=True).data)


class StaffingMinimumListView(APIView):
    """The default minimum per role that new shifts copy (ADMIN sets them)."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=StaffingMinimumSerializer(many=True))
    def get(self, request):
        return Response(StaffingMinimumSerializer(StaffingMinimum.objects.all(), many=True).data)


class StaffingMinimumDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE
    write_roles = (Role.ADMIN,)

    @extend_schema(request=MinimumInput, responses=StaffingMinimumSerializer)
    def put(self, request, role: str):
        data = _parse(MinimumInput, request.data)
        row = staffing.staffing_minimum_set(actor=request.user, role=role, **data)
        return Response(StaffingMinimumSerializer(row).data)

    patch = put


class ShiftListView(APIView):
    """GET the latest shifts; POST (SUPERVISOR, ADMIN) creates one."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE
    write_roles = (Role.SUPERVISOR, Role.ADMIN)

    @extend_schema(responses=ShiftSerializer(many=True))
    def get(self, request):
        shifts = Shift.objects.prefetch_related("requirements")[:50]
        return Response(ShiftSerializer(shifts, many=True).data)

    @extend_schema(request=ShiftInput, responses={201: ShiftSerializer})
    def post(self, request):
        data = _parse(ShiftInput, request.data)
        shift = staffing.shift_create(actor=request.user, **data)
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ShiftRequirementView(APIView):
    """PUT {minimum} (SUPERVISOR, ADMIN): one role's minimum on one shift (0 removes it)."""

    permission_classes = [HasRole]
    allowed_roles = (Role.SUPERVISOR, Role.ADMIN)

    @extend_schema(request=MinimumInput, responses=RequirementSerializer)
    def put(self, request, pk: int, role: str):
        data = _parse(MinimumInput, request.data)
        staffing.shift_requirement_set(
            actor=request.user, shift=_shift(pk), role=role, minimum=data["minimum"]
        )
        return Response({"role": role, "minimum": data["minimum"]})


class SignOnListView(APIView):
    """GET who is signed on now; POST {role, position, shift?, user?} signs on (yourself, or
    someone else as a supervisor)."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=SignOnSerializer(many=True))
    def get(self, request):
        rows = SignOn.objects.filter(signed_off_at__isnull=True).select_related("user")
        return Response(SignOnSerializer(rows, many=True).data)

    @extend_schema(request=SignOnInput, responses={201: SignOnSerializer})
    def post(self, request):
        data = _parse(SignOnInput, request.data)
        sign_on = staffing.staff_sign_on(
            actor=request.user,
            role=data["role"],
            position=data["position"],
            shift=_shift(data["shift"]) if data.get("shift") else None,
            user=staffing.user_by_username(data["user"]) if data.get("user") else None,
        )
        return Response(SignOnSerializer(sign_on).data, status=status.HTTP_201_CREATED)


class SignOffView(APIView):
    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(request=None, responses=SignOnSerializer)
    def post(self, request, pk: int):
        sign_on = staffing.staff_sign_off(actor=request.user, sign_on=_sign_on(pk))
        return Response(SignOnSerializer(sign_on).data)


def _shift(pk: int) -> Shift:
    try:
        return Shift.objects.get(pk=pk)
    except Shift.DoesNotExist:
        raise NotFound(f"Shift {pk} does not exist.") from None


def _sign_on(pk: int) -> SignOn:
    try:
        return SignOn.objects.get(pk=pk)
    except SignOn.DoesNotExist:
        raise NotFound(f"Sign-on {pk} does not exist.") from None
