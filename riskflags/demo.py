"""Demo markers: one active, one withdrawn three weeks ago (the founding case's story), one due
for review, one on a flat in a block (Flat 21A, Acacia House). Idempotent: a marker already at a demo address is left alone."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cad.normalise import normalise_address
from riskflags import services
from riskflags.models import ContactMethod, ContactOutcome, ContactPurpose, Marker

ACTIVE = "4 Beech Grove, Leeds LS6 1AA"
WITHDRAWN = "12 Acacia Avenue, Leeds LS6 2AB"
REVIEW_DUE = "27 Cedar Road, Leeds LS7 3QT"
# A flat in a block: calls from "21a Acacia House, Mill Lane" or "Flat 21A, 5 Mill Lane, LS6 2AB"
# find it; calls from Flat 21B next door do not; a call from "5 Mill Lane" is a probable match.
FLAT = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"

# Each demo marker: its details, when it started (days ago) and for how long, whether the
# supervisor is named, its victim contacts (purpose, method, outcome, notes, when: a timedelta
# after the start, or days ago as a negative number) and, if withdrawn, why and how long ago.
DEMO_MARKERS = [
    {
        "address": ACTIVE,
        "phone": "07700 900456",
        "victim_name": "Beth Demo",
        "perpetrator_name": "Carl Demo",
        "reason": "Ex-partner released on bail, threatened to burn the house down",
        "risk_level": "HIGH",
        "started_days_ago": 10,
        "days": 120,
        "named_supervisor": True,
        "contacts": [
            (
                ContactPurpose.START,
                ContactMethod.VISIT,
                ContactOutcome.CONTACTED,
                "Visited; explained the scheme lasts 120 days and may be withdrawn.",
                timedelta(hours=5),
            ),
        ],
    },
    {
        "address": WITHDRAWN,
        "phone": "07700 900123",
        "victim_name": "Anne Example",
        "perpetrator_name": "Brian Example",
        "reason": "Ex-husband threatened to kill her",
        "risk_level": "HIGH",
        "started_days_ago": 100,
        "days": 180,
        "contacts": [
            (
                ContactPurpose.START,
                ContactMethod.PHONE,
                ContactOutcome.CONTACTED,
                "Told her the scheme lasts six months and may be withdrawn.",
                timedelta(hours=20),
            ),
            (
                ContactPurpose.WITHDRAWAL,
                ContactMethod.PHONE,
                ContactOutcome.NO_ANSWER,
                "Rang twice, no answer; no voicemail.",
                -22,
            ),
        ],
        "withdrawn": ("No further incidents", 21),
    },
    {
        "address": REVIEW_DUE,
        "phone": "0113 496 0000",
        "victim_name": "Dana Demo",
        "perpetrator_name": "Evan Demo",
        "reason": "Stalking by former partner; breached a restraining order twice",
        "risk_level": "MEDIUM",
        "started_days_ago": 170,
        "days": 180,
        "contacts": [
            (
                ContactPurpose.START,
                ContactMethod.LETTER,
                ContactOutcome.CONTACTED,
                "Letter explaining the scheme and its end date; she rang to confirm.",
                timedelta(days=1),
            ),
        ],
    },
    {
        "address": FLAT,
        "phone": "07700 900789",
        "victim_name": "Fran Demo",
        "perpetrator_name": "Gus Demo",
        "reason": "Ex-partner has a key to the block and has been seen on the stairs",
        "risk_level": "HIGH",
        "started_days_ago": 3,
        "days": 90,
        "contacts": [
            (
                ContactPurpose.START,
                ContactMethod.PHONE,
                ContactOutcome.CONTACTED,
                "Explained the scheme lasts 90 days; she keeps her phone charged.",
                timedelta(hours=2),
            ),
        ],
    },
]


def _exists(address: str) -> bool:
    return Marker.objects.filter(address_normalised=normalise_address(address).normalised).exists()


def seed_markers(stdout=None) -> None:
    User = get_user_model()
    oic = User.objects.filter(username="oic").first()
    supervisor = User.objects.filter(username="supervisor").first()
    if oic is None:
        return
    now = timezone.now()
    for spec in DEMO_MARKERS:
        if not _exists(spec["address"]):
            _seed_marker(spec, oic=oic, supervisor=supervisor, now=now)


def _seed_marker(spec: dict, *, oic, supervisor, now) -> None:
    start = now - timedelta(days=spec["started_days_ago"])
    marker = services.marker_create(
        actor=oic,
        address=spec["address"],
        phone=spec["phone"],
        victim_name=spec["victim_name"],
        perpetrator_name=spec["perpetrator_name"],
        reason=spec["reason"],
        risk_level=spec["risk_level"],
        grade_floor="IMMEDIATE",
        starts_at=start,
        expires_at=start + timedelta(days=spec["days"]),
        oic=oic,
        supervisor=supervisor if spec.get("named_supervisor") else None,
        now=start,
    )
    for purpose, method, outcome, notes, when in spec["contacts"]:
        services.victim_contact_record(
            actor=oic,
            marker=marker,
            purpose=purpose,
            method=method,
            outcome=outcome,
            notes=notes,
            now=start + when if isinstance(when, timedelta) else now + timedelta(days=when),
        )
    if "withdrawn" in spec:
        reason, days_ago = spec["withdrawn"]
        services.marker_withdraw(
            actor=oic, marker=marker, reason=reason, now=now - timedelta(days=days_ago)
        )
