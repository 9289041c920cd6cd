"""The statistical layer (`textmodel.py`) and how it combines with the rules (`combine.py`)."""

import pytest

from cad.grading import assess
from cad.grading.combine import Thresholds, decide
from cad.grading.textmodel import (
    DOMESTIC_ABUSE,
    PRESENT_DANGER,
    Scored,
    get_models,
    load_rows,
    train,
)
from cad.services.assessment import merge_assessment
from tests.cad.grading.helpers import marker_context

THRESHOLDS = Thresholds(domestic_abuse=0.6, ask=0.35, present_danger=0.5)
STRANGER_ASSAULT = "Some lad punched my husband outside the chippy and ran off"
CONNECTION_ONLY = (
    "My ex-husband hasn't brought the kids back from school and isn't answering his phone"
)


class Fixed:
    """Models that give fixed scores, quoting the narrative's first word as their evidence."""

    trained_on = 0

    def __init__(self, da: float, danger: float = 0.0):
        self.da, self.danger = da, danger

    def read(self, narrative: str) -> dict:
        first = narrative.split()[0]
        evidence = [(first.lower(), (0, len(first)))]
        return {
            DOMESTIC_ABUSE: Scored(score=self.da, evidence=evidence),
            PRESENT_DANGER: Scored(score=self.danger, evidence=evidence),
        }


# --- the combination as a pure function ---


def test_a_rules_positive_stays_positive_whatever_the_model_says_with_no_veto():
    outcome = decide(
        rules_da=True,
        answers_confirm=False,
        gate_open=False,
        da_score=0.0,
        danger_score=0.0,
        thresholds=THRESHOLDS,
    )

    assert outcome.domestic_abuse and not outcome.by_model


def test_a_confident_model_makes_it_da_only_through_an_open_gate():
    shut = decide(
        rules_da=False,
        answers_confirm=False,
        gate_open=False,
        da_score=0.99,
        danger_score=0.99,
        thresholds=THRESHOLDS,
    )
    opened = decide(
        rules_da=False,
        answers_confirm=False,
        gate_open=True,
        da_score=0.99,
        danger_score=0.99,
        thresholds=THRESHOLDS,
    )

    assert not shut.domestic_abuse and not shut.present_danger and shut.ask
    assert opened.domestic_abuse and opened.by_model and opened.present_danger


def test_the_handlers_answers_confirm_da_without_the_model():
    outcome = decide(
        rules_da=False,
        answers_confirm=True,
        gate_open=False,
        da_score=None,
        danger_score=None,
        thresholds=THRESHOLDS,
    )

    assert outcome.domestic_abuse and not outcome.by_model and not outcome.ask


VETO = Thresholds(domestic_abuse=0.6, ask=0.35, present_danger=0.5, veto=0.25)


def _rules_da(thresholds=VETO, **kwargs):
    given = dict(
        rules_da=True, answers_confirm=False, gate_open=True, da_score=0.1, danger_score=0.0
    )
    return decide(**{**given, **kwargs}, thresholds=thresholds)


def test_a_model_reading_clearly_not_domestic_overrules_the_rules_and_asks():
    outcome = _rules_da()

    assert outcome.overruled and not outcome.domestic_abuse and outcome.ask
    assert outcome.rules is True


def test_the_model_never_overrules_what_records_answers_or_a_fair_score_support():
    assert _rules_da(supported=True).domestic_abuse
    assert _rules_da(answers_confirm=True).domestic_abuse
    assert _rules_da(da_score=0.25).domestic_abuse  # at the threshold: not below it
    assert _rules_da(da_score=None).domestic_abuse  # no model: the rules stand
    assert not _rules_da(supported=True).overruled


def test_the_shipped_lexicon_turns_the_veto_on():
    from cad.grading.lexicon import get_lexicon

    assert Thresholds.from_lexicon(get_lexicon()).veto == 0.25


# --- the combination in the engine ---

# The rules read DA, nothing on record or now supports it, and not a partner's act on the caller
# (a relative's report of her sister's husband): the model may overrule the rules.
PAST_ASSAULT = "My sister's husband punched her in the face last night"


def _assess_with_veto(narrative: str, score: float, channel: str = "101", **kwargs):
    """The engine with the veto on and a model giving `score`."""
    return assess(
        narrative=narrative, channel=channel, models=Fixed(score), thresholds=VETO, **kwargs
    )


def test_an_overruled_call_is_not_da_but_asks_the_questions_and_says_why():
    assessment = _assess_with_veto(PAST_ASSAULT, 0.05)

    assert assessment.domestic_abuse is False
    assert assessment.model["rules"] == {
        "domestic_abuse": True,
        "overruled": True,
        "supported": False,
        "danger_only": False,
    }
    assert assessment.da_questions["needed"] is True
    assert "not domestic (score 0.05)" in assessment.da_questions["why"]
    overruled = next(r for r in assessment.reasons if r.startswith("Not graded as domestic"))
    assert ".)" not in overruled and "0.05" in overruled
    # The handler's answers confirming DA make it DA again.
    answered = _assess_with_veto(
        PAST_ASSAULT, 0.05, da_answers={"connection": "yes", "violence": "yes"}
    )
    assert answered.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband punched me in the face last night",
        "my 45 year old son keeps shouting at me and calling me names",
        "My ex keeps turning up at my work and following me home",
    ],
)
def test_a_partner_or_relatives_abuse_of_the_caller_is_never_overruled(narrative):
    assessment = _assess_with_veto(narrative, 0.01)
    assert assessment.model["rules"]["supported"] is True
    assert assessment.model["rules"]["overruled"] is False
    assert assessment.domestic_abuse is True


def test_an_order_in_the_words_or_a_marker_keeps_the_rules_da_whatever_the_score():
    from cad.context import ContextResult

    breach = _assess_with_veto(
        "He has a non-molestation order against him and he is at my door now", 0.01, "999"
    )
    marked = _assess_with_veto(
        PAST_ASSAULT, 0.01, context=[ContextResult(provider="riskflags", marked=True)]
    )

    assert breach.domestic_abuse is True and breach.model["rules"]["supported"] is True
    assert marked.domestic_abuse is True and marked.model["rules"]["overruled"] is False


def test_a_stranger_assault_with_a_strong_model_score_stays_not_da():
    assessment = assess(narrative=STRANGER_ASSAULT, channel="999", models=Fixed(0.99, 0.99))

    assert assessment.domestic_abuse is False
    assert assessment.model["gate"] == {"open": False, "why": "", "blocked_by": "Some lad"}
    assert not any(f.source == "model" for f in assessment.indicators + assessment.risk_factors)


def test_a_confident_model_and_a_connection_make_it_da_quoting_the_words():
    assessment = assess(narrative=CONNECTION_ONLY, channel="999", models=Fixed(0.95))

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "PRIORITY"
    model = next(f for f in assessment.indicators if f.code == "MODEL_DOMESTIC_ABUSE")
    assert model.source == "model"
    assert model.evidence == '"My"' and model.spans == ((0, 2),)
    assert "0.95" in model.label
    assert any(f.code == "PERSONAL_CONNECTION" for f in assessment.indicators)
    assert any("text model" in r for r in assessment.reasons)
    assert not any("no abusive behaviour" in r for r in assessment.reasons)
    assert assessment.model["used"] == {"domestic_abuse": True, "present_danger": False}
    # The reason says to check with the DA questions, so they are asked.
    assert assessment.da_questions["needed"] is True
    assert "confirm with the questions" in assessment.da_questions["why"]


def test_a_suggestive_score_below_the_threshold_asks_the_questions():
    assessment = assess(narrative=CONNECTION_ONLY, channel="999", models=Fixed(0.45))

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True
    assert "text model" in assessment.da_questions["why"]


def test_the_model_alone_asks_when_no_connection_is_named():
    assessment = assess(
        narrative="Someone keeps ringing and hanging up, I'm frightened",
        channel="101",
        models=Fixed(0.9),
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True


def test_the_danger_model_makes_a_da_call_immediate():
    narrative = "My husband slapped me earlier and he's still going on at me"
    calm = assess(narrative=narrative, channel="101", models=Fixed(0.9, 0.1))
    danger = assess(narrative=narrative, channel="101", models=Fixed(0.9, 0.9))

    assert calm.domestic_abuse and danger.domestic_abuse
    assert calm.minimum_grade != "IMMEDIATE"
    assert danger.minimum_grade == "IMMEDIATE"
    assert danger.present_danger is True
    assert any(f.code == "MODEL_PRESENT_DANGER" for f in danger.risk_factors)
    assert any("text model reads a present danger" in r for r in danger.reasons)


def test_the_danger_model_does_nothing_on_a_call_that_is_not_da():
    assessment = assess(narrative=STRANGER_ASSAULT, channel="101", models=Fixed(0.1, 0.99))

    assert not any(f.code == "MODEL_PRESENT_DANGER" for f in assessment.risk_factors)


def test_answers_confirming_da_drop_the_no_abusive_behaviour_reason():
    before = assess(narrative=CONNECTION_ONLY, channel="999", statistical=False)
    after = assess(
        narrative=CONNECTION_ONLY,
        channel="999",
        statistical=False,
        da_answers={"connection": "yes", "violence": "yes"},
    )

    assert any("no abusive behaviour" in r for r in before.reasons)
    assert after.domestic_abuse is True
    assert not any("no abusive behaviour" in r for r in after.reasons)
    merged = merge_assessment(before.as_dict(), after.as_dict(), replace_context=False)
    assert merged["domestic_abuse"] is True
    assert not any("no abusive behaviour" in r for r in merged["reasons"])


def test_rules_alone_when_asked():
    assessment = assess(narrative=CONNECTION_ONLY, channel="999", statistical=False)

    assert assessment.model == {"available": False}
    assert assessment.domestic_abuse is False


# --- the models themselves ---


@pytest.fixture(scope="module")
def sample():
    rows = load_rows()
    return rows[::5]


def test_training_is_deterministic(sample):
    texts = [r["narrative"] for r in sample[:40]]
    first = train(sample)
    second = train(sample)

    for target in (DOMESTIC_ABUSE, PRESENT_DANGER):
        assert first.text.scores(target, texts) == second.text.scores(target, texts)


def test_the_process_models_read_the_founding_call_as_da_in_present_danger():
    narrative = (
        "Caller says her ex-husband is banging on her door. She had a court order against "
        "him last year. She is scared."
    )
    scores = get_models().read(narrative)

    assert scores[DOMESTIC_ABUSE].score >= 0.6
    assert scores[PRESENT_DANGER].score >= 0.5
    for _, (start, end) in scores[DOMESTIC_ABUSE].evidence:
        assert narrative[start:end].strip()


def test_model_evidence_quotes_the_narrative():
    narrative = "the kids' da keeps turning up at my work and shouting, says he'll take the wean"
    scored = get_models().read(narrative)[DOMESTIC_ABUSE]

    assert scored.evidence
    for ngram, (start, end) in scored.evidence:
        assert all(word in narrative[start:end].lower() for word in ngram.split())


def test_an_empty_silent_call_is_not_read_by_the_model():
    assessment = assess(narrative="", channel="999", silent=True, models=Fixed(0.99, 0.99))

    assert assessment.model["available"] is False
    assert assessment.domestic_abuse is False


def test_a_call_before_the_models_are_trained_is_assessed_on_the_rules_and_says_so(settings):
    from cad.grading import textmodel

    textmodel.clear_cache()
    settings.GRADING_MODEL_WAIT_SECONDS = 0
    try:
        assessment = assess(narrative=CONNECTION_ONLY, channel="999")
        assert assessment.model["available"] is False
        assert assessment.da_questions["needed"] is True
    finally:
        textmodel.get_models()


# --- The danger veto: a danger now supports DA, unless the model is sure it is not domestic ---

DANGER_VETO = Thresholds(
    domestic_abuse=0.6, ask=0.35, present_danger=0.5, veto=0.25, danger_veto=0.1
)
# A call the rules read as DA in danger now, with no marker, order or history on record, and
# not by a partner or relative acting on the caller (a third party's report of a couple).
DANGER_NOW = "The man next door is hitting his wife in the garden right now"
# The same danger done to the caller by her partner: the core of DA, never overruled by it.
PARTNER_ON_CALLER = "My husband is hitting me right now, he's got me by the arm"


def test_a_danger_now_alone_does_not_stop_a_sure_model_overruling_the_rules():
    assert _rules_da(
        supported=True, danger_only=True, da_score=0.05, thresholds=DANGER_VETO
    ).overruled
    # Not below the danger veto: the danger still supports the rules' DA.
    assert not _rules_da(
        supported=True, danger_only=True, da_score=0.15, thresholds=DANGER_VETO
    ).overruled
    # Support on record (a marker, an order, DA history) is never overruled.
    assert not _rules_da(
        supported=True, danger_only=False, da_score=0.01, thresholds=DANGER_VETO
    ).overruled


def test_a_call_overruled_in_danger_keeps_its_immediate_grade_and_asks():
    assessment = assess(
        narrative=DANGER_NOW,
        channel="999",
        models=Fixed(0.02),
        thresholds=DANGER_VETO,
        statistical=True,
    )
    assert assessment.model["rules"] == {
        "domestic_abuse": True,
        "overruled": True,
        "supported": True,
        "danger_only": True,
    }
    assert assessment.domestic_abuse is False
    assert assessment.minimum_grade == "IMMEDIATE"  # the violence now, not the DA
    assert assessment.da_questions["needed"] is True


@pytest.mark.parametrize(
    "narrative",
    [PARTNER_ON_CALLER, "We were on and off for two years, he's just kicked my door in"],
)
def test_a_partner_acting_on_the_caller_in_danger_is_never_overruled(narrative):
    assessment = assess(
        narrative=narrative,
        channel="999",
        models=Fixed(0.01),
        thresholds=DANGER_VETO,
        statistical=True,
    )
    assert assessment.model["rules"]["danger_only"] is False
    assert assessment.model["rules"]["overruled"] is False
    assert assessment.domestic_abuse is True


def test_a_marked_address_in_danger_is_never_overruled():
    assessment = assess(
        narrative="My ex is outside, he's kicking the door in",
        channel="999",
        models=Fixed(0.01),
        thresholds=DANGER_VETO,
        context=[marker_context()],
    )
    assert assessment.domestic_abuse is True
    assert assessment.model["rules"]["overruled"] is False
