"""The controller's divert review card shows what the incident page warns about the incident
the unit was taken from (intelligence and markers), read through the same context service
(cad.context) and audited as a read, via "divert review"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad.services import incident_create
from core.models import AuditEvent
from dispatch.models import DivertStatus
from riskflags.services import marker_create
from tests.factories import staff
from tests.reports import factories as rf

pytestmark = pytest.mark.django_db
ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"


def test_the_review_card_warns_about_the_taken_from_incident_and_audits_the_read(client):
    now = timezone.now()
    oic = staff("OIC")
    marker_create(
        actor=oic,
        address=ADDRESS,
        phone="07700 900123",
        victim_name="Anne Example",
        reason="Ex-husband threatened to kill her",
        oic=oic.username,
        starts_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=60),
        now=now - timedelta(days=1),
    )
    taken_from = incident_create(
        actor=staff("CALL_HANDLER"),
        channel="999",
        caller_phone="07700 900123",
        address=ADDRESS,
        narrative="Shouting next door",
        now=now - timedelta(minutes=10),
    )
    rf.divert(from_incident=taken_from, at=now, status=DivertStatus.PENDING_REVIEW)
    controller = staff("CONTROLLER")
    client.force_login(controller)

    page = client.get("/dispatch/diverts/").content.decode()

    card = page[page.index('class="taken-from"') : page.index("Sent to")]
    assert "data-warning=" in card
    assert "Ex-husband threatened to kill her" in card
    assert AuditEvent.objects.filter(actor=controller, summary__contains="divert review").exists()
