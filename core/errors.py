"""Error answers in one shape: `{"detail", "code"}` for the API, a page for everything else.

The URL conf's `handler400/403/404/500` and the request guards in `core/middleware.py` answer
through these, so an unknown `/api/` URL, a crash or refused input answers an integration in the
same JSON shape DRF's own errors have (see `core.api.exception_handler`), and a person a page.
"""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """True for a request to the API (`/api/...`), which always answers JSON."""
    return request.path_info.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, *, status: int, detail: str, code: str, template: str | None = None
) -> HttpResponse:
    """`{"detail", "code"}` with `status` for the API; else `template` (default "<status>.html")
    rendered with `detail` in its context."""
    if is_api(request):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return render(request, template or f"{status}.html", {"detail": detail}, status=status)


def bad_request(request, exception=None, template_name="400.html"):
    return error_response(
        request, status=400, detail="The request could not be read.", code="bad_request"
    )


def permission_denied(request, exception=None, template_name="403.html"):
    return error_response(
        request, status=403, detail="Your role does not allow this.", code="permission_denied"
    )


def page_not_found(request, exception=None, template_name="404.html"):
    return error_response(request, status=404, detail="Not found.", code="not_found")


def server_error(request, template_name="500.html"):
    """500: JSON for the API; for pages the static 500 template, rendered without the request
    context (the context processors may be what failed). When what failed is the database being
    unavailable, or Redis (a middleware's session or login read, before any view), 503 with Retry-After
    instead (core/unavailable.py)."""
    from core.unavailable import outage_of, outage_response

    exc = sys.exc_info()[1]
    if outage_of(exc) is not None:
        return outage_response(request, exc)
    if is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong. The error has been logged.", "code": "server_error"},
            status=500,
        )
    return HttpResponse(loader.get_template("500.html").render(), status=500)
