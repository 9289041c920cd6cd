"""Role checks in one place: a DRF permission class and a view mixin, both keyed by role."""

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import BasePermission

from core.roles import has_role


class HasRole(BasePermission):
    """Allows a request when the user holds one of the view's roles.

    The view declares `allowed_roles` (every method) and may narrow writes with
    `write_roles` (POST/PUT/PATCH/DELETE), or per action with `action_roles = {"name": (...)}`.
    A view that declares nothing is open to any authenticated user.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = required_roles(view, request.method)
        return roles is None or has_role(user, *roles)


def required_roles(view, method: str):
    action = getattr(view, "action", None)
    action_roles = getattr(view, "action_roles", {}) or {}
    if action and action in action_roles:
        return action_roles[action]
    if method not in ("GET", "HEAD", "OPTIONS"):
        write = getattr(view, "write_roles", None)
        if write is not None:
            return write
    return getattr(view, "allowed_roles", None)


class RoleRequiredMixin(AccessMixin):
    """HTML views: login required, then one of `allowed_roles` (403 otherwise)."""

    allowed_roles: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.allowed_roles and not has_role(request.user, *self.allowed_roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
