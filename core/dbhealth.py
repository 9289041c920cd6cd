"""When PostgreSQL cannot answer: exhausted ("too many clients already"), restarting
("terminating connection due to administrator command"), down ("connection refused"), or behind
PgBouncer that cannot reach it ("pgbouncer cannot connect to server").

- A request answers 503 with `Retry-After` (settings.DATABASE_RETRY_AFTER_SECONDS): the API
  `{"detail", "code": "database_unavailable"}`, a screen a short page; never a 500. The broken
  connection is closed, so the next request opens a fresh one and works once PostgreSQL is back.
  `DatabaseUnavailableMiddleware` answers for views; `core.errors.server_error` (handler500)
  for a failure in a middleware before the view (a session or a login read).
- A periodic task wrapped in `survives_database_outage` logs one line and skips the run instead
  of failing; the next run (a second later for the monitoring scan) reconnects and catches up.
"""

import functools
import logging

import psycopg2
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from core.errors import is_api

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)
CODE = "database_unavailable"
DETAIL = "The database is busy or restarting: nothing was saved. Try again in a few seconds."


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) is a connection-level database error: Django's
    `OperationalError`/`InterfaceError` or psycopg2's. Constraint and data errors are not."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, UNAVAILABLE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def drop_broken_connections() -> None:
    """Close every database connection of this thread that errored and no longer answers, so
    the next use opens a fresh one (Django's `close_if_unusable_or_obsolete`)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        try:
            conn.close_if_unusable_or_obsolete()
        except DatabaseError:
            try:
                conn.close()
            except DatabaseError:
                conn.connection = None


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: JSON for the API, the static 503 page (rendered without the
    request's context, which would read the database) for a screen. Closes broken connections."""
    drop_broken_connections()
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, first_line)
    retry_after = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    if is_api(request):
        response = JsonResponse({"detail": DETAIL, "code": CODE}, status=503)
    else:
        page = loader.get_template("503.html").render({"retry_after": retry_after})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view (or DRF's authentication inside it) that meets an unavailable database answers
    503 with Retry-After instead of a 500 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None


def survives_database_outage(task_function):
    """Decorate a periodic task so an unavailable database skips the run (one warning line, the
    broken connection closed; returns None) instead of failing it with a traceback every tick.
    Only for tasks whose next run catches up by itself (idempotent, cursor-driven)."""

    @functools.wraps(task_function)
    def run(*args, **kwargs):
        try:
            return task_function(*args, **kwargs)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            drop_broken_connections()
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            logger.warning(
                "%s skipped, database unavailable: %s", task_function.__name__, first_line
            )
            return None

    return run
