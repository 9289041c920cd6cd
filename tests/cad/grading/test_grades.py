"""Grades: minimum and recommended, with reasons a call handler understands."""

import pytest

from cad.models import Grade
from tests.cad.grading.helpers import assess_999, marker_context


@pytest.mark.parametrize(
    "narrative",
    [
        "My boyfriend is hitting me right now",
        "My ex is outside trying to get in, he's kicking the door",
        "My husband punched me and he's still in the house",
        "Caller whispering, her partner is downstairs and has been hitting her",
    ],
)
def test_domestic_abuse_with_a_present_danger_is_immediate(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is True
    assert assessment.present_danger is True
    assert assessment.minimum_grade == Grade.IMMEDIATE


@pytest.mark.parametrize(
    "narrative",
    [
        "My ex has been messaging me saying he's going to kill me",
        "My partner strangled me last night, he's at work now",
        "My ex has breached his restraining order by messaging me",
    ],
)
def test_domestic_abuse_with_a_serious_risk_factor_is_immediate(narrative):
    assessment = assess_999(narrative, channel="101")

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == Grade.IMMEDIATE


def test_other_domestic_abuse_is_at_least_priority():
    assessment = assess_999(
        "My husband controls all my money and won't let me see my friends", channel="101"
    )

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == Grade.PRIORITY
    assert any("supervisor" in reason for reason in assessment.reasons)


def test_domestic_abuse_admin_call_is_never_resolution():
    assessment = assess_999("Caller wants an update on her domestic abuse case", channel="101")

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == Grade.PRIORITY
    assert assessment.recommended_grade == Grade.PRIORITY


def test_many_risk_factors_together_recommend_immediate():
    assessment = assess_999(
        "My ex keeps following me since we split up, I'm pregnant and terrified", channel="101"
    )

    assert assessment.minimum_grade == Grade.PRIORITY
    assert assessment.recommended_grade == Grade.IMMEDIATE


def test_a_silent_999_call_from_a_marked_number_is_immediate():
    assessment = assess_999("", silent=True, context=[marker_context()])

    assert assessment.minimum_grade == Grade.IMMEDIATE
    assert any("marked" in reason for reason in assessment.reasons)


def test_a_silent_999_call_from_a_marked_number_needs_a_supervisor_to_downgrade():
    from cad.models import Incident
    from cad.services import supervisor_needed

    assessment = assess_999("", silent=True, context=[marker_context()])
    incident = Incident(
        assessment=assessment.as_dict(),
        recommended_grade=assessment.recommended_grade,
        minimum_grade=assessment.minimum_grade,
    )

    assert assessment.context_floor == Grade.IMMEDIATE
    assert supervisor_needed(incident, Grade.PRIORITY)


def test_an_empty_999_narrative_counts_as_silent():
    assessment = assess_999("", context=[marker_context()])

    assert assessment.minimum_grade == Grade.IMMEDIATE


def test_an_abandoned_call_described_in_the_narrative_counts_as_silent():
    assessment = assess_999("Line went dead, no one speaking", context=[marker_context()])

    assert assessment.minimum_grade == Grade.IMMEDIATE


def test_a_silent_999_call_from_an_unmarked_number_is_priority():
    assessment = assess_999("", silent=True)

    assert assessment.minimum_grade == Grade.PRIORITY


def test_a_silent_101_call_from_a_marked_number_is_not_raised_by_the_silent_rule():
    assessment = assess_999("", channel="101", silent=True, context=[marker_context()])

    assert assessment.minimum_grade != Grade.IMMEDIATE


def test_an_active_marker_sets_the_floor_and_the_context_floor():
    assessment = assess_999(
        "Caller says her car has been scratched",
        channel="101",
        context=[marker_context(floor="IMMEDIATE")],
    )

    assert assessment.minimum_grade == Grade.IMMEDIATE
    assert assessment.context_floor == Grade.IMMEDIATE


def test_a_serious_context_finding_makes_domestic_abuse_immediate():
    assessment = assess_999(
        "My ex keeps texting me", channel="101", context=[marker_context(serious=True)]
    )

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == Grade.IMMEDIATE
    assert "marker_active" in {f.code for f in assessment.risk_factors}


@pytest.mark.parametrize(
    "narrative",
    [
        "Two men fighting outside the pub, one has a knife",
        "Man on the bridge saying he's going to jump",
        "Someone's in my house, I can hear them downstairs",
        "A lad's been stabbed outside the chip shop, he's bleeding heavily",
        "Car crash on the A64, the driver is trapped",
        "My husband has collapsed and isn't breathing",
    ],
)
def test_non_domestic_emergencies_are_immediate(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is False
    assert assessment.minimum_grade == Grade.IMMEDIATE


@pytest.mark.parametrize(
    ("narrative", "channel", "grade"),
    [
        ("Shoplifter detained at the Co-op, being aggressive with staff", "999", Grade.PRIORITY),
        ("Elderly man wandering in the road looking confused", "999", Grade.PRIORITY),
        ("My shed was broken into overnight and my bike was stolen", "101", Grade.SCHEDULED),
        (
            "I was punched outside a nightclub on Saturday, I want to report it",
            "101",
            Grade.SCHEDULED,
        ),
        ("Can I have an update on my crime reference number", "101", Grade.RESOLUTION),
        ("I want to speak to the officer dealing with my burglary", "101", Grade.RESOLUTION),
        ("Found a wallet in the street, how do I hand it in", "101", Grade.RESOLUTION),
    ],
)
def test_other_calls_get_a_sensible_grade(narrative, channel, grade):
    assessment = assess_999(narrative, channel=channel)

    assert assessment.minimum_grade == grade


def test_the_recommended_grade_is_never_below_the_minimum():
    assessment = assess_999(
        "Caller says her car has been scratched", context=[marker_context(floor="PRIORITY")]
    )

    assert not Grade.is_below(assessment.recommended_grade, assessment.minimum_grade)


def test_a_narrative_with_nothing_to_go_on_takes_the_channel_default():
    assessment = assess_999("Caller rang about something", channel="101")

    assert assessment.recommended_grade == Grade.SCHEDULED
    assert assessment.minimum_grade == Grade.RESOLUTION


def test_every_grade_rise_has_a_reason():
    assessment = assess_999("My boyfriend is hitting me right now")

    assert assessment.reasons
    assert all(reason.endswith(".") for reason in assessment.reasons)


def test_as_dict_keeps_every_key_services_and_the_api_rely_on():
    data = assess_999("My boyfriend is hitting me right now").as_dict()

    assert {
        "domestic_abuse",
        "indicators",
        "risk_factors",
        "recommended_grade",
        "minimum_grade",
        "reasons",
        "banners",
        "context",
        "context_floor",
    } <= set(data)
    assert {"code", "label", "evidence"} <= set(data["indicators"][0])


@pytest.mark.parametrize(
    "narrative",
    ["", "   ", "...", "'s", "??!!", "é" * 50, "my ex " * 500, "İstanbul ﬁre 🔥 he’s here", "\n\n"],
)
def test_odd_input_never_breaks_the_assessment(narrative):
    assessment = assess_999(narrative)

    assert assessment.minimum_grade in Grade.values
    assert not Grade.is_below(assessment.recommended_grade, assessment.minimum_grade)


@pytest.mark.parametrize(
    "narrative",
    [
        "Stranger has grabbed my wife's handbag and ran off",
        "Lad on a bike snatched my phone outside Tesco",
        "I've just been mugged on the high street",
    ],
)
def test_a_robbery_is_at_least_priority_not_resolution(narrative):
    """A bag or phone snatched, a mugging: a crime with an offender nearby, not an admin call
    (it was graded RESOLUTION: nothing in the narrative set the grade)."""
    assessment = assess_999(narrative)

    assert assessment.minimum_grade in ("PRIORITY", "IMMEDIATE")
    assert "CRIME_IN_PROGRESS" in assessment.categories
