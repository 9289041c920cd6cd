"""Celery tasks for markers: thin, idempotent, each one service call."""

from celery import shared_task

from riskflags.services import markers_lifecycle_run


@shared_task(name="riskflags.lifecycle")
def markers_lifecycle() -> dict:
    """Expire due markers, alert on missing START contacts, send review reminders. Safe to run
    as often as beat likes: each step is guarded, so a repeat changes nothing."""
    return markers_lifecycle_run()
