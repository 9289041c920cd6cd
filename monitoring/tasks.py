"""Celery tasks for monitoring: thin and idempotent (a retry or a second beat changes nothing).

The task keeps the name it had when monitoring was part of dispatch, so beat schedules and
queued messages from before the move still find it."""

from celery import shared_task

from monitoring.services import scan_response_times as scan


@shared_task(name="dispatch.scan_response_times", ignore_result=True)
def scan_response_times() -> int:
    """Every second (beat): record due-soon, breach and escalation alerts exactly once."""
    return len(scan().raised)
