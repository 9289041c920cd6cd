"""Celery task for staffing: thin and idempotent (a retry or a second beat changes nothing).

The task keeps the name it had when staffing was part of dispatch, so beat schedules and queued
messages from before the move still find it."""

from celery import shared_task

from staffing import services


@shared_task(name="dispatch.check_staffing", ignore_result=True)
def check_staffing() -> int:
    """Every few seconds (beat): raise and settle staffing gaps."""
    return len(services.staffing_check())
