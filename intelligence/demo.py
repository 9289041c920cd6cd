"""A little realistic intelligence for the demo (idempotent: every row has a source reference)."""

from datetime import timedelta

from django.utils import timezone

DEMO_ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"
DEMO_PHONE = "07700 900123"


def demo_rows(now):
    day = timedelta(days=1)
    return [
        {
            "source_reference": "DEMO-DA-0001",
            "kind": "DA_CRIME",
            "summary": "Brian Example assaulted ex-wife Anne Example at her home; serious "
            "injuries, charged with ABH.",
            "occurred_at": now - 200 * day,
            "people": [
                {"name": "Anne Example", "role": "VICTIM", "date_of_birth": "1986-04-12"},
                {
                    "name": "Brian Example",
                    "role": "SUSPECT",
                    "date_of_birth": "1983-09-30",
                    "aliases": ["Bri Example"],
                },
            ],
            "phones": [DEMO_PHONE],
            "addresses": [DEMO_ADDRESS],
        },
        {
            "source_reference": "DEMO-MARAC-0001",
            "kind": "MARAC",
            "summary": "Anne Example heard at MARAC as a high-risk victim; safety plan agreed.",
            "occurred_at": now - 150 * day,
            "risk_level": "HIGH",
            "people": [{"name": "Anne Example", "role": "VICTIM", "date_of_birth": "1986-04-12"}],
            "phones": [DEMO_PHONE],
            "addresses": [DEMO_ADDRESS],
        },
        {
            "source_reference": "DEMO-DVDS-0001",
            "kind": "DVDS",
            "summary": "Clare's Law disclosure to Anne Example about Brian Example's previous "
            "violence to partners.",
            "occurred_at": now - 190 * day,
            "people": [
                {"name": "Anne Example", "role": "VICTIM", "date_of_birth": "1986-04-12"},
                {"name": "Brian Example", "role": "SUBJECT", "date_of_birth": "1983-09-30"},
            ],
            "phones": [DEMO_PHONE],
        },
        {
            "source_reference": "DEMO-NMO-0001",
            "kind": "COURT_ORDER",
            "summary": "Non-molestation order: Brian Example must not contact Anne Example or "
            "go within 100 metres of 12 Acacia Avenue.",
            "occurred_at": now - 120 * day,
            "expires_at": now + 245 * day,
            "conditions": "No contact by any means; exclusion zone 100 m around 12 Acacia Avenue.",
            "people": [
                {"name": "Anne Example", "role": "PROTECTED", "date_of_birth": "1986-04-12"},
                {"name": "Brian Example", "role": "RESTRICTED", "date_of_birth": "1983-09-30"},
            ],
            "addresses": [DEMO_ADDRESS],
        },
        {
            "source_reference": "DEMO-WARN-0001",
            "kind": "WARNING",
            "summary": "Brian Example: warning marker, known to carry a knife.",
            "occurred_at": now - 400 * day,
            "people": [{"name": "Brian Example", "date_of_birth": "1983-09-30"}],
        },
        {
            "source_reference": "DEMO-SAFE-0001",
            "kind": "SAFEGUARDING",
            "summary": "Children at 3 Mill Lane known to social care; concerns about neglect.",
            "occurred_at": now - 40 * day,
            "addresses": ["3 Mill Lane, Leeds LS7 1QQ"],
        },
        {
            "source_reference": "DEMO-INT-0001",
            "kind": "INTELLIGENCE",
            "summary": "Reports of drug dealing from the flat above the shop.",
            "occurred_at": now - 500 * day,
            "addresses": ["Flat 2, 40 High Street, Leeds LS1 4AB"],
        },
    ]


def seed_demo_intel(stdout=None):
    from intelligence.services import intel_records_import

    now = timezone.now()
    rows = [(n, row) for n, row in enumerate(demo_rows(now), start=1)]
    outcome = intel_records_import(actor=None, rows=rows, source="demo", now=now)
    if stdout is not None and outcome.rejected:
        for line, message in outcome.rejected:
            stdout.write(f"  demo intel row {line} rejected: {message}")
