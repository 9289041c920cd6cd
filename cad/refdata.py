"""Reference data cached per process: grade policies and opening codes, read on every call
taken and every page of the outstanding list, change a few times a year.

Invalidation (the choice, and why): one row, `cad.models.ReferenceDataVersion`, holds a number
that database triggers change in the same transaction as any change to the reference tables,
however it is made (the services, the admin, a bulk `.update()`, psql). A cached value is kept
with the number it was read under; a reader compares that with the row (one primary-key read of
one row, ~0.1 ms) and reads the data again when they differ. So every process (each web
worker, Celery, the scan) sees a change as soon as it commits, with nothing to send between
processes, and nothing is lost when a process misses a message: there is none. A Redis key or
LISTEN/NOTIFY would save that one small read but could miss a change committed while the
message was lost, or be set before the change commits.

The number is read first and the data after it, so a change committed in between only makes
the next read load again; never the reverse (old data under the new number). Inside `scope()`
(one call being taken) the number is read at most once. The receiver of `grade_policy_changed`
also drops this process's copies at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection

from cad.models import ReferenceDataVersion

# The one read every call taken and every list page makes: plain SQL, not a queryset built and
# compiled each time (a third of a millisecond, on the outstanding list's hot path).
_VERSION_SQL = "SELECT {version} FROM {table} WHERE {pk} = 1".format(
    version=connection.ops.quote_name(ReferenceDataVersion._meta.get_field("version").column),
    table=connection.ops.quote_name(ReferenceDataVersion._meta.db_table),
    pk=connection.ops.quote_name(ReferenceDataVersion._meta.pk.column),
)
_lock = threading.Lock()
_cache: dict[str, tuple[int, Any]] = {}
_SCOPE: ContextVar[dict | None] = ContextVar("cad_refdata_scope", default=None)


def version() -> int | None:
    """The reference data's current number (None when the row is missing: nothing is cached
    then). Read once per `scope()`."""
    scope = _SCOPE.get()
    if scope is not None and "version" in scope:
        return scope["version"]
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        found = cursor.fetchone()
    row = found[0] if found else None
    if scope is not None:
        scope["version"] = row
    return row


def cached(name: str, load: Callable[[], Any]) -> Any:
    """`load()`'s value, read again only when the reference data changed since it was last
    read in this process. The value is shared: callers must not change it."""
    current = version()
    hit = _cache.get(name)
    if hit is not None and current is not None and hit[0] == current:
        return hit[1]
    value = load()
    if current is not None:
        with _lock:
            _cache[name] = (current, value)
    return value


def clear(**kwargs) -> None:
    """Drop this process's copies (a `grade_policy_changed` receiver; tests)."""
    with _lock:
        _cache.clear()
    scope = _SCOPE.get()
    if scope is not None:
        scope.clear()


@contextmanager
def scope() -> Iterator[None]:
    """Read the version at most once inside (one call being taken)."""
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)
