"""Intelligence test data, written through the services so it is shaped as in production."""

from datetime import timedelta

from django.utils import timezone

from cad.services import contact_create
from intelligence.services import intel_record_create

ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"
PHONE = "07700 900123"
E164 = "+447700900123"


def record(kind="DA_CRIME", *, days_ago=30, now=None, **fields):
    now = now or timezone.now()
    fields.setdefault("summary", f"{kind} record about Anne Example")
    if not any(fields.get(k) for k in ("names", "phones", "addresses", "people")):
        fields.setdefault("phones", [PHONE])
    return intel_record_create(
        actor=None, kind=kind, occurred_at=now - timedelta(days=days_ago), now=now, **fields
    )


def contact(*, channel="101", days_ago=1, now=None, phone=PHONE, address="", summary="call"):
    now = now or timezone.now()
    return contact_create(
        actor=None,
        channel=channel,
        caller_phone=phone,
        address=address,
        summary=summary,
        now=now - timedelta(days=days_ago),
    )
