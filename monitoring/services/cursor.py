"""The scan's cursor, and the one lock through which the scan and every change that can move a
response-time threshold agree.

The cursor (`MonitorCursor`) is the `now` of the latest committed scan: the scan looks at
thresholds after it (less a short lookback) and never again at older ones. That is safe only if
nothing can put a threshold at or before the cursor behind the scan's back. So:

- the scan holds the cursor row exclusively (FOR UPDATE) for its whole transaction, and reads
  everything it decides with (grade policies, incidents, recorded alerts) after taking it;
- a change that can move a threshold (a regrade, an area change, an arrival or closure, a new
  incident) holds the same row FOR SHARE until it commits (`cursor_hold`): changes do not wait
  for each other, but no scan runs between such a change and its commit, and the scan that
  follows sees it. Whatever of the change's thresholds is at or before the cursor, the change
  raises itself (the scan will not look there again);
- a grade policy update holds the row exclusively and moves the cursor back by how much longer
  the new due-soon lead is, so the next scan raises the warnings that are now in the past.

Every caller locks in the same order (the incident first, then the cursor), and the scan never
waits for an incident row while it holds the cursor, so they cannot deadlock. Elsewhere than on
PostgreSQL (the embedded SQLite demo) there are no row locks: SQLite runs one write transaction
at a time anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from monitoring.models import MonitorCursor

CURSOR_NAME = "response_times"


def _table() -> str:
    return connection.ops.quote_name(MonitorCursor._meta.db_table)


def cursor_at() -> datetime | None:
    """The cursor now (no lock)."""
    return (
        MonitorCursor.objects.filter(name=CURSOR_NAME)
        .values_list("scanned_through_at", flat=True)
        .first()
    )


def cursor_hold() -> datetime | None:
    """Hold the cursor FOR SHARE until the caller's transaction ends and return it: call it
    first in a change that can move a threshold. Thresholds at or before the returned time are
    the caller's to raise. None when no scan has run yet (then the first scan looks at
    everything)."""
    if connection.vendor != "postgresql":
        return cursor_at()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT scanned_through_at FROM {_table()} WHERE name = %s FOR SHARE", [CURSOR_NAME]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def cursor_claim(now: datetime) -> datetime | None:
    """The scan's start: lock the cursor exclusively for the scan's transaction, move it forward
    to `now` (never back) and return where it was (None before the first scan). A second scan
    waits here for the first to commit, then sees what it recorded."""
    if connection.vendor != "postgresql":
        before = cursor_at()
        _advance(now)
        return before
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH old AS (SELECT name, scanned_through_at FROM {table} WHERE name = %s FOR UPDATE) "
            f"UPDATE {table} AS c SET scanned_through_at = GREATEST(old.scanned_through_at, %s) "
            "FROM old WHERE c.name = old.name RETURNING old.scanned_through_at",
            [CURSOR_NAME, now],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    _advance(now)  # the first scan ever: create it
    return None


def _advance(now: datetime) -> None:
    """Move the cursor forward to `now`, creating it on the first scan."""
    if MonitorCursor.objects.filter(name=CURSOR_NAME, scanned_through_at__lt=now).update(
        scanned_through_at=now
    ):
        return
    if MonitorCursor.objects.filter(name=CURSOR_NAME).exists():
        return
    try:
        with transaction.atomic():
            MonitorCursor.objects.create(name=CURSOR_NAME, scanned_through_at=now)
    except IntegrityError:
        # A concurrent first scan created it; move it forward if we are later.
        MonitorCursor.objects.filter(name=CURSOR_NAME, scanned_through_at__lt=now).update(
            scanned_through_at=now
        )


def cursor_rewind(by: timedelta) -> None:
    """Move the cursor back by `by`, holding it exclusively until the caller commits (a longer
    due-soon lead: its warnings fell up to `by` earlier than the scan assumed)."""
    if by <= timedelta(0):
        return
    MonitorCursor.objects.filter(name=CURSOR_NAME).update(
        scanned_through_at=F("scanned_through_at") - by
    )
