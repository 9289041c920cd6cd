"""The staffing screen: who is signed on where, per role against the shift's minimums; sign on
and off, shifts and minimums. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from cad.exceptions import ValidationFailed
from core.exceptions import DomainError
from core.navigation import Screen, register_screen
from core.permissions import RoleRequiredMixin
from core.roles import EVERY_ROLE, STAFFING_MANAGERS, Role, has_role, user_roles
from staffing import selectors, services


class StaffingView(RoleRequiredMixin, TemplateView):
    """Who is signed on where, per role against the shift's minimums; sign on and off."""

    allowed_roles = EVERY_ROLE
    template_name = "staffing/staffing.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        return {
            **super().get_context_data(**kwargs),
            "now": now,
            "state": selectors.staffing_state(now=now),
            "mine": selectors.sign_on_open(user=user),
            "my_roles": [Role(r) for r in sorted(user_roles(user))],
            "current_shift": selectors.shift_current(now=now),
            "upcoming": selectors.shifts_upcoming(now=now),
            "minimums": {m.role: m.minimum for m in selectors.staffing_minimums()},
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
    """Run the action; a refusal shows its message. Back to the staffing screen either way."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staffing")


class SignOnView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request):
        return _staffing_action(
            request,
            lambda: services.staff_sign_on(
                actor=request.user,
                role=request.POST.get("role", ""),
                position=request.POST.get("position", ""),
            ),
        )


class SignOffView(RoleRequiredMixin, View):
    allowed_roles = EVERY_ROLE

    def post(self, request, pk: int):
        return _staffing_action(
            request,
            lambda: services.staff_sign_off(actor=request.user, sign_on=selectors.sign_on_get(pk)),
        )


class ShiftCreateView(RoleRequiredMixin, View):
    allowed_roles = STAFFING_MANAGERS

    def post(self, request):
        return _staffing_action(
            request,
            lambda: services.shift_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                starts_at=_local(request.POST.get("starts_at", ""), "Starts"),
                ends_at=_local(request.POST.get("ends_at", ""), "Ends"),
            ),
        )


class ShiftRequirementView(RoleRequiredMixin, View):
    allowed_roles = STAFFING_MANAGERS

    def post(self, request, pk: int):
        return _staffing_action(
            request,
            lambda: services.shift_requirement_set(
                actor=request.user,
                shift=selectors.shift_get(pk),
                role=request.POST.get("role", ""),
                minimum=request.POST.get("minimum", ""),
            ),
        )


class StaffingMinimumView(RoleRequiredMixin, View):
    allowed_roles = (Role.ADMIN,)

    def post(self, request):
        minimums = {
            role: request.POST[f"minimum_{role}"]
            for role in Role.values
            if request.POST.get(f"minimum_{role}", "") != ""
        }
        return _staffing_action(
            request,
            lambda: services.staffing_minimums_set(actor=request.user, minimums=minimums),
        )


def register_screens() -> None:
    register_screen(
        Screen(
            "staffing",
            "Staffing",
            "staffing",
            EVERY_ROLE,
            "Sign on to your position; shift minimums and gaps.",
            32,
        )
    )
