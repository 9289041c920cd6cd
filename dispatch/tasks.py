"""Celery tasks for dispatch: thin and idempotent (a retry or a second beat changes nothing)."""

from celery import shared_task

from dispatch import monitoring, staffing


@shared_task(name="dispatch.scan_response_times", ignore_result=True)
def scan_response_times() -> int:
    """Every second (beat): record due-soon, breach and escalation alerts exactly once."""
    return len(monitoring.scan_response_times().raised)


@shared_task(name="dispatch.check_staffing", ignore_result=True)
def check_staffing() -> int:
    """Every few seconds (beat): raise and settle staffing gaps."""
    return len(staffing.staffing_check())
