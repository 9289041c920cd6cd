"""HTML screens for response-time monitoring: the supervisor's alert board, staffing and grade
policies. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from cad.exceptions import NotFound, ValidationFailed
from core.exceptions import DomainError
from core.navigation import Screen, register_screen
from core.permissions import RoleRequiredMixin
from core.roles import Role, has_role, user_roles
from dispatch import alerts as alert_services
from dispatch import monitoring, monitoring_selectors, selectors, staffing
from dispatch.api import ALERT_ACKERS
from dispatch.models import Shift, SignOn, StaffingMinimum

BOARD_ROLES = (
    Role.SUPERVISOR,
    Role.DISPATCHER,
    Role.INSPECTOR,
    Role.CONTROLLER,
    Role.QA_REVIEWER,
    Role.ADMIN,
)
EVERY_ROLE = tuple(Role.values)
STAFFING_MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


def board_context(request) -> dict:
    now = timezone.now()
    alerts = monitoring_selectors.alerts_live()
    return {
        "now": now,
        "open_alerts": [a for a in alerts if a.status == "OPEN"],
        "acknowledged_alerts": [a for a in alerts if a.status == "ACKNOWLEDGED"],
        "demand": monitoring_selectors.demand_counts(now=now),
        "staffing": staffing.staffing_state(now=now),
        "can_acknowledge": has_role(request.user, *ALERT_ACKERS),
    }


class AlertBoardView(RoleRequiredMixin, TemplateView):
    """The supervisor's alert board. The body re-renders (htmx) on every live alert, incident
    or staffing message and after a reconnect, so a lost push loses nothing."""

    allowed_roles = BOARD_ROLES
    template_name = "dispatch/alerts_board.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **board_context(self.request)}


class AlertBoardBodyView(AlertBoardView):
    template_name = "dispatch/alerts_board_body.html"


class AlertAcknowledgeView(RoleRequiredMixin, View):
    allowed_roles = ALERT_ACKERS

    def post(self, request, pk: int):
        try:
            alert_services.alert_acknowledge(actor=request.user, alert=selectors.alert_get(pk))
        except DomainError as exc:
            messages.error(request, exc.message)
            if request.htmx:
                context = {**board_context(request), "error": exc.message}
                return render(request, "dispatch/alerts_board_body.html", context)
        if request.htmx:
            return render(request, "dispatch/alerts_board_body.html", board_context(request))
        return redirect("monitoring-alerts")


# --- Staffing ------------------------------------------------------------------------------------


class StaffingView(RoleRequiredMixin, TemplateView):
    """Who is signed on where, per role against the shift's minimums; sign on and off."""

    allowed_roles = EVERY_ROLE
    template_name = "dispatch/staffing.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        return {
            **super().get_context_data(**kwargs),
            "now": now,
            "state": staffing.staffing_state(now=now),
            "mine": staffing.sign_on_open(user=user),
            "my_roles": [Role(r) for r in sorted(user_roles(user))],
            "current_shift": staffing.shift_current(now=now),
            "upcoming": Shift.objects.filter(ends_at__gt=now).order_by("starts_at")[:10],
            "minimums": {m.role: m.minimum for m in StaffingMinimum.objects.all()},
            "roles": Role.choices,
            "manager": has_role(user, *STAFFING_MANAGERS),
            "admin": has_role(user, Role.ADMIN),
        }


def _local(value: str, what: str) -> datetime:
    """A `datetime-local` form value, in Europe/London."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{what}: give a date and time.", code="invalid") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _staffing_action(request, action) -> object:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("monitoring-staffing")


class SignOnView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request):
        return _staffing_action(
            request,
            lambda: staffing.staff_sign_on(
                actor=request.user,
                role=request.POST.get("role", ""),
                position=request.POST.get("position", ""),
            ),
        )


class SignOffView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request, pk: int):
        def action():
            sign_on = SignOn.objects.filter(pk=pk).first()
            if sign_on is None:
                raise NotFound("That sign-on does not exist.")
            staffing.staff_sign_off(actor=request.user, sign_on=sign_on)

        return _staffing_action(request, action)


class ShiftCreateView(RoleRequiredMixin, View):
    allowed_roles = STAFFING_MANAGERS

    def post(self, request):
        return _staffing_action(
            request,
            lambda: staffing.shift_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                starts_at=_local(request.POST.get("starts_at", ""), "Starts"),
                ends_at=_local(request.POST.get("ends_at", ""), "Ends"),
            ),
        )


class ShiftRequirementView(RoleRequiredMixin, View):
    allowed_roles = STAFFING_MANAGERS

    def post(self, request, pk: int):
        def action():
            shift = Shift.objects.filter(pk=pk).first()
            if shift is None:
                raise NotFound("That shift does not exist.")
            staffing.shift_requirement_set(
                actor=request.user,
                shift=shift,
                role=request.POST.get("role", ""),
                minimum=request.POST.get("minimum", ""),
            )

        return _staffing_action(request, action)


class StaffingMinimumView(RoleRequiredMixin, View):
    allowed_roles = (Role.ADMIN,)

    def post(self, request):
        def action():
            minimums = {
                role: request.POST[f"minimum_{role}"]
                for role in Role.values
                if request.POST.get(f"minimum_{role}", "") != ""
            }
            staffing.staffing_minimums_set(actor=request.user, minimums=minimums)

        return _staffing_action(request, action)


# --- Grade policies ------------------------------------------------------------------------------


class GradePoliciesView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.ADMIN,)
    template_name = "dispatch/policies.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "policies": monitoring_selectors.grade_policies(),
        }


class GradePolicyUpdateView(RoleRequiredMixin, View):
    allowed_roles = (Role.ADMIN,)

    def post(self, request, grade: str):
        try:
            monitoring.grade_policy_update(
                actor=request.user,
                grade=grade,
                urban_target_minutes=request.POST.get("urban_target_minutes") or None,
                rural_target_minutes=request.POST.get("rural_target_minutes") or None,
                due_soon_minutes=request.POST.get("due_soon_minutes") or None,
            )
            messages.success(request, f"{grade} policy saved. It applies to new gradings.")
        except DomainError as exc:
            messages.error(request, f"{grade}: {exc.message}")
        return redirect("monitoring-policies")


# --- Registration (from DispatchConfig.ready) ----------------------------------------------------


def register_screens() -> None:
    register_screen(
        Screen(
            "alerts",
            "Alert board",
            "monitoring-alerts",
            (Role.SUPERVISOR, Role.DISPATCHER, Role.INSPECTOR, Role.CONTROLLER),
            "Live breach alerts, demand and staffing.",
            30,
        )
    )
    register_screen(
        Screen(
            "staffing",
            "Staffing",
            "monitoring-staffing",
            EVERY_ROLE,
            "Sign on to your position; shift minimums and gaps.",
            32,
        )
    )
    register_screen(
        Screen(
            "grade_policies",
            "Grade policies",
            "monitoring-policies",
            (Role.ADMIN,),
            "Target response times per grade.",
            70,
        )
    )


def seed_demo_staffing(stdout=None) -> None:
    """A running shift with one demo user signed on per role: a call handler and a support
    operator short of the default minimums, so the board shows staffing gaps. Idempotent: nothing is added while a shift is running."""
    from django.contrib.auth import get_user_model

    now = timezone.now()
    if staffing.shift_current(now=now) is not None:
        return
    shift = staffing.shift_create(
        actor=None,
        name="Demo shift",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
    )
    users = get_user_model().objects.filter(username__in=[r.lower() for r in Role.values])
    by_name = {u.username: u for u in users}
    for index, role in enumerate(
        [
            Role.CALL_HANDLER,
            Role.SUPPORT_OPERATOR,
            Role.DISPATCHER,
            Role.CONTROLLER,
            Role.INSPECTOR,
            Role.SUPERVISOR,
        ],
        start=1,
    ):
        user = by_name.get(role.lower())
        if user is not None and not SignOn.objects.filter(user=user, signed_off_at=None).exists():
            staffing.staff_sign_on(
                actor=user, role=role, position=f"Desk {index}", shift=shift, now=now
            )


def register_demo() -> None:
    from core.demo import register_demo_seeder

    register_demo_seeder("dispatch staffing", seed_demo_staffing, order=200)


def board_url() -> str:
    return reverse("monitoring-alerts")
