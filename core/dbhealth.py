"""When PostgreSQL cannot answer: exhausted ("too many clients already"), restarting
("terminating connection due to administrator command"), down ("connection refused"), or behind
PgBouncer that cannot reach it ("pgbouncer cannot connect to server").

- A request answers 503 with `Retry-After` (`core.unavailable`, which answers every backing
  service's outage the same way); never a 500. The broken connection is closed
  (`drop_broken_connections`), so the next request opens a fresh one once PostgreSQL is back.
- A periodic task wrapped in `survives_database_outage` logs one line and skips the run instead
  of failing; the next run (a second later for the monitoring scan) reconnects and catches up.
"""

import functools
import logging

import psycopg2
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)


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
