"""Demo markers: one active, one withdrawn three weeks ago (the founding case's story), one due
for review. Idempotent: a marker already at a demo address is left alone."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cad.normalise import normalise_address
from riskflags import services
from riskflags.models import ContactMethod, ContactOutcome, ContactPurpose, Marker

ACTIVE = "4 Beech Grove, Leeds LS6 1AA"
WITHDRAWN = "12 Acacia Avenue, Leeds LS6 2AB"
REVIEW_DUE = "27 Cedar Road, Leeds LS7 3QT"


def _exists(address: str) -> bool:
    return Marker.objects.filter(address_normalised=normalise_address(address).normalised).exists()


def seed_markers(stdout=None) -> None:
    User = get_user_model()
    oic = User.objects.filter(username="oic").first()
    supervisor = User.objects.filter(username="supervisor").first()
    if oic is None:
        return
    now = timezone.now()

    if not _exists(ACTIVE):
        start = now - timedelta(days=10)
        marker = services.marker_create(
            actor=oic,
            address=ACTIVE,
            phone="07700 900456",
            victim_name="Beth Demo",
            perpetrator_name="Carl Demo",
            reason="Ex-partner released on bail, threatened to burn the house down",
            risk_level="HIGH",
            grade_floor="IMMEDIATE",
            starts_at=start,
            expires_at=start + timedelta(days=120),
            oic=oic,
            supervisor=supervisor,
            now=start,
        )
        services.victim_contact_record(
            actor=oic,
            marker=marker,
            purpose=ContactPurpose.START,
            method=ContactMethod.VISIT,
            outcome=ContactOutcome.CONTACTED,
            notes="Visited; explained the scheme lasts 120 days and may be withdrawn.",
            now=start + timedelta(hours=5),
        )

    if not _exists(WITHDRAWN):
        start = now - timedelta(days=100)
        marker = services.marker_create(
            actor=oic,
            address=WITHDRAWN,
            phone="07700 900123",
            victim_name="Anne Example",
            perpetrator_name="Brian Example",
            reason="Ex-husband threatened to kill her",
            risk_level="HIGH",
            grade_floor="IMMEDIATE",
            starts_at=start,
            expires_at=start + timedelta(days=180),
            oic=oic,
            now=start,
        )
        services.victim_contact_record(
            actor=oic,
            marker=marker,
            purpose=ContactPurpose.START,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.CONTACTED,
            notes="Told her the scheme lasts six months and may be withdrawn.",
            now=start + timedelta(hours=20),
        )
        services.victim_contact_record(
            actor=oic,
            marker=marker,
            purpose=ContactPurpose.WITHDRAWAL,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.NO_ANSWER,
            notes="Rang twice, no answer; no voicemail.",
            now=now - timedelta(days=22),
        )
        services.marker_withdraw(
            actor=oic, marker=marker, reason="No further incidents", now=now - timedelta(days=21)
        )

    if not _exists(REVIEW_DUE):
        start = now - timedelta(days=170)
        marker = services.marker_create(
            actor=oic,
            address=REVIEW_DUE,
            phone="0113 496 0000",
            victim_name="Dana Demo",
            perpetrator_name="Evan Demo",
            reason="Stalking by former partner; breached a restraining order twice",
            risk_level="MEDIUM",
            grade_floor="IMMEDIATE",
            starts_at=start,
            expires_at=start + timedelta(days=180),
            oic=oic,
            now=start,
        )
        services.victim_contact_record(
            actor=oic,
            marker=marker,
            purpose=ContactPurpose.START,
            method=ContactMethod.LETTER,
            outcome=ContactOutcome.CONTACTED,
            notes="Letter explaining the scheme and its end date; she rang to confirm.",
            now=start + timedelta(days=1),
        )
