"""WHO, beyond the relationship nouns: a connection implied by a separation or a shared life
("we split up in March", "since I left him", "if I leave he'll..."), dialect and log shorthand
("s/o", "bidie-in", "bairn's da", "BM", "dtr"), a couple known to a neighbour; and the people on
the caller's side ("IP and partner hiding in the loft") who are not the ones doing harm.

The sentences here are written for these tests, not taken from the corpora."""

import pytest

from cad.grading.lexicon import get_lexicon
from cad.grading.people import find_people
from cad.grading.text import Narrative
from cad.grading.textmodel import get_models
from tests.cad.grading.helpers import assess_999, codes


def connections(narrative: str) -> list[str]:
    return [m.text for m in find_people(Narrative(narrative), get_lexicon()).connections]


@pytest.mark.parametrize(
    "narrative",
    [
        "We split up in the spring and now he texts me forty times a day",
        "ever since I left him he keeps turning up at my mum's",
        "IP states since they separated in June he has turned up at her work",
        "he keeps saying if I leave him he'll torch the house",
        "a lad I used to go out with has put my private pictures on a group chat",
        "we're still together but he takes every penny of my wages",
        "We're not together no more but he won't leave me alone",
        "IP states her s/o has taken her phone and keys",
        "her bidie-in has come home steaming and thrown a plate at her",
        "me bairn's da is outside the door wi a bottle",
        "Inf states BM refusing to hand back child after contact, sent threats",
        "IP states dtr (22) pushed her over in the kitchen",
        "n/bour reports known couple at no.9 screaming at each other",
        "inf believes couple, both left no.3 together before the row",
    ],
)
def test_a_connection_implied_or_in_shorthand_is_found(narrative):
    assert connections(narrative)


@pytest.mark.parametrize(
    "narrative",
    [
        "We split the bill and then a man outside the bar punched my friend",
        "When I left the house this morning a man followed me to the bus stop",
        "we broke up the fight between two lads outside the chippy",
        "if I leave the shop they will follow me, there are three of them",
        "since I left work a car has been following me",
    ],
)
def test_a_split_bill_or_leaving_a_place_is_no_connection(narrative):
    assert connections(narrative) == []


def test_a_teenager_reporting_the_stepdad_has_mum_by_the_throat_is_da_and_immediate():
    """The issue's own example: the caller's age (15) does not take abuse between two adults
    out of domestic abuse, and "stepdad's got" is "has got", not "belonging to"."""
    assessment = assess_999(
        "my stepdad's got my mum by the throat against the wall, I'm 15, I'm upstairs, hurry",
        statistical=False,
    )

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"


def test_a_height_is_not_an_age():
    """ "He's 6 foot": not a six-year-old, so not a child's fight."""
    assessment = assess_999(
        "I'm at my mum's, my stepdad's kicking off, he's 6 foot and he's pulling my mum's hair",
        statistical=False,
    )

    assert assessment.domestic_abuse is True


def test_the_court_telling_him_to_stay_away_is_a_protective_order():
    assessment = assess_999(
        "The court told him to stay away from me and he's banging on my door now",
        statistical=False,
    )

    assert assessment.domestic_abuse is True
    assert "PROTECTIVE_ORDER" in codes(assessment.indicators)
    assert assessment.minimum_grade == "IMMEDIATE"


@pytest.mark.parametrize(
    "narrative",
    [
        "Burglary in progress. IP and partner hiding in the loft, can hear 2x males downstairs.",
        "there's someone in my house, I can hear them downstairs, I'm in the bathroom with my wife",
        "Assault. Security report F punched by unknown M at bar. IP with husband, cut lip.",
        "Inf states unknown male has headbutted her husband outside the pub. Susp still there.",
    ],
)
def test_a_partner_on_the_callers_side_does_not_make_a_strangers_crime_da(narrative):
    assessment = assess_999(narrative, statistical=False)

    assert assessment.domestic_abuse is False


@pytest.mark.parametrize(
    "narrative",
    [
        "Burglary in progress. IP and partner hiding in the loft, can hear 2x males downstairs.",
        "there's someone in my house, I can hear them downstairs, I'm in the bathroom with my wife",
    ],
)
def test_intruders_in_the_house_now_are_immediate(narrative):
    assert assess_999(narrative, statistical=False).minimum_grade == "IMMEDIATE"


@pytest.mark.parametrize(
    "narrative",
    [
        "me and my ex were arguing and he hit me",
        "ex-p at addr, susp kicking the door in, IP scared",
    ],
)
def test_the_partner_beside_the_caller_is_still_the_abuser_when_nobody_else_is_there(narrative):
    assert assess_999(narrative, statistical=False).domestic_abuse is True


def test_a_partner_in_custody_for_an_unrelated_matter_is_not_the_caller_changing_the_subject():
    assessment = assess_999(
        "C/S partner has taken out loans in her name, approx 6k, and keeps her bank cards. "
        "Partner currently in custody unrelated matter.",
        models=get_models(),
    )

    assert assessment.model["gate"]["open"] is True


def test_a_victims_call_about_her_own_case_is_not_overruled_by_the_model():
    """The caller's own DA case ("an update on her domestic abuse case") is supported: the text
    model, which reads admin words as not domestic, never overrules it (`domestic.own_case`)."""
    assessment = assess_999(
        "RP wants to know why nobody has rung her about her domestic abuse case",
        channel="101",
        models=get_models(),
    )

    assert assessment.domestic_abuse is True
    assert assessment.model["rules"]["supported"] is True


@pytest.mark.parametrize(
    "narrative",
    [
        "I'm writing an essay on domestic abuse, can someone in your DA unit talk to me",
        "My DV case was closed years ago. Today someone stole my bike from the shed",
    ],
)
def test_a_mention_of_domestic_abuse_that_is_not_the_callers_open_case_is_not_supported(
    narrative,
):
    assessment = assess_999(narrative, channel="101", models=get_models())

    assert assessment.model["rules"]["supported"] is False


@pytest.mark.parametrize(
    "narrative",
    [
        # A stranger's act on the caller's partner: "he ... him" are two people, "they" a group.
        "Some fella has just knocked my boyfriend down outside the chippy and he's still "
        "kicking him, we don't know him",
        "A gang of lads have cornered my husband by the cashpoint and they're shoving him about",
        "IP (m) states unknown M assaulted his g/f in the taxi queue, susp detained by door staff",
        # An order against someone named as not personally connected: harassment, not DA.
        "I've got a restraining order against a man who used to be a customer at my shop, "
        "never anything more, and he's just sent me a message from a new number",
        # A child under 16 named by school year, by "my N year old", as twins, or as the caller.
        "Teacher reports a Year 5 pupil disclosed his dad hit him with a belt at the weekend",
        "A girl in my class, she's 8, told me her mum burns her with a lighter",
        "My 12 year old has lost his temper over his phone and kicked me in the shin",
        "Inf (mother) reports her twins (11) scrapping again, one has a scratch to face",
        "IP 13yo states brother (17) punched him over the remote, minor bruise",
    ],
)
def test_look_alikes_found_in_the_training_folds_are_not_domestic_abuse(narrative):
    assert assess_999(narrative, statistical=False).domestic_abuse is False


@pytest.mark.parametrize(
    "narrative",
    [
        "my ex has a restraining order against him and he's just messaged me from a new account",
        "my mum and dad are hitting each other, they're screaming, I'm 17",
        "School DSL reports Y11 pupil (16) disclosed her dad hit her mum last night",
        "my 19 year old has punched me and he's still in the house",
    ],
)
def test_the_look_alike_fixes_keep_these_domestic_abuse(narrative):
    assert assess_999(narrative, statistical=False).domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "My son's been set on by a gang walking home from work, they've stabbed him in the leg",
        "My girlfriend's been jumped outside the kebab shop by three lads, they've kicked her "
        "in the head and run off",
        "My wife's ex-husband has turned up at my work and punched me, I'd never met him before",
    ],
)
def test_a_group_or_another_persons_ex_acting_on_the_callers_side_is_not_da(narrative):
    assert assess_999(narrative, statistical=False).domestic_abuse is False


@pytest.mark.parametrize(
    "narrative",
    [
        # An in-law is a relative (Family Law Act 1996 s.63), however she is introduced.
        "my sister-in-law, our Dean's wife, keeps coming round screaming at me and she's "
        "keyed my car",
        # A relationship told the other way round: "going out with a lad".
        "My daughter is 17 and she's seeing a lad of 19 who has just slapped her in the street",
    ],
)
def test_an_in_law_or_a_relationship_told_backwards_is_still_a_connection(narrative):
    assert assess_999(narrative, statistical=False).domestic_abuse is True


def test_an_order_against_someone_unconnected_is_not_da_even_for_a_confident_model():
    """The order opens no gate for the text model when the words name the person as
    unconnected (a customer); with him there now it is still IMMEDIATE, as a breach."""
    assessment = assess_999(
        "I got a restraining order against a man who used to be a customer at my shop, we "
        "were never together. He's outside the shop window right now and I've locked the door.",
        models=get_models(),
    )

    assert assessment.domestic_abuse is False
    assert assessment.model["gate"]["open"] is False
    assert assessment.minimum_grade == "IMMEDIATE"
    assert any("Breach of a court order" in reason for reason in assessment.reasons)


def test_someone_elses_relative_on_bail_is_not_the_callers_connection():
    assessment = assess_999(
        "My neighbour's son is on bail for burglary and he's outside my house shouting",
        statistical=False,
    )

    assert assessment.domestic_abuse is False
    assert assessment.minimum_grade == "PRIORITY"


@pytest.mark.parametrize(
    "narrative",
    [
        # Misspelt, dialect and shorthand, from a fresh user's try (written anew here).
        "husbnd has punchd me and hes stil in the kitchen",
        "ma man's jist burst ma lip, he's still in the hoose",
        "her indoors has gone for me with a knife, she's still in the kitchen",
        "IP states p/ship strangled her 10 mins ago, still in the flat",
        "IP reports s-i-l assaulted her, susp still at addr",
        "The lad I was seeing won't accept it's over, he's punched me and he's outside now",
        "We were on and off for two years, he's just kicked my door in",
    ],
)
def test_misspelt_dialect_and_shorthand_partners_are_da(narrative):
    assert assess_999(narrative, models=get_models()).domestic_abuse is True


def test_a_child_in_common_is_a_connection():
    """DA Act 2021 s.2(1)(f): each has a parental relationship to the same child."""
    assert connections("I share a little boy with him and he keeps threatening to take him")


@pytest.mark.parametrize(
    "narrative",
    [
        "My sons are 7 and 9 and they're fighting, one has a cut lip and I can't stop them",
        "I'm the safeguarding lead. A 7 year old pupil says her dad whips her with a belt",
        "My ex's new girlfriend has just smashed my car windscreen and she's still outside",
    ],
)
def test_more_look_alikes_are_not_da_for_the_model_either(narrative):
    assessment = assess_999(narrative, models=get_models())

    assert assessment.domestic_abuse is False


def test_a_weapon_in_hand_while_damaging_now_is_immediate():
    assessment = assess_999(
        "My neighbour is smashing my front windows with a hammer right now", statistical=False
    )

    assert assessment.minimum_grade == "IMMEDIATE"


def test_possible_da_with_the_danger_model_reading_present_danger_is_immediate():
    """The rules do not know the words; the DA questions are asked and the danger model reads
    a present danger: IMMEDIATE until the answers say otherwise, with the reason. (The model
    alone without a named connection, `model_unconnected_threshold`, is off here: with it this
    call is DA, and IMMEDIATE by the danger model.)"""
    from dataclasses import replace

    from cad.grading.combine import Thresholds

    thresholds = replace(Thresholds.from_lexicon(get_lexicon()), unconnected=1.01)
    assessment = assess_999(
        "he came back. im in the bathroom. door locked. help",
        models=get_models(),
        thresholds=thresholds,
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True
    assert assessment.minimum_grade == "IMMEDIATE"
    assert "text model reads a present danger" in assessment.reasons[0]


def test_a_child_caller_is_named_as_a_child_in_the_reason():
    assessment = assess_999("I'm 13 and my mum hits me with a wooden spoon", statistical=False)

    assert assessment.domestic_abuse is False
    assert "a child under 16" in " ".join(assessment.reasons)
