"""Celery task for diverts: thin and idempotent (the service guards every escalation)."""

from celery import shared_task

from dispatch.services import diverts_escalate


@shared_task(name="dispatch.divert_escalation", ignore_result=True)
def divert_escalation() -> int:
    """Escalate approved diverts that still have no replacement unit (beat, every 10 s)."""
    return diverts_escalate()
