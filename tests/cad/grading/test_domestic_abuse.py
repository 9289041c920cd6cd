"""Domestic abuse per the Domestic Abuse Act 2021: a personal connection AND abusive behaviour."""

import pytest

from tests.cad.grading.helpers import assess_999, codes, finding

FOUNDING_CASE = (
    "Someone's buzzing at my door, don't know who it is. Caller says she and her ex-husband went "
    "through a bit of a domestic violence case last year. Loud banging at the door now."
)


def test_the_founding_case_is_domestic_abuse_and_immediate():
    assessment = assess_999(FOUNDING_CASE)

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"
    assert assessment.recommended_grade == "IMMEDIATE"
    assert "DA_HISTORY" in codes(assessment.indicators)
    assert "SUSPECT_AT_DOOR" in codes(assessment.risk_factors)


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband is in hospital after a fall",
        "My girlfriend's phone was stolen on the train",
        "My ex-wife and I want to swap the children's weekend",
        "My mother-in-law has died at home, the doctor said to ring you",
        "My dad has dementia and has gone missing from his care home",
        "My partner's van was stolen from the drive this morning",
    ],
)
def test_a_relationship_word_alone_is_not_domestic_abuse(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is False
    assert assessment.indicators == []


def test_a_relationship_word_alone_is_explained_in_the_reasons():
    assessment = assess_999("My husband is in hospital after a fall")

    assert any("no abusive behaviour" in reason for reason in assessment.reasons)


@pytest.mark.parametrize(
    ("narrative", "behaviour"),
    [
        ("My boyfriend punched me in the face", "VIOLENCE"),
        ("My ex keeps threatening me by text", "THREATS"),
        ("My husband smashed my phone and broke the door", "DAMAGE"),
        ("My ex-girlfriend won't leave me alone, she keeps turning up", "HARASSMENT"),
        ("My former partner has been following me home from work", "STALKING"),
        ("My wife won't let me see my friends and checks my phone", "CONTROLLING"),
        ("My husband controls all the money and takes my wages", "ECONOMIC"),
        ("My ex has posted naked pictures of me online", "INTIMATE_IMAGE"),
        ("My son, who is 30, keeps shouting at me and calling me names", "HARASSMENT"),
    ],
)
def test_a_connection_and_abusive_behaviour_is_domestic_abuse(narrative, behaviour):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is True
    assert "PERSONAL_CONNECTION" in codes(assessment.indicators)
    assert behaviour in codes(assessment.indicators)


def test_each_indicator_quotes_the_words_that_triggered_it():
    narrative = "My ex-husband punched me"

    assessment = assess_999(narrative)

    connection = finding(assessment.indicators, "PERSONAL_CONNECTION")
    violence = finding(assessment.indicators, "VIOLENCE")
    assert connection.evidence == '"ex-husband"'
    assert violence.evidence == '"punched"'
    start, end = violence.spans[0]
    assert narrative[start:end] == "punched"


@pytest.mark.parametrize("spelling", ["ex-husband", "ex husband", "exhusband", "Ex-Husband"])
def test_spelling_variants_of_a_relationship_are_recognised(spelling):
    assessment = assess_999(f"My {spelling} hit me")

    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "My neighbour's partner is beating her",
        "The couple next door are fighting, I can hear her screaming",
        "My sister is being hit by her husband, she rang me crying",
        "The man next door is hitting his wife in the garden",
        # Log style: "male"/"female" describe the people, they do not make them strangers.
        "3P reports male assaulting female in flat above, believed partners, ongoing",
        "DA. IP female states husb threatened her w/ knife earlier, now left scene",
    ],
)
def test_a_third_party_report_is_domestic_abuse(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is True


def test_a_third_party_report_is_marked_as_one():
    assessment = assess_999("My neighbour's partner is beating her")

    assert "THIRD_PARTY" in codes(assessment.indicators)


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband and I were walking home and a group of lads attacked us",
        "My son was assaulted by two men outside a club last night",
        "My husband got into a fight with a bouncer outside the pub",
        "My son has been threatened by a man at the park who said he'd batter him",
        "My wife is being harassed by a customer at her shop",
        "Two unknown males assaulted my husband outside the pub",
        # The "I" of "a man I don't know" is not who did it.
        "A man I don't know just punched my boyfriend outside the pub, he's run off",
        "Some bloke I've never seen before hit my wife at the bus stop",
    ],
)
def test_abuse_by_someone_not_personally_connected_is_not_domestic_abuse(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is False


def test_denial_of_violence_alone_is_not_domestic_abuse():
    assessment = assess_999("My husband hasn't hit me, we just need advice about the kids")

    assert assessment.domestic_abuse is False


def test_denial_of_violence_with_other_abuse_is_still_domestic_abuse():
    assessment = assess_999("My partner hasn't hit me but he keeps threatening me")

    assert assessment.domestic_abuse is True
    assert "VIOLENCE" not in codes(assessment.indicators)
    assert "THREATS" in codes(assessment.indicators)


def test_a_history_of_domestic_abuse_is_an_indicator():
    assessment = assess_999(
        "Caller says she and her ex went through a domestic violence case last year"
    )

    assert assessment.domestic_abuse is True
    assert "DA_HISTORY" in codes(assessment.indicators)


def test_past_abuse_by_a_partner_is_domestic_abuse_but_not_a_present_danger():
    assessment = assess_999("My ex-boyfriend hit me two weeks ago, I want to report it")

    assert assessment.domestic_abuse is True
    assert assessment.present_danger is False
    assert assessment.minimum_grade == "PRIORITY"


def test_an_unnamed_he_controlling_the_caller_implies_a_connection():
    assessment = assess_999(
        "He hasn't hit me but he's smashed my phone and told me I'm not allowed out"
    )

    assert assessment.domestic_abuse is True


def test_an_unnamed_he_in_a_public_place_is_not_assumed_to_be_a_partner():
    assessment = assess_999("I was in the pub and he just punched me for no reason")

    assert assessment.domestic_abuse is False


def test_a_child_under_16_is_not_a_personal_connection_for_domestic_abuse():
    assessment = assess_999("My 13 year old son hit me when I took his Xbox", channel="101")

    assert assessment.domestic_abuse is False


def test_an_adult_child_is_a_personal_connection():
    assessment = assess_999("My 19 year old son hit me when I took his car keys")

    assert assessment.domestic_abuse is True


def test_threatening_suicide_is_not_a_threat_to_someone_else():
    assessment = assess_999("My fiance is threatening to kill himself, he's on the roof")

    assert assessment.domestic_abuse is False
    assert assessment.minimum_grade == "IMMEDIATE"


def test_domestic_in_another_sense_is_not_domestic_abuse():
    assessment = assess_999("We've had a domestic burglary, they took the laptop", channel="101")

    assert assessment.domestic_abuse is False


def test_a_non_molestation_order_is_a_domestic_abuse_indicator():
    assessment = assess_999(
        "I have a non molestation order and want to know what to do if he contacts me",
        channel="101",
    )

    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "IP states family are forcing her to marry a man in Pakistan next month, she is 17, "
        "they have taken her passport",
        "my parents are forcing me to marry a man I have never met, they took my passport",
        "IP states her family are forcing her to marry, passport taken",
    ],
)
def test_forced_marriage_is_da_whoever_else_is_named_and_never_vetoed(narrative):
    """Done by family (the 2014 Act s.121, honour-based abuse): the spouse-to-be ("a man")
    does not make it a stranger's act, and the text model may not overrule it."""
    from cad.grading.combine import Thresholds

    sure_not = Thresholds(domestic_abuse=1.0, ask=1.0, present_danger=1.0, veto=1.0)

    for assessment in (assess_999(narrative), assess_999(narrative, thresholds=sure_not)):
        assert assessment.domestic_abuse is True
        assert assessment.minimum_grade in ("PRIORITY", "IMMEDIATE")


def test_forced_marriage_denied_or_of_a_child_under_16_is_not_da_on_the_words():
    """The rule itself (rules alone): negated, or a party named as under 16 (child abuse)."""
    denied = "Caller says there is no forced marriage, just a family row"
    child = "my 14 year old daughter says her uncle is forcing her to marry"

    for narrative in (denied, child):
        assessment = assess_999(narrative, statistical=False)
        assert "FORCED_MARRIAGE" not in codes(assessment.indicators), narrative
