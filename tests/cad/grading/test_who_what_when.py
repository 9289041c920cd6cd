"""WHO (a personal connection in any words, 16 or over), WHAT (kinds of abuse), WHEN and
CERTAINTY: the engine generalises over how people say it, and rejects the look-alikes."""

import pytest

from cad.context import ContextResult, Finding, FindingCategory
from tests.cad.grading.helpers import assess_999, codes

FOUNDING_CASE = (
    "Caller says her ex-husband is banging on her door. She had a court order against him "
    "last year. She is scared."
)


def test_the_founding_case_with_no_records_on_file_is_da_and_immediate():
    assessment = assess_999(FOUNDING_CASE)

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"
    assert assessment.present_danger is True
    assert "PROTECTIVE_ORDER" in codes(assessment.indicators)


@pytest.mark.parametrize(
    "narrative",
    [
        "My wife came at me with a kitchen knife, I've locked myself in the garage",
        "my girlfriend grabbed me by the hair and dragged me across the floor, she's my partner",
        "ex-p outside address shouting threats, caller locked in",
        "the kids' dad has just kicked the front door in and is screaming at me",
        "my baby father keeps coming round and he hit me last week, he's here now",
        "Me fella's only gone and put a knife to me throat, he's in the kitchen now",
        "I'm 82 and my son is my carer, he takes my pension and shouts at me",
        "My sister has attacked me, she's punched me in the head and she's still downstairs",
        "My mother-in-law spat in my face and slapped me",
        "IP states g/f threw a mug at him, IP has cut to head",
        "Caller states OH has pinned her to the floor, OH standing at car window",
    ],
)
def test_a_connection_in_shorthand_implied_or_any_gender_is_recognised(narrative):
    assert assess_999(narrative).domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "Housing officer reporting that a tenant disclosed her partner is controlling all her "
        "money and won't let her leave the flat alone",
        "I can hear my neighbour screaming get off me, you're hurting me, through the wall",
        "I'm 15, my stepdad has my mum by the throat in the kitchen, please come",
        "abandoned call, on C/B female shouting get off me and male voice heard, line went dead",
    ],
)
def test_third_party_and_call_back_frames_are_recognised(narrative):
    assert assess_999(narrative).domestic_abuse is True


@pytest.mark.parametrize(
    ("narrative", "behaviour"),
    [
        ("my partner has put cameras all round the house to watch me", "CONTROLLING"),
        ("my husband hides my medication when I don't do what he says", "CONTROLLING"),
        ("my boyfriend has taken out loans in my name and took my bank card", "ECONOMIC"),
        ("My ex has been taking photos of my house and sending me parcels", "STALKING"),
        ("My ex has posted nude photos of me on facebook", "INTIMATE_IMAGE"),
        ("My husband says he'll take the kids and I'll never see them again", "THREATS"),
    ],
)
def test_each_kind_of_abuse_is_a_class_of_behaviour(narrative, behaviour):
    assessment = assess_999(narrative, channel="101")

    assert assessment.domestic_abuse is True
    assert behaviour in codes(assessment.indicators)


@pytest.mark.parametrize(
    "narrative",
    [
        "There's someone knocking at my door. My ex was let out of prison last week, he did 2 "
        "years for what he did to me",
        "somebody just tried my door handle, my ex-partner has bail conditions not to come here",
        "I had a DA case against my ex last year and he has just rung my doorbell",
    ],
)
def test_something_minor_now_to_a_caller_with_a_da_history_is_da_and_immediate(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"


def test_a_card_through_the_door_from_an_ex_on_bail_is_da():
    assessment = assess_999(
        "A card has been pushed through my door from my ex, he's on bail not to contact me"
    )

    assert assessment.domestic_abuse is True


def test_a_knock_with_a_da_history_on_record_is_da():
    record = ContextResult(
        provider="intelligence",
        risk_factors=[
            Finding(
                code="intel_marac",
                label="MARAC case",
                evidence="MARAC 2025",
                source="intel",
                categories=frozenset({FindingCategory.DA_HISTORY}),
            )
        ],
    )

    assessment = assess_999("Someone is knocking on my door and I'm scared", context=[record])

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"


@pytest.mark.parametrize(
    "narrative",
    [
        "He's trying all the windows, it's my ex, I'm holding the door shut",
        "My husband is climbing over the back fence, I'm terrified",
        "my boyfriend's outside and he's got something in his hand, he said tonight is the night",
    ],
)
def test_loosely_phrased_present_danger_is_immediate(narrative):
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"


@pytest.mark.parametrize(
    "narrative",
    [
        "My two boys are fighting, the 12 year old has punched his brother who is 9",
        "my daughter aged 14 hit her sister and smashed her phone",
        "My daughter's 14, her boyfriend's 15, he slapped her at school today",
        "A man outside the pub has just punched my boyfriend and run off towards the station",
        "Some lads attacked my husband on the way home, they've gone now",
        "Reporting a theft of my purse at Tesco. I've got a non-mol against my ex from 2019 if "
        "that matters, but he wasn't there",
        "My husband is going to kill me, I've lost my wedding ring at the swimming pool",
        "The woman across the road is harassing me, she films my house and calls me names",
    ],
)
def test_look_alikes_are_not_domestic_abuse(narrative):
    assert assess_999(narrative).domestic_abuse is False


def test_a_child_under_16_is_named_as_the_reason_it_is_not_da():
    assessment = assess_999("My son's 15 and he's just punched his sister who's 12")

    assert assessment.domestic_abuse is False
    assert any("under 16" in reason for reason in assessment.reasons)


def test_each_behaviour_has_who_what_when_and_certainty_slots_with_spans():
    narrative = "My ex-husband punched me last week. He is outside now"

    assessment = assess_999(narrative)

    punch = next(b for b in assessment.behaviours if b["code"] == "VIOLENCE")
    assert punch["who"]["text"] == "ex-husband"
    assert punch["connection"]["kind"] == "ex"
    assert punch["class"] == "physical or sexual abuse"
    assert punch["when"] == "history"
    assert punch["certainty"] == "asserted"
    assert punch["domestic"] is True
    start, end = punch["spans"][0]
    assert narrative[start:end] == "punched"


@pytest.mark.parametrize(
    ("narrative", "certainty"),
    [
        ("My husband hasn't hit me", "negated"),
        ("I'm scared my husband will hit me", "hypothetical"),
        ("She states her husband hit her", "reported"),
    ],
)
def test_certainty_is_negated_hypothetical_or_reported(narrative, certainty):
    from cad.grading.engine import Narrative, describe_behaviours
    from cad.grading.lexicon import get_lexicon
    from cad.grading.linking import link
    from cad.grading.people import find_people
    from cad.grading.rules import find_behaviours

    text = Narrative(narrative)
    lexicon = get_lexicon()
    people = find_people(text, lexicon)
    links = [link(text, hit, people) for hit in find_behaviours(text, lexicon)]

    described = describe_behaviours(text, lexicon, links)

    assert described[0]["certainty"] == certainty


def test_a_pathological_20000_character_narrative_completes():
    # No full stops, one behaviour word repeated: before, the tense check rescanned the
    # sentence for every match and this took tens of seconds. No time is asserted here (the
    # bench measures it); a regression shows as a slow test.
    assessment = assess_999(("knife " * 4000)[:20000])

    assert assessment.minimum_grade
    mixed = assess_999(("my ex is hitting me he has a knife and he is outside now " * 400)[:20000])
    assert mixed.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "my friend told me her husband hits her sometimes, she's at work at the moment and "
        "he's away in Spain",
        "I'm ringing about my sister, her husband beats her but she won't call you herself",
    ],
)
def test_violence_told_as_a_habit_is_da_but_not_a_danger_now(narrative):
    """WHEN: "hits her sometimes", "beats her" (simple present, a habit) says nothing about
    now; "my husband hit me" with no time given still does."""
    habit = assess_999(narrative, channel="101")
    now = assess_999("My husband hit me")

    assert habit.domestic_abuse is True and habit.present_danger is False
    assert habit.recommended_grade == "PRIORITY"
    assert now.present_danger is True and now.recommended_grade == "IMMEDIATE"


def test_a_child_caller_given_an_age_is_not_the_age_of_the_parents():
    """ "Child aged 6 answered ... daddy hit her": the 6 is the caller's, not daddy's; mummy
    not waking is a danger to life."""
    assessment = assess_999(
        "child aged 6 answered phone, says mummy is on the floor and won't wake up, daddy hit her"
    )

    assert assessment.domestic_abuse is True
    assert assessment.recommended_grade == "IMMEDIATE"
    assert "DANGER_TO_LIFE" in assessment.categories
