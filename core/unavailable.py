"""A backing service that is down answers 503 with a retry hint, never a 500.

One place decides what an outage is and how it is answered, for the database and for Redis:

- PostgreSQL exhausted ("too many clients already"), restarting ("terminating connection due to
  administrator command"), down ("connection refused") or behind a PgBouncer that cannot reach
  it (`core.dbhealth.is_database_unavailable`): `{"detail", "code": "database_unavailable"}`.
  The broken connection is closed, so the next request opens a fresh one.
- Redis (the channel layer, the Celery broker) unreachable: `"code": "service_unavailable"`.
  Live pushes are sent off the request path (`core.live`), so no request waits on Redis today;
  this is the guard for any that comes to (enqueueing a task, a cache read).

The API answers JSON, a screen the static 503 page (rendered without the request's context,
which would read the database); both carry `Retry-After` (settings.DATABASE_RETRY_AFTER_SECONDS,
5 s by default) and `Cache-Control: no-store`. Views raise into `ServiceUnavailableMiddleware`,
DRF views into `core.api.exception_handler`, middlewares before the view into
`core.errors.server_error` (handler500); all three call `outage_response`.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from core.dbhealth import drop_broken_connections, is_database_unavailable
from core.errors import is_api

logger = logging.getLogger(__name__)

DATABASE_DETAIL = (
    "The database is busy or restarting: nothing was saved. Try again in a few seconds."
)
REDIS_DETAIL = (
    "A service the control room needs (Redis) is unavailable. Try again in a few seconds."
)


def _redis_outage_types() -> tuple[type[BaseException], ...]:
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


REDIS_OUTAGE_TYPES = _redis_outage_types()


def retry_after_seconds() -> int:
    return int(getattr(settings, "DATABASE_RETRY_AFTER_SECONDS", 5))


def is_outage(exc: BaseException) -> bool:
    """True for an error that means Redis (channel layer or broker) cannot be reached."""
    return isinstance(exc, REDIS_OUTAGE_TYPES)


def outage_of(exc: BaseException | None) -> str | None:
    """ "database", "redis", or None when `exc` is not an outage of a backing service."""
    if exc is None:
        return None
    if is_database_unavailable(exc):
        return "database"
    if is_outage(exc):
        return "redis"
    return None


def outage_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """503 with `Retry-After` for an outage: `{detail, code}` for the API, the 503 page for a
    screen. A database outage also closes this thread's broken connections and logs one line."""
    kind = outage_of(exc) or "redis"
    if kind == "database":
        drop_broken_connections()
        code, detail = "database_unavailable", DATABASE_DETAIL
    else:
        code, detail = "service_unavailable", REDIS_DETAIL
    first_line = (str(exc or "").strip().splitlines() or [type(exc).__name__])[0]
    logger.warning("%s unavailable for %s %s: %s", kind, request.method, request.path, first_line)
    retry_after = str(retry_after_seconds())
    if is_api(request):
        response = JsonResponse({"detail": detail, "code": code}, status=503)
    else:
        page = loader.get_template("503.html").render({"retry_after": retry_after})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """A view that meets an unavailable database or Redis answers 503 with Retry-After instead
    of a 500 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if outage_of(exception) is None:
            return None
        return outage_response(request, exception)
