"""The check itself: what it finds, why each item matched, and what it means for grading."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad.normalise import normalise_address
from intelligence.check import CheckQuery, check_compute
from tests.intelligence.factories import ADDRESS, E164, contact, record

pytestmark = pytest.mark.django_db


def query(*, phone=E164, address="", names=(), now=None, current=True):
    return CheckQuery(
        phone=phone,
        address=normalise_address(address),
        names=tuple(names),
        now=now or timezone.now(),
        counts_current_call=current,
    )


def codes(result):
    return {f.code: f for f in result.risk_factors}


def test_a_record_linked_to_the_number_is_found_with_why():
    saved = record("DVDS", phones=["07700 900123"])

    result = check_compute(query())

    assert [r["id"] for r in result.records] == [saved.pk]
    assert result.records[0]["why"] == [f"phone {E164}"]


def test_a_live_court_order_protecting_the_caller_is_a_serious_risk_factor_naming_the_record():
    now = timezone.now()
    order = record(
        "COURT_ORDER",
        now=now,
        summary="Non-molestation order",
        protected_person="Anne Example",
        restricted_person="Brian Example",
        expires_at=now + timedelta(days=100),
        source_reference="NMO-1",
    )

    result = check_compute(query(phone="", names=["anne example"], now=now))

    finding = codes(result)["COURT_ORDER_LIVE"]
    assert finding.weight == "serious"
    assert f"record #{order.pk}" in finding.evidence and "NMO-1" in finding.evidence
    assert result.banners[0]["level"] == "danger"
    assert "LIVE COURT ORDER" in result.banners[0]["text"]


def test_an_expired_court_order_is_history_not_a_risk_factor():
    now = timezone.now()
    record(
        "COURT_ORDER",
        now=now,
        days_ago=100,
        protected_person="Anne Example",
        expires_at=now - timedelta(days=5),
    )

    result = check_compute(query(phone="", names=["anne example"], now=now))

    assert "COURT_ORDER_LIVE" not in codes(result)
    assert result.records[0]["live"] is False
    assert any(b["code"] == "COURT_ORDER_ENDED" for b in result.banners)


def test_a_marac_in_the_last_12_months_is_serious_and_an_older_one_is_summarised():
    now = timezone.now()
    recent = record("MARAC", now=now, days_ago=200, risk_level="HIGH")
    record("MARAC", now=now, days_ago=500)

    result = check_compute(query(now=now))

    finding = codes(result)["MARAC_12_MONTHS"]
    assert finding.weight == "serious" and f"#{recent.pk}" in finding.evidence
    assert [r["id"] for r in result.records] == [recent.pk]
    assert result.older["records"][0] | {"ids": None} == {
        "kind": "MARAC",
        "label": "MARAC",
        "count": 1,
        "latest_at": result.older["records"][0]["latest_at"],
        "ids": None,
    }


def test_previous_domestic_abuse_is_a_risk_factor_with_the_record_as_evidence():
    saved = record("DA_CRIME", summary="Brian Example assaulted Anne Example")

    finding = codes(check_compute(query()))["PREVIOUS_DOMESTIC_ABUSE"]

    assert f"record #{saved.pk}" in finding.evidence
    assert "Brian Example assaulted" in finding.evidence
    assert finding.weight == "normal"


def test_three_contacts_in_30_days_make_a_pattern_counting_the_current_call():
    now = timezone.now()
    for days in (8.5, 4, 1):
        contact(now=now, days_ago=days, channel="101")

    result = check_compute(query(now=now))

    assert result.patterns[0]["text"] == "4th contact in 9 days from this number"
    assert codes(result)["REPEAT_CONTACTS"].label == (
        "Repeat contacts: 4th contact in 9 days from this number"
    )


def test_two_contacts_and_the_current_call_already_make_three():
    now = timezone.now()
    contact(now=now, days_ago=2)
    contact(now=now, days_ago=1)

    assert check_compute(query(now=now)).patterns[0]["contacts"] == 3


def test_contacts_older_than_30_days_do_not_make_a_pattern():
    now = timezone.now()
    contact(now=now, days_ago=40)
    contact(now=now, days_ago=35)

    result = check_compute(query(now=now))

    assert result.patterns == []
    assert len(result.previous_contacts) == 2


def test_a_switchboard_contact_at_the_address_is_found_with_its_channel():
    saved = contact(channel="SWITCHBOARD", phone="", address="12 Acacia Ave, Leeds, LS6 2AB")

    result = check_compute(query(phone="", address=ADDRESS))

    assert result.previous_contacts[0]["id"] == saved.pk
    assert result.previous_contacts[0]["channel"] == "SWITCHBOARD"
    assert result.previous_contacts[0]["why"] == ["address: same number 12, acacia avenue, LS6 2AB"]


def test_contacts_older_than_12_months_are_counted_not_listed():
    contact(days_ago=400)

    result = check_compute(query())

    assert result.previous_contacts == []
    assert result.older["contacts"] == 1


def test_records_come_most_serious_first():
    now = timezone.now()
    record("INTELLIGENCE", now=now, days_ago=1)
    record("DA_CRIME", now=now, days_ago=2)
    record("MARAC", now=now, days_ago=3)

    kinds = [r["kind"] for r in check_compute(query(now=now)).records]

    assert kinds == ["MARAC", "DA_CRIME", "INTELLIGENCE"]


def test_a_name_match_says_which_name_in_words_and_keeps_its_score():
    record("DA_CRIME", names=["Anne Example"], phones=[])

    exact = check_compute(query(phone="", names=["anne example"]))
    similar = check_compute(query(phone="", names=["ann example"]))

    assert exact.records[0]["why"] == ["name Anne Example"]
    assert exact.records[0]["name_score"] == 100
    assert similar.records[0]["why"] == ["name similar to Anne Example"]
    assert 85 <= similar.records[0]["name_score"] < 100


def test_an_empty_query_finds_nothing():
    record("DA_CRIME")

    result = check_compute(query(phone=""))

    assert result.records == [] and result.previous_contacts == []


def test_the_check_lists_the_markers_the_marker_app_finds_through_cad(monkeypatch):
    asked = []

    def lookup(**kwargs):
        asked.append(kwargs)
        return [{"id": 7, "status": "ACTIVE", "why_matched": "phone"}]

    monkeypatch.setattr("cad.context._MARKER_LOOKUP", lookup)
    now = timezone.now()

    result = check_compute(query(now=now))

    assert [m["id"] for m in result.markers] == [7] and result.markers_checked
    assert asked == [
        {"phone": E164, "address_normalised": "", "now": now, "place": None, "incident_id": None}
    ]


def test_with_no_app_keeping_markers_the_check_says_they_could_not_be_checked(monkeypatch):
    monkeypatch.setattr("cad.context._MARKER_LOOKUP", None)

    result = check_compute(query())

    assert result.markers == [] and not result.markers_checked
    assert "MARKERS_UNCHECKED" in {b["code"] for b in result.banners}


def _incident(*, days_ago, domestic_abuse=False, now=None):
    from cad.services import incident_create

    return incident_create(
        actor=None,
        channel="101",
        caller_phone="07700 900123",
        narrative="Shed broken into",
        domestic_abuse=domestic_abuse or None,
        now=(now or timezone.now()) - timedelta(days=days_ago),
    )


def test_history_older_than_12_months_is_counted_in_one_query_per_kind_with_no_rows_read():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()
    contact(now=now, days_ago=400)
    _incident(now=now, days_ago=500, domestic_abuse=True)
    _incident(now=now, days_ago=450)

    with CaptureQueriesContext(connection) as captured:
        result = check_compute(query(now=now))

    assert result.previous_contacts == [] and result.previous_incidents == []
    assert result.older["contacts"] == 3  # the incidents' own contacts too
    assert result.older["incidents"] == 2
    assert result.older["incidents_domestic_abuse"] == 1
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "cad_contact"' in s for s in sql) == 1
    assert sum('FROM "cad_incident"' in s for s in sql) == 1


def test_history_in_the_last_year_is_listed_newest_first_and_the_older_counted():
    now = timezone.now()
    old = _incident(now=now, days_ago=400, domestic_abuse=True)
    recent = [_incident(now=now, days_ago=days) for days in (20, 3)]
    contact(now=now, days_ago=2)

    result = check_compute(query(now=now))

    assert [i["id"] for i in result.previous_incidents] == [recent[1].pk, recent[0].pk]
    assert result.older == result.older | {"incidents": 1, "incidents_domestic_abuse": 1}
    assert result.older["contacts"] == 1
    assert [c["incident"] for c in result.previous_contacts] == [None, recent[1].pk, recent[0].pk]
    assert old.pk not in [c["incident"] for c in result.previous_contacts]
    # The current call, the contact 2 days ago and the one 3 days ago: within 30 days.
    assert result.patterns[0]["contacts"] == 4
