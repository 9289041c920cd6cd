"""The authorisation matrix, generated from the URL conf: every API endpoint and page declares
which roles may use it, and every role gets exactly that (a 403 for the others).

A new endpoint or page without a role rule fails `test_every_endpoint_and_page_has_a_role_rule`
until it declares its roles (`allowed_roles`, `write_roles`, `action_roles` with `HasRole`, or
`RoleRequiredMixin` for a page) or is added to OPEN below with the reason it is open.
"""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core.permissions import HasRole, RoleRequiredMixin, required_roles
from core.roles import Role, has_role
from tests.factories import staff

# Open on purpose, with the reason. Anything else must name its roles.
OPEN = {
    "": "each person's own home page",
    "login/": "signing in",
    "logout/": "signing out",
    "notifications/": "each person's own notifications",
    "healthz": "the process health check (no data)",
    "readyz": "the readiness check (no data)",
    "api/v1/auth/token/": "obtaining a token with a username and password",
    "api/v1/live/ticket/": "a live-socket ticket for oneself (the socket checks the roles)",
    "api/v1/me/": "one's own name and roles",
    "api/schema/": "the API's description, for any signed-in integrator",
    "api/docs/": "the API's documentation, for any signed-in integrator",
}
SKIPPED_PREFIXES = ("django-admin/",)  # Django's admin: staff accounts only (core/admin.py)
METHODS = ("get", "post", "put", "patch", "delete")
MISSING_ID = "999999"


@dataclass(frozen=True)
class Route:
    route: str
    view: type
    url: str

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def methods(self) -> list[str]:
        if not self.is_api:
            return ["get"]  # a page checks the role before the method (RoleRequiredMixin)
        return [m for m in METHODS if hasattr(self.view, m)]

    def roles(self, method: str):
        """The roles the route declares for `method`: a tuple, or None for no rule."""
        if issubclass(self.view, APIView):
            permissions = self.view.permission_classes or api_settings.DEFAULT_PERMISSION_CLASSES
            if HasRole not in permissions:
                return None
            return required_roles(self.view(), method.upper())
        if issubclass(self.view, RoleRequiredMixin):
            return tuple(self.view.allowed_roles) or None
        return None


def _concrete(route: str) -> str:
    for converter in ("int", "slug", "str", "path"):
        while f"<{converter}:" in route:
            start = route.index(f"<{converter}:")
            end = route.index(">", start)
            value = MISSING_ID if converter == "int" else "zz"
            route = route[:start] + value + route[end + 1 :]
    return "/" + route


def _routes(patterns=None, prefix: str = ""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES) or not isinstance(pattern.pattern, RoutePattern):
            continue  # regex routes are the old /dispatch/ redirects
        callback = pattern.callback
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        yield Route(route, view or callback, _concrete(route))


ROUTES = list(_routes())


def test_every_endpoint_and_page_has_a_role_rule():
    missing = [
        f"{r.route} {m.upper()}"
        for r in ROUTES
        if r.route not in OPEN
        for m in r.methods()
        if not isinstance(r.view, type) or r.roles(m) is None
    ]
    assert len(ROUTES) > 140
    assert missing == []


def test_the_open_routes_still_exist():
    assert set(OPEN) <= {r.route for r in ROUTES}


def _request(client, route: Route, method: str):
    if route.is_api:
        return getattr(client, method)(route.url, {} if method != "get" else None, format="json")
    return client.get(route.url)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_each_role_is_refused_exactly_where_its_role_is_not_allowed(role):
    user = staff(role)
    api, page = APIClient(), Client()
    api.force_authenticate(user)
    page.force_login(user)
    wrong = []
    for route in ROUTES:
        if route.route in OPEN:
            continue
        for method in route.methods():
            roles = route.roles(method)
            if roles is None:
                continue  # no rule: test_every_endpoint_and_page_has_a_role_rule says so
            allowed = has_role(user, *roles)
            response = _request(api if route.is_api else page, route, method)
            if (response.status_code == 403) == allowed:
                wrong.append(f"{method.upper()} {route.url}: {response.status_code}")
    assert wrong == []
