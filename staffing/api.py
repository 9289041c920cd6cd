"""Staffing API: thin views over services and selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse_input
from core.permissions import HasRole
from core.roles import EVERY_ROLE, STAFFING_MANAGERS, Role
from staffing import selectors, services
from staffing.serializers import (
    MinimumInput,
    RequirementSerializer,
    ShiftInput,
    ShiftSerializer,
    ShiftStaffingSerializer,
    SignOnInput,
    SignOnSerializer,
    StaffingMinimumSerializer,
)


class StaffingView(APIView):
    """The running shifts: per role the minimum, who is signed on, and any gap."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=ShiftStaffingSerializer(many=True))
    def get(self, request):
        return Response(ShiftStaffingSerializer(selectors.staffing_state(), many=True).data)


class StaffingMinimumListView(APIView):
    """The default minimum per role that new shifts copy (ADMIN sets them)."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=StaffingMinimumSerializer(many=True))
    def get(self, request):
        minimums = selectors.staffing_minimums()
        return Response(StaffingMinimumSerializer(minimums, many=True).data)


class StaffingMinimumDetailView(APIView):
    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE
    write_roles = (Role.ADMIN,)

    @extend_schema(request=MinimumInput, responses=StaffingMinimumSerializer)
    def put(self, request, role: str):
        data = parse_input(MinimumInput, request.data)
        row = services.staffing_minimum_set(actor=request.user, role=role, **data)
        return Response(StaffingMinimumSerializer(row).data)

    patch = put


class ShiftListView(APIView):
    """GET the latest shifts; POST (SUPERVISOR, ADMIN) creates one."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE
    write_roles = STAFFING_MANAGERS

    @extend_schema(responses=ShiftSerializer(many=True))
    def get(self, request):
        return Response(ShiftSerializer(selectors.shifts_latest(), many=True).data)

    @extend_schema(request=ShiftInput, responses={201: ShiftSerializer})
    def post(self, request):
        data = parse_input(ShiftInput, request.data)
        shift = services.shift_create(actor=request.user, **data)
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ShiftRequirementView(APIView):
    """PUT {minimum} (SUPERVISOR, ADMIN): one role's minimum on one shift (0 removes it)."""

    permission_classes = [HasRole]
    allowed_roles = STAFFING_MANAGERS

    @extend_schema(request=MinimumInput, responses=RequirementSerializer)
    def put(self, request, pk: int, role: str):
        data = parse_input(MinimumInput, request.data)
        services.shift_requirement_set(
            actor=request.user, shift=selectors.shift_get(pk), role=role, minimum=data["minimum"]
        )
        return Response({"role": role, "minimum": data["minimum"]})


class SignOnListView(APIView):
    """GET who is signed on now; POST {role, position, shift?, user?} signs on (yourself, or
    someone else as a supervisor)."""

    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(responses=SignOnSerializer(many=True))
    def get(self, request):
        return Response(SignOnSerializer(selectors.sign_ons_open(), many=True).data)

    @extend_schema(request=SignOnInput, responses={201: SignOnSerializer})
    def post(self, request):
        data = parse_input(SignOnInput, request.data)
        sign_on = services.staff_sign_on(
            actor=request.user,
            role=data["role"],
            position=data["position"],
            shift=selectors.shift_get(data["shift"]) if data.get("shift") else None,
            user=selectors.user_by_username(data["user"]) if data.get("user") else None,
        )
        return Response(SignOnSerializer(sign_on).data, status=status.HTTP_201_CREATED)


class SignOffView(APIView):
    permission_classes = [HasRole]
    allowed_roles = EVERY_ROLE

    @extend_schema(request=None, responses=SignOnSerializer)
    def post(self, request, pk: int):
        sign_on = services.staff_sign_off(actor=request.user, sign_on=selectors.sign_on_get(pk))
        return Response(SignOnSerializer(sign_on).data)
