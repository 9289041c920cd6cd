"""The model's gate shut only for want of a named connection (`combine.Gate.unblocked`): a call
that names no relationship ("He hides the car keys every morning") but in which nobody
unconnected did the act is DA when the model's score reaches `model_unconnected_threshold`; a
stranger's act, a child's, a harmless explanation or another matter still shut it whatever the
score. The sentences here are written for these tests, not taken from the corpora."""

import pytest

from cad.grading import combine
from cad.grading.combine import Thresholds, decide
from cad.grading.engine import _Grades, _read_context, _read_narrative
from cad.grading.lexicon import get_lexicon
from cad.grading.rules import find_categories
from cad.grading.text import Narrative
from cad.grading.textmodel import get_models
from tests.cad.grading.helpers import assess_999

SHIPPED = Thresholds.from_lexicon(get_lexicon())


def gate_of(narrative: str) -> combine.Gate:
    text, lexicon = Narrative(narrative), get_lexicon()
    evidence = _read_narrative(
        text, lexicon, _read_context([], _Grades()), find_categories(text, lexicon)
    )
    return combine.gate(evidence)


def _decide(score: float, *, gate_open=False, gate_unblocked=True, rules_da=False, **kwargs):
    return decide(
        rules_da=rules_da,
        answers_confirm=False,
        gate_open=gate_open,
        gate_unblocked=gate_unblocked,
        da_score=score,
        danger_score=0.0,
        thresholds=Thresholds(domestic_abuse=0.6, unconnected=0.7),
        **kwargs,
    )


def test_the_shipped_threshold_is_above_the_gated_one():
    assert SHIPPED.domestic_abuse < SHIPPED.unconnected < 1.0


def test_an_unblocked_gate_needs_the_higher_score():
    assert _decide(0.72).by_model is True
    assert _decide(0.65).by_model is False  # enough with a connection, not without
    assert _decide(0.65, gate_open=True, gate_unblocked=False).by_model is True
    # Blocked (a stranger did it): no score is enough.
    assert _decide(0.99, gate_unblocked=False).domestic_abuse is False
    # The handler answered that the person is not a partner, ex-partner or relative.
    assert _decide(0.99, answers_rule_out=True).domestic_abuse is False


@pytest.mark.parametrize(
    ("narrative", "unblocked"),
    [
        ("He takes my bank card off me every payday and checks my phone at night", True),
        ("she's thrown all my clothes in the street and says I'm worthless", True),
        ("A man I have never seen before punched me at the cash point", False),
        ("Two lads I don't know kicked my car door in on the retail park", False),
        ("My 12 year old keeps hitting his brother with a cricket bat", False),
    ],
)
def test_the_gate_is_unblocked_only_when_nobody_unconnected_did_it(narrative, unblocked):
    gate = gate_of(narrative)

    assert gate.open is False
    assert gate.unblocked is unblocked


@pytest.mark.parametrize(
    "narrative",
    [
        "He calls me fat and useless every single day and says nobody else would ever put up "
        "with me. I have to ask before I eat anything.",
        "She laughs at me in front of everyone and says I'm pathetic, she tells me I'm lucky "
        "she stays, I cry every night",
    ],
)
def test_psychological_abuse_by_an_unnamed_person_is_da_for_the_model(narrative):
    """The rules read no relationship and no behaviour they know; the model alone, with the
    gate shut only for want of a named connection."""
    assert assess_999(narrative, statistical=False).domestic_abuse is False
    assessment = assess_999(narrative, models=get_models())

    assert assessment.domestic_abuse is True
    assert "no relationship is named either" in " ".join(assessment.reasons)
    panel = assessment.model
    assert panel["gate"] == {"open": False, "why": "", "blocked_by": ""}
    assert panel["used"]["domestic_abuse"] is True
    assert panel["domestic_abuse"] >= panel["thresholds"]["unconnected"] == SHIPPED.unconnected


@pytest.mark.parametrize(
    "narrative",
    [
        "A man I have never seen before punched me at the cash point and ran off towards the "
        "station",
        "Some lads I don't know are kicking the bus shelter in and shouting at people",
    ],
)
def test_a_strangers_act_stays_not_da_whatever_the_score(narrative):
    assert assess_999(narrative, models=get_models()).domestic_abuse is False


def test_a_contraction_before_a_past_participle_keeps_the_partner():
    """ "my husband's stood over me": 'is', not a belonging, so the husband is the connection."""
    assert gate_of("my husband's stood over me with his belt").open is True
    assert gate_of("my wife's sat on my chest and I can't breathe").open is True
    assert gate_of("my husband's car has been keyed in the car park").open is False
