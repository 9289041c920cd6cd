"""WHO, read on the rules alone: a stranger's act on the caller's partner, an animal's, or an
act on a child (or on a caller under 16) is not domestic abuse (Domestic Abuse Act 2021 s.1-2:
both people 16 or over and personally connected), while the same acts by a partner stay DA.
The sentences are written for these tests, not taken from the corpora."""

import pytest

from cad.grading import assess


def rules(narrative: str):
    return assess(narrative=narrative, channel="999", statistical=False)


@pytest.mark.parametrize(
    "narrative",
    [
        # A stranger described by who does not know him: the pronoun in the description
        # ("she's never met") is not the one who did it.
        "Caller says a man she's never met before has just kicked her husband outside the bakery",
        "Some woman he has never seen before slapped his girlfriend in the queue at the bank",
        # "this group": a group of strangers, and "they" are the group.
        "Me and my wife were walking the dog and this group started shouting, they've punched her",
        # A stranger unknown to the caller, and "his wife" is the caller's.
        "Caller says a lad he doesn't know has just pushed his wife over at the cash machine",
        # An animal has no partner; "he's bitten on the hand" is done to the husband.
        "Caller says a dog has attacked her husband in the park, he's bitten on the hand",
    ],
)
def test_a_strangers_act_on_the_callers_partner_is_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "The man next door is hitting his wife, she's screaming",
        "My ex has come round, he's bitten me on the arm",
        "My husband is drunk, he's punched me and he's smashed the telly",
        # "he's kicked in the door": he has kicked it in (active), not "he is kicked".
        "My ex is outside, he's kicked in the back door",
    ],
)
def test_the_same_acts_by_a_partner_stay_domestic_abuse(narrative):
    assert rules(narrative).domestic_abuse is True


def test_smoke_coming_out_of_a_window_is_not_a_release_from_prison():
    assessment = rules("Me and my husband got out, smoke is coming out of the kitchen window")
    assert "ABUSE_HISTORY" not in {f.code for f in assessment.indicators}
    assert assessment.domestic_abuse is False


def test_coming_out_of_prison_is_still_a_history():
    assessment = rules("My ex is coming out of prison on Monday and he's already outside my flat")
    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "Girl says she's 13 and her stepdad has just slapped her for being late",
        "Inf female 14 calling from the library, states uncle punched her last night",
        "12 year old boy ringing, says his mum hits him when she's been drinking",
    ],
)
def test_an_act_on_a_caller_under_16_is_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False
    assert any("the caller, a child under 16" in r for r in assessment.reasons)


def test_a_caller_of_16_or_over_is_not_taken_for_a_child():
    assessment = rules("Caller says she's 17 and her boyfriend has just punched her in the face")
    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        # An approximate age is still an age.
        "Neighbour says the stepdad next door is hitting his son, about 7, with a slipper",
        # A relative named again with an age: the earlier mention is the same child.
        "My stepdad's hitting my little sister with a belt, my sister is 8, mum's at work",
    ],
)
def test_an_act_on_a_child_is_not_domestic_abuse(narrative):
    assert rules(narrative).domestic_abuse is False


def test_a_child_named_beside_an_act_on_the_caller_is_not_taken_for_the_victim():
    # "me" is the victim; the 3 year old is a child present (a risk factor), not the victim.
    assessment = rules("My husband is hitting me, my 3 year old is here")
    assert assessment.domestic_abuse is True
    assert "CHILDREN_PRESENT" in {f.code for f in assessment.risk_factors}


@pytest.mark.parametrize(
    "narrative",
    [
        "Caller says she's 2 streets away and her ex is kicking her sister's door in",
        "Caller says he's 10 doors down, his mum's husband is hitting her right now",
    ],
)
def test_a_distance_is_not_taken_for_a_callers_age(narrative):
    assert rules(narrative).domestic_abuse is True
