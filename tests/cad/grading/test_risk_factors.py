"""Risk factors from DASH and College of Policing guidance, each quoting its words."""

import pytest

from tests.cad.grading.helpers import assess_999, codes, finding


@pytest.mark.parametrize(
    ("narrative", "code"),
    [
        ("My ex is here in the house shouting at me", "SUSPECT_PRESENT"),
        ("My husband is still in the kitchen, he hit me", "SUSPECT_PRESENT"),
        ("My ex is banging on the door and shouting", "SUSPECT_AT_DOOR"),
        ("My ex-partner is trying to get in through the back window", "SUSPECT_AT_DOOR"),
        ("My boyfriend hit me and has just left in his car", "SUSPECT_JUST_LEFT"),
        ("My husband said he's going to kill me", "THREATS_TO_KILL"),
        ("My partner strangled me until I couldn't breathe", "STRANGULATION"),
        ("My partner put his hands round my throat", "STRANGULATION"),
        ("My brother has a knife and is threatening me", "WEAPON"),
        ("My wife hit me and my lip is bleeding", "INJURY"),
        ("My ex has breached his non-molestation order by texting me", "BREACH_OF_ORDER"),
        ("My boyfriend hit me, I'm pregnant", "PREGNANCY"),
        ("My ex keeps threatening me since we split up last month", "RECENT_SEPARATION"),
        ("My ex keeps following me and sitting outside my house", "STALKING"),
        ("My husband hit me again, it's getting worse every week", "ESCALATION"),
        ("My partner is hitting me and the kids are upstairs", "CHILDREN_PRESENT"),
        ("My partner hit me, I'm terrified of him", "VICTIM_FRIGHTENED"),
    ],
)
def test_a_risk_factor_is_found_with_its_evidence(narrative, code):
    assessment = assess_999(narrative)

    risk = finding(assessment.risk_factors, code)
    assert risk.evidence
    for start, end in risk.spans:
        assert narrative[start:end].lower() in risk.evidence.lower()


def test_a_negated_risk_factor_does_not_count():
    assessment = assess_999("My partner pushed me, there are no weapons and nobody is injured")

    assert "WEAPON" not in codes(assessment.risk_factors)
    assert "INJURY" not in codes(assessment.risk_factors)


def test_a_suspect_who_was_at_the_door_last_week_is_not_at_the_door_now():
    assessment = assess_999(
        "My ex was banging on my door last week, I want to report it", channel="101"
    )

    assert "SUSPECT_AT_DOOR" not in codes(assessment.risk_factors)
    assert assessment.present_danger is False


def test_a_past_serious_risk_factor_is_kept_but_not_serious():
    assessment = assess_999(
        "My ex strangled me two years ago and now he keeps messaging me", channel="101"
    )

    strangulation = finding(assessment.risk_factors, "STRANGULATION")
    assert strangulation.weight == "normal"
    assert "in the past" in strangulation.label


def test_fearing_strangulation_is_not_strangulation():
    assessment = assess_999("My partner keeps threatening me, I'm scared he'll strangle me")

    assert "STRANGULATION" not in codes(assessment.risk_factors)


def test_domestic_only_risk_factors_are_not_reported_on_other_calls():
    assessment = assess_999("My wife is pregnant and her car was stolen", channel="101")

    assert "PREGNANCY" not in codes(assessment.risk_factors)


def test_an_order_and_contact_is_a_breach_even_without_the_word():
    assessment = assess_999(
        "I've got a restraining order against my ex and he has been messaging me today"
    )

    breach = finding(assessment.risk_factors, "BREACH_OF_ORDER")
    assert breach.weight == "serious"
    assert "restraining order" in breach.evidence


def test_shouting_is_distress_on_the_call_only_on_an_abandoned_call_or_call_back():
    """ "My 45 year old son keeps shouting at me": abuse (DA, PRIORITY), not the serious
    "distress heard on an abandoned call" that made it IMMEDIATE; nor is a 45-year-old a child."""
    told = assess_999("my 45 year old son keeps shouting at me and calling me names", channel="101")
    heard = assess_999("Abandoned call, on call back shouting heard, female crying")

    assert told.domestic_abuse is True and told.recommended_grade == "PRIORITY"
    assert not {"DISTRESS_ON_CALL", "CHILDREN_PRESENT"} & codes(told.risk_factors)
    assert "DISTRESS_ON_CALL" in codes(heard.risk_factors)


@pytest.mark.parametrize(
    "narrative",
    [
        "my husband is hitting me, my 3 year old is here",
        "husband hitting me, my 8 month old is upstairs",
        "C/S 2 children in house, husband shouting and throwing things",
    ],
)
def test_children_present_by_age_or_in_log_style(narrative):
    assert "CHILDREN_PRESENT" in codes(assess_999(narrative).risk_factors)
