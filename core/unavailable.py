"""A backing service that is down (Redis: the channel layer and the Celery broker) answers 503
with a retry hint, never a 500.

Since live pushes are sent off the request path (`core.live`), no request waits on Redis today;
this is the guard for any that comes to (enqueueing a task, a cache read): the API answers
`503 {"detail", "code": "service_unavailable"}` with `Retry-After`, a page a short text.
"""

import logging

from django.http import HttpResponse, JsonResponse

from core.errors import is_api

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DETAIL = "A service the control room needs (Redis) is unavailable. Try again in a few seconds."


def _outage_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = []
    try:
        import redis.exceptions

        types += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    try:
        import kombu.exceptions

        types.append(kombu.exceptions.OperationalError)
    except ImportError:  # pragma: no cover - kombu comes with Celery
        pass
    return tuple(types)


OUTAGE_TYPES = _outage_types()


def is_outage(exc: BaseException) -> bool:
    """True for an error that means Redis (channel layer or broker) cannot be reached."""
    return isinstance(exc, OUTAGE_TYPES)


def unavailable_response(request) -> HttpResponse:
    """503 with `Retry-After`: `{detail, code}` for the API, text for a page."""
    if is_api(request):
        response = JsonResponse({"detail": DETAIL, "code": "service_unavailable"}, status=503)
    else:
        response = HttpResponse(DETAIL, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """Turn a Redis outage raised by a view into a 503 with a retry hint (the API's own errors
    go through `core.api.exception_handler`, which does the same)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.warning(
            "%s %s: Redis unavailable (%r): 503", request.method, request.path, exception
        )
        return unavailable_response(request)
