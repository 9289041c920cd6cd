"""The markers at a number and an address, read together (`markers_matching`: the address
candidates and the number's markers in one round trip), are exactly the markers the two reads
one by one found before: the same items, statuses, `why_matched`, address matches and order,
for the number alone, the address alone (with and without the register, every way of writing
the flat, the flat next door, a misspelt street), both, a number taken off a marker, past
markers, and a probable match a handler dismissed for an incident. The markers named on a call
(`markers_named`: the candidates' names first, the markers only for names that match) are
those read in full before."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.names import NAME_MATCH, name_query_keys, name_score
from cad.normalise import normalise_phone
from premises.addressing import address_query, rows_at
from premises.demo import seed_premises
from riskflags import selectors
from riskflags.models import Marker, MarkerMatchDismissal, MarkerPhone, MarkerStatus
from tests.cad.factories import call_handler, incident
from tests.riskflags.conftest import T0
from tests.riskflags.factories import MarkerFactory

pytestmark = pytest.mark.django_db

FLAT = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
NEXT_DOOR = "Flat 21B, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
HOUSE = "12 Acacia Avenue, Leeds LS6 2AB"
PHONE, OTHER, REMOVED = "+447700900123", "+447700900456", "+447700900789"


def markers_before(*, phone="", address_normalised="", now=None, place=None, incident_id=None):
    """`markers_matching` as it read before: the address candidates, then the number's markers."""
    now = now or timezone.now()
    e164 = normalise_phone(phone).stored if phone else ""
    if place is None and address_normalised:
        place = address_query(address_normalised)
    if not e164 and place is None:
        return []
    by_address = {}
    if place is not None:
        rows = Marker.objects.only("id", "premises_id", "address_parts")
        by_address = {marker.pk: match for marker, match in rows_at(rows, place)}
    by_phone = set()
    if e164:
        by_phone = set(
            MarkerPhone.objects.filter(phone=e164, removed_at__isnull=True).values_list(
                "marker_id", flat=True
            )
        )
    if incident_id and by_address:
        dismissed = set(
            MarkerMatchDismissal.objects.filter(
                incident_id=incident_id, marker_id__in=list(by_address)
            ).values_list("marker_id", flat=True)
        )
        by_address = {k: m for k, m in by_address.items() if m.exact or k not in dismissed}
    ids = set(by_address) | by_phone
    if not ids:
        return []
    ranked = []
    for marker in selectors._marker_queryset().filter(pk__in=ids):
        match = by_address.get(marker.pk)
        reasons = (["address"] if match else []) + (["phone"] if marker.pk in by_phone else [])
        summary = selectors.marker_summary(marker, now=now, why_matched=" and ".join(reasons))
        summary["address_match"] = (
            {"verdict": match.verdict, "reason": match.reason} if match else None
        )
        ranked.append((selectors._relevance(marker, summary["status"]), summary))
    ranked.sort(key=lambda pair: pair[0])
    return [summary for _, summary in ranked]


@pytest.fixture(params=["with the register", "free text only"])
def marked(request):
    if request.param == "with the register":
        seed_premises()
    now = timezone.now()
    made = {
        "flat": MarkerFactory(address=FLAT, phones=[PHONE]),
        "next door": MarkerFactory(address=NEXT_DOOR, phones=[OTHER]),
        "house": MarkerFactory(address=HOUSE),
        "withdrawn": MarkerFactory(
            address=FLAT,
            status=MarkerStatus.WITHDRAWN,
            starts_at=now - timedelta(days=300),
            withdrawn_at=now - timedelta(days=200),
        ),
        "expired": MarkerFactory(
            address="1 Other Street, York",
            phones=[PHONE],
            status=MarkerStatus.EXPIRED,
            starts_at=now - timedelta(days=120),
            expires_at=now - timedelta(days=21),
            expired_at=now - timedelta(days=21),
        ),
        "number taken off": MarkerFactory(address="2 Other Street, York", phones=[REMOVED]),
    }
    MarkerPhone.objects.filter(phone=REMOVED).update(removed_at=now - timedelta(days=1))
    return {"now": now, "markers": made}


@pytest.mark.parametrize(
    "asked",
    [
        {"phone": PHONE},
        {"phone": "07700 900123"},
        {"phone": REMOVED},
        {"address_normalised": FLAT},
        {"address_normalised": "flat 21a acacia ho 5 mill la leeds"},
        {"address_normalised": NEXT_DOOR},
        {"address_normalised": "12 Acacia Avnue, Leeds LS6 2AB"},
        {"address_normalised": "12 Acacia Avenue"},
        {"phone": PHONE, "address_normalised": FLAT},
        {"phone": OTHER, "address_normalised": HOUSE},
        {"phone": "", "address_normalised": "1 Nowhere Street"},
        {},
    ],
    ids=lambda asked: ",".join(f"{k}={v}" for k, v in asked.items()) or "nothing",
)
def test_the_markers_read_together_are_those_read_one_by_one(marked, asked):
    now = marked["now"]
    assert selectors.markers_matching(now=now, **asked) == markers_before(now=now, **asked)


def test_a_dismissed_probable_match_is_left_out_the_same_way(marked):
    now = marked["now"]
    handler = call_handler()
    call = incident(actor=handler, channel="101", narrative="Noise", address=HOUSE)
    for marker in Marker.objects.all():
        MarkerMatchDismissal.objects.create(
            marker=marker,
            incident=call,
            reason="Different house",
            dismissed_by=handler,
            dismissed_at=now,
        )
    for address in ("12 Acacia Avnue, Leeds LS6 2AB", FLAT, "flat 21a acacia ho 5 mill la"):
        asked = {"phone": PHONE, "address_normalised": address, "incident_id": call.pk}
        assert selectors.markers_matching(now=now, **asked) == markers_before(now=now, **asked)


def test_the_number_and_the_address_are_read_in_one_round_trip(marked):
    place = address_query(FLAT)
    with CaptureQueriesContext(connection) as captured:
        found = selectors.markers_matching(phone=PHONE, place=place, now=marked["now"])
    assert found
    reads = [q["sql"] for q in captured.captured_queries if '"riskflags_markerphone"' in q["sql"]]
    # One look-up of the number and the address together; one read of the markers' numbers.
    assert len(reads) == 2 and "json_agg" in reads[0]


# --- Markers found by a name on the call -----------------------------------------------------


def markers_named_before(*, names=(), now=None, exclude_ids=()):
    """`markers_named` as it read before: every candidate marker in full, then scored."""
    now = now or timezone.now()
    names = [n for n in names if n and len(n) >= 2]
    if not names:
        return []
    keys = {k for n in names for k in name_query_keys(n)}
    candidates = (
        selectors._marker_queryset()
        .filter(Q(victim_name_key__in=keys) | Q(perpetrator_name_key__in=keys))
        .exclude(pk__in=list(exclude_ids))[: selectors.NAMED_MARKER_LIMIT]
    )
    ranked = []
    for marker in candidates:
        score, role, shown = max(
            (
                (name_score(n, normalised), role, shown)
                for n in names
                for role, normalised, shown in (
                    ("victim", marker.victim_name_normalised, marker.victim_name),
                    ("perpetrator", marker.perpetrator_name_normalised, marker.perpetrator_name),
                )
                if normalised
            ),
            default=(0, "", ""),
        )
        if score < NAME_MATCH:
            continue
        why = f"{role} name {'' if score == 100 else 'similar to '}{shown}"
        summary = {
            **selectors.marker_summary(marker, now=now, why_matched=why),
            "name_score": score,
        }
        ranked.append((selectors._relevance(marker, summary["status"]), summary))
    ranked.sort(key=lambda pair: pair[0])
    return [summary for _, summary in ranked]


@pytest.fixture
def named(create_marker):
    people = [
        ("Anne Example", "Brian Example"),
        ("Kirsty McDonald", "Brian Exampel"),
        ("Brian Example", "Anne Example"),
        ("Ann Exampel", ""),
        ("Zoe Example", "Brian Smith"),
    ]
    # More markers sharing a name's key than one call shows (the limit cuts the same ones).
    people += [(f"Anne Exampl{'e' * n}", "") for n in range(1, selectors.NAMED_MARKER_LIMIT + 3)]
    return [
        create_marker(
            victim_name=victim,
            perpetrator_name=perpetrator,
            address=f"{n + 1} Mill Lane, Leeds LS6 2AB",
            phone="",
            now=T0 + timedelta(minutes=n),
            confirm_duplicate=True,
        )
        for n, (victim, perpetrator) in enumerate(people)
    ]


@pytest.mark.parametrize(
    "names",
    [
        ["anne example"],
        ["brian example"],
        ["anne example", "brian example"],
        ["kirsty mcdonald"],
        ["ann exampel"],
        ["zoe example", "brian smith"],
        ["nobody atall"],
        ["a"],
        [],
    ],
)
def test_the_markers_named_are_those_read_in_full_before(named, names):
    at = T0 + timedelta(days=1)
    for exclude in ((), [named[0].pk, named[2].pk]):
        new = selectors.markers_named(names=names, now=at, exclude_ids=exclude)
        assert new == markers_named_before(names=names, now=at, exclude_ids=exclude)
        if names == ["anne example"]:
            assert new and all(item["name_score"] >= NAME_MATCH for item in new)


def test_a_call_naming_nobody_on_a_marker_reads_only_the_candidates_names(named):
    with CaptureQueriesContext(connection) as captured:
        assert selectors.markers_named(names=["kirsty mcdonnell-smith"], now=T0) == []
    assert len(captured.captured_queries) == 1
