"""HTML screens for monitoring: the supervisor's alert board and the grade policies. Thin: parse
the form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from cad import policies
from core.exceptions import DomainError
from core.navigation import Screen, register_screen
from core.permissions import RoleRequiredMixin
from core.roles import ALERT_ACKERS, ALERT_READERS, DISPATCH_DESKS, Role, has_role
from monitoring import board, selectors, services

BOARD_BODY = "monitoring/alerts_board_body.html"


def board_context(request) -> dict:
    now = timezone.now()
    alerts = selectors.alerts_live()
    return {
        "now": now,
        "open_alerts": [a for a in alerts if a.status == "OPEN"],
        "acknowledged_alerts": [a for a in alerts if a.status == "ACKNOWLEDGED"],
        "demand": selectors.demand_counts(now=now),
        "sections": board.board_sections_read(now),
        "can_acknowledge": has_role(request.user, *ALERT_ACKERS),
    }


class AlertBoardView(RoleRequiredMixin, TemplateView):
    """The supervisor's alert board. The body re-renders (htmx) on every live alert, incident
    or staffing message and after a reconnect, so a lost push loses nothing."""

    allowed_roles = ALERT_READERS
    template_name = "monitoring/alerts_board.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **board_context(self.request)}


class AlertBoardBodyView(AlertBoardView):
    template_name = BOARD_BODY


class AlertAcknowledgeView(RoleRequiredMixin, View):
    allowed_roles = ALERT_ACKERS

    def post(self, request, pk: int):
        try:
            services.alert_acknowledge(actor=request.user, alert=selectors.alert_get(pk))
        except DomainError as exc:
            messages.error(request, exc.message)
            if request.htmx:
                return render(request, BOARD_BODY, {**board_context(request), "error": exc.message})
        if request.htmx:
            return render(request, BOARD_BODY, board_context(request))
        return redirect("monitoring-alerts")


class GradePoliciesView(RoleRequiredMixin, TemplateView):
    allowed_roles = (Role.ADMIN,)
    template_name = "monitoring/policies.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "policies": policies.grade_policies()}


class GradePolicyUpdateView(RoleRequiredMixin, View):
    allowed_roles = (Role.ADMIN,)

    def post(self, request, grade: str):
        try:
            policies.grade_policy_update(
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


def register_screens() -> None:
    register_screen(
        Screen(
            "alerts",
            "Alert board",
            "monitoring-alerts",
            DISPATCH_DESKS,
            "Live breach alerts, demand and staffing.",
            30,
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
