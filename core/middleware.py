"""Request guards every view shares: login, refused input, and quiet 403s."""

import json
import logging
import re

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.core.exceptions import PermissionDenied
from django.utils.cache import add_never_cache_headers

from core.errors import error_response, page_not_found

logger = logging.getLogger(__name__)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login (Django's own middleware), except the API, which answers 401/403
    itself because integrations authenticate with a token that only DRF reads."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# C0 controls but tab, line feed and carriage return (free text keeps its lines), DEL, and the
# C1 controls. None is typed by a person; NUL in particular cannot be stored by PostgreSQL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _json_strings(value, name: str = ""):
    """(field name, text) for every string in a decoded JSON document: keys and values, at any
    depth; a nested field is named by its top-level key."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield name or key, key
            yield from _json_strings(inner, name or key)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_strings(inner, name)


def _request_strings(request):
    """(field name, text) for the query string's names and values, and a form or JSON body's
    fields."""
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body or b"null")
        except ValueError:
            return  # not JSON: the view's parser answers that 400 itself
        yield from _json_strings(document)
    elif content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ) and not request.path_info.startswith("/api/"):
        # The API reads JSON only (DRF answers a form with 415): reading request.POST here
        # would consume the body and leave the API an empty request to accept.
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value


class ControlCharacterMiddleware:
    """Refuse a request whose query parameters or body fields hold a control character.

    Answers 400 `{"detail", "code": "control_character"}` for the API and the 400 page for
    HTML, before any view runs, so no view, filter or query has to guard each parameter (a NUL
    would otherwise reach PostgreSQL and fail as a 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = next(
                (
                    name
                    for name, text in _request_strings(request)
                    if CONTROL_CHARACTERS.search(text)
                ),
                None,
            )
        except Exception:  # noqa: BLE001 - an unreadable body is the view's own 400 to give
            field = None
        if field is not None:
            name = CONTROL_CHARACTERS.sub("?", field)[:60] or "?"
            return error_response(
                request,
                status=400,
                detail=f"{name}: holds a control character (such as NUL), which no field "
                "accepts. Remove it and try again.",
                code="control_character",
            )
        return self.get_response(request)


class QuietForbiddenMiddleware:
    """A refused page (PermissionDenied) is answered here, so it logs one line ("Forbidden:
    /path", from Django's request logging) instead of a traceback per refusal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            return error_response(
                request,
                status=403,
                detail=str(exception) or "Your role does not allow this.",
                code="permission_denied",
            )
        return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer that reaches a view: pages and API answers show
    intelligence, markers, incidents and briefings, which no browser, proxy or shared machine
    may keep. Static files are served before this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class NotFoundPageMiddleware:
    """The project's 404 (the page, or `{detail, code}` JSON under /api/) even with DEBUG on.

    With DEBUG, Django answers an unknown URL with its technical 404 page, which lists every
    route of the application: the demo (`make run`, DEBUG=1) must not show that to whoever types
    a wrong address. An unknown path answers `core.errors.page_not_found` here, and so does an
    Http404 a view raises. Without DEBUG this does nothing (the URL conf's handler404 answers).
    Last in MIDDLEWARE, so login, CSRF and the APPEND_SLASH redirect act first as they do
    without DEBUG."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.urls import Resolver404, resolve

        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.conf import settings
        from django.http import Http404

        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
