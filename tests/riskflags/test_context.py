"""Markers at call time: the floor, the banner, the history, silent calls, incident fields."""

from datetime import timedelta

import pytest
import time_machine

from cad import services as cad_services
from riskflags import services
from tests.riskflags.conftest import T0

pytestmark = pytest.mark.django_db


def _assess(**kwargs):
    fields = {"narrative": "Someone is at my door", "channel": "999", "now": T0}
    fields.update(kwargs)
    assessment, _ = cad_services.call_assess(**fields)
    return assessment


def _withdrawn_marker(create_marker, oic, *, withdrawn_at):
    marker = create_marker(now=withdrawn_at - timedelta(days=30))
    services.victim_contact_record(
        actor=oic,
        marker=marker,
        purpose="WITHDRAWAL",
        method="PHONE",
        outcome="NO_ANSWER",
        now=withdrawn_at,
    )
    return services.marker_withdraw(
        actor=oic, marker=marker, reason="No further incidents", now=withdrawn_at
    )


def test_an_active_marker_at_the_address_sets_the_floor_and_a_danger_banner(create_marker):
    create_marker(grade_floor="IMMEDIATE")

    assessment = _assess(address="12 Acacia Ave, Leeds LS6 2AB")

    assert assessment.minimum_grade == "IMMEDIATE"
    assert assessment.context_floor == "IMMEDIATE"
    danger = [b for b in assessment.banners if b["level"] == "danger"]
    assert danger and "SPECIAL SCHEME MARKER" in danger[0]["text"]
    assert "Anne Example" in danger[0]["text"]
    assert any("special scheme" in r.lower() for r in assessment.reasons)


def test_an_active_marker_on_the_callers_number_sets_the_floor(create_marker):
    create_marker(address="1 Elsewhere Road, York YO1 1AA", phone="07700 900123")

    assessment = _assess(caller_phone="+44 7700 900123", address="")

    assert assessment.minimum_grade == "IMMEDIATE"


def test_a_silent_999_call_from_a_marked_number_is_immediate(create_marker):
    create_marker(grade_floor="PRIORITY", phone="07700 900123")

    assessment = _assess(narrative="", silent=True, caller_phone="07700900123")

    assert assessment.minimum_grade == "IMMEDIATE"


def test_a_marker_withdrawn_three_weeks_ago_is_a_risk_factor_with_its_evidence(create_marker, oic):
    _withdrawn_marker(create_marker, oic, withdrawn_at=T0 - timedelta(days=21))

    assessment = _assess(address="12 Acacia Avenue, Leeds LS6 2AB")

    [factor] = [f for f in assessment.risk_factors if f.source == "marker"]
    assert (
        factor.evidence == "special scheme withdrawn 3 weeks ago: ex-husband threatened to kill her"
    )
    assert any(b["level"] == "warning" for b in assessment.banners)
    assert assessment.context_floor == ""


def test_an_expired_marker_shows_as_history_in_the_panel(create_marker, oic):
    marker = create_marker(now=T0 - timedelta(days=60), expires_at=T0 - timedelta(days=20))
    services.victim_contact_record(
        actor=oic,
        marker=marker,
        purpose="REVIEW",
        method="PHONE",
        outcome="CONTACTED",
        now=T0 - timedelta(days=22),
    )
    with time_machine.travel(T0 - timedelta(days=19), tick=False):
        services.marker_expire(marker_id=marker.pk)

    assessment = _assess(address="12 Acacia Avenue, Leeds LS6 2AB")

    [item] = assessment.context["riskflags"]["items"]
    assert item["status"] == "EXPIRED"
    assert item["severity"] == "warning"
    assert "expired 2 weeks ago" in item["text"]
    factor = next(f for f in assessment.risk_factors if f.source == "marker")
    assert factor.evidence.startswith("special scheme expired 2 weeks ago")


def test_a_marker_ended_over_a_year_ago_is_history_but_not_a_risk_factor(create_marker, oic):
    _withdrawn_marker(create_marker, oic, withdrawn_at=T0 - timedelta(days=400))

    assessment = _assess(address="12 Acacia Avenue, Leeds LS6 2AB")

    assert not [f for f in assessment.risk_factors if f.source == "marker"]
    [item] = assessment.context["riskflags"]["items"]
    assert item["severity"] == "info"


def test_the_incident_lists_its_withdrawn_marker_with_its_status(create_marker, oic, make_staff):
    _withdrawn_marker(create_marker, oic, withdrawn_at=T0 - timedelta(days=21))

    incident = cad_services.incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        narrative="Loud banging at the door",
        caller_phone="07700 900123",
        address="12 Acacia Avenue, Leeds, LS6 2AB",
        now=T0,
    )

    from cad.serializers import IncidentSerializer

    markers = IncidentSerializer(incident, context={"reader": None}).data["markers"]
    assert [m["status"] for m in markers] == ["WITHDRAWN"]
    log = [e.text for e in incident.log_entries.all()]
    assert any("withdrawn 3 weeks ago" in line for line in log)


def test_an_incident_at_a_marked_address_is_tagged_and_graded_at_the_floor(
    create_marker, make_staff
):
    create_marker()

    incident = cad_services.incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        narrative="Noise outside",
        address="12 Acacia Avenue, Leeds LS6 2AB",
        now=T0,
    )

    assert incident.grade == "IMMEDIATE"
    assert "MARKER" in incident.tag_names


def test_a_marked_incident_is_tagged_and_logged_at_the_time_the_call_was_taken(
    create_marker, make_staff
):
    create_marker()
    taken = T0 + timedelta(hours=1)

    incident = cad_services.incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        narrative="Noise outside",
        address="12 Acacia Avenue, Leeds LS6 2AB",
        now=taken,
    )

    assert {tag.added_at for tag in incident.tags.all()} == {taken}
    assert {line.at for line in incident.log_entries.all()} == {taken}
