"""Demo calls and contacts for `manage.py seed_demo` (idempotent: each incident carries a fixed
idempotency key, each contact is looked up before it is recorded)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cad import services
from cad.models import Contact

CONTACTS = [
    # channel, phone, name, address, summary, minutes ago
    (
        "SWITCHBOARD",
        "07700 900123",
        "Anne Example",
        "12 Acacia Avenue, Leeds LS6 2AB",
        "Wants to reactivate court order against ex-husband, he has been in contact",
        60 * 24 * 7,
    ),
    (
        "101",
        "0113 496 0555",
        "Raj Patel",
        "4 Mill Lane, Otley LS21 1AA",
        "Asking for an update on his stolen bike report",
        180,
    ),
    (
        "FRONT_COUNTER",
        "",
        "Joan Smith",
        "",
        "Handed in a found purse; no ID inside",
        95,
    ),
    (
        "SWITCHBOARD",
        "07700 9001",
        "",
        "",
        "Caller wanted the custody suite; number given was incomplete",
        40,
    ),
]

CALLS = [
    # key, channel, phone, name, address, area, narrative, opening code, silent, minutes ago
    (
        "demo-cad-1",
        "999",
        "+44 7700 900123",
        "Anne Example",
        "12 Acacia Avenue, Leeds, LS6 2AB",
        "URBAN",
        "Someone's buzzing at my door, don't know who it is. Caller says she and her ex-husband "
        "went through a bit of a domestic violence case last year. Loud banging at the door now.",
        "SUSPICIOUS",
        False,
        12,
    ),
    (
        "demo-cad-2",
        "999",
        "0113 496 0000",
        "Landlord",
        "Red Lion, 1 High Street, Leeds LS1 1AA",
        "URBAN",
        "Two men fighting outside the pub, one has a knife",
        "WEAPONS",
        False,
        8,
    ),
    (
        "demo-cad-3",
        "101",
        "07700 900654",
        "Mark Jones",
        "27 Church Road, Ilkley LS29 9AA",
        "RURAL",
        "Shed broken into overnight, lawnmower and tools taken. No suspects seen.",
        "BURGLARY",
        False,
        45,
    ),
    (
        # A silent 999 call from a number with a special-scheme marker (riskflags demo data).
        "demo-cad-4",
        "999",
        "07700 900456",
        "",
        "",
        "URBAN",
        "",
        "ABANDONED_CALL",
        True,
        3,
    ),
    (
        "demo-cad-5",
        "999",
        "07700 900321",
        "Priya Shah",
        "Flat 3, 8 Park View, Leeds LS11 5AB",
        "URBAN",
        "My neighbour's partner is beating her, I can hear her screaming through the wall.",
        "DOMESTIC",
        False,
        20,
    ),
]


def seed_calls(stdout=None) -> None:
    actor = get_user_model().objects.filter(username="call_handler").first()
    now = timezone.now()
    for channel, phone, name, address, summary, ago in CONTACTS:
        if not Contact.objects.filter(summary=summary, incident__isnull=True).exists():
            services.contact_create(
                actor=actor,
                channel=channel,
                caller_phone=phone,
                caller_name=name,
                address=address,
                summary=summary,
                now=now - timedelta(minutes=ago),
            )
    for key, channel, phone, name, address, area, narrative, code, silent, ago in CALLS:
        services.incident_create(
            actor=actor,
            channel=channel,
            caller_phone=phone,
            caller_name=name,
            address=address,
            area=area,
            narrative=narrative,
            opening_code=code,
            silent=silent,
            idempotency_key=key,
            now=now - timedelta(minutes=ago),
        )
