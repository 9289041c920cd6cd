"""Celery tasks for monitoring: thin and idempotent (a retry or a second beat changes nothing).

The task keeps the name it had when monitoring was part of dispatch, so beat schedules and
queued messages from before the move still find it."""

from celery import shared_task

from core.dbhealth import survives_database_outage
from monitoring.services import scan_response_times as scan


@shared_task(name="dispatch.scan_response_times", ignore_result=True)
@survives_database_outage
def scan_response_times() -> int | None:
    """Every second (beat): record due-soon, breach and escalation alerts exactly once.

    While PostgreSQL is unavailable (restarting, exhausted) a run is skipped with one warning
    line (None); the next run reconnects and catches up from the scan's cursor."""
    return len(scan().raised)
