"""Core services: API tokens and live-socket tickets."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.audit import audit_record
from core.models import LiveTicket


def token_for(*, user) -> str:
    """The user's API token, created on first use. Issuing one is audited."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit_record(actor=user, action="auth.token_issued", obj=user, object_type="auth.user")
    return token.key


def live_ticket_issue(*, actor, now=None) -> LiveTicket:
    now = now or timezone.now()
    return LiveTicket.objects.create(
        user=actor, created_at=now, expires_at=now + timedelta(seconds=settings.LIVE_TICKET_SECONDS)
    )


def live_ticket_redeem(*, key: str, now=None):
    """Spend a ticket: the user it was issued to, or None if it is unknown, used or expired.

    One atomic UPDATE decides, so two sockets racing with the same ticket get one user.
    """
    now = now or timezone.now()
    if not key or len(key) > 64:
        return None
    with transaction.atomic():
        spent = LiveTicket.objects.filter(key=key, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if not spent:
            return None
        ticket = LiveTicket.objects.select_related("user").get(key=key)
    return ticket.user if ticket.user.is_active else None
