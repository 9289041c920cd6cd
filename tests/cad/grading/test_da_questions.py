"""The safety net: the handler's DA questions when the words do not settle domestic abuse, and
the answers feeding the assessment."""

import pytest

from cad.context import ContextResult, Finding, FindingCategory
from cad.grading.questions import QUESTIONS
from tests.cad.grading.helpers import assess_999, codes

QUESTION_CODES = [code for code, _ in QUESTIONS]


def _da_history_on_record() -> ContextResult:
    return ContextResult(
        provider="intelligence",
        risk_factors=[
            Finding(
                code="intel_da_crime",
                label="DA crime at this address",
                evidence="DA crime 2024: assault by ex-partner",
                source="intel",
                categories=frozenset({FindingCategory.DA_HISTORY}),
            )
        ],
    )


def test_a_relationship_with_no_behaviour_asks_the_da_questions():
    assessment = assess_999(
        "My ex-husband hasn't brought the kids back from school and isn't answering his phone"
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True
    assert "ex-husband" in assessment.da_questions["why"]
    assert [q["code"] for q in assessment.da_questions["questions"]] == QUESTION_CODES


def test_a_past_case_beside_an_unrelated_theft_asks_rather_than_calling_it_da():
    assessment = assess_999(
        "My bike has been stolen from the shed. I had a domestic case with my ex years ago "
        "but that's all sorted, this is just the bike",
        channel="101",
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True
    assert "history of domestic abuse" in assessment.da_questions["why"]


def test_a_da_history_on_record_with_nothing_in_the_words_asks():
    assessment = assess_999(
        "Caller asking about a parking ticket", context=[_da_history_on_record()]
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True


def test_no_connection_history_or_order_asks_nothing():
    assessment = assess_999("Someone has stolen my car from the drive")

    assert assessment.da_questions["needed"] is False
    assert assessment.da_questions["why"] == ""


def test_a_call_already_assessed_as_da_does_not_ask():
    assessment = assess_999("My boyfriend punched me in the face")

    assert assessment.domestic_abuse is True
    assert assessment.da_questions["needed"] is False


def test_answers_confirming_da_make_it_da_with_at_least_priority():
    assessment = assess_999(
        "My ex-husband hasn't brought the kids back from school and isn't answering his phone",
        channel="101",
        da_answers={"connection": "yes", "violence": "yes", "present": "no"},
    )

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade in ("PRIORITY", "IMMEDIATE")
    assert assessment.da_questions["needed"] is False


def test_answers_saying_they_are_there_now_make_it_immediate():
    assessment = assess_999(
        "Caller says her ex is outside, she wants advice",
        da_answers={"connection": "yes", "present": "yes"},
    )

    assert assessment.domestic_abuse is True
    assert assessment.minimum_grade == "IMMEDIATE"
    assert assessment.present_danger is True


def test_each_answer_is_an_indicator_quoting_the_handlers_answer():
    assessment = assess_999(
        "My ex-husband hasn't brought the kids back from school",
        da_answers={"connection": "yes", "afraid": "yes", "order": "unknown"},
    )

    answers = {f.code: f for f in assessment.indicators if f.source == "handler"}
    assert set(answers) == {"DA_ANSWER_CONNECTION", "DA_ANSWER_AFRAID", "DA_ANSWER_ORDER"}
    assert answers["DA_ANSWER_ORDER"].evidence == "handler's answer: unknown"


def test_a_connection_alone_answered_yes_does_not_confirm_da():
    assessment = assess_999(
        "My ex-husband hasn't brought the kids back from school",
        da_answers={"connection": "yes", "violence": "no", "afraid": "no"},
    )

    assert assessment.domestic_abuse is False


def test_no_to_the_connection_question_stops_asking():
    assessment = assess_999(
        "My ex-husband hasn't brought the kids back from school", da_answers={"connection": "no"}
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is False


@pytest.mark.parametrize("answers", [{"weather": "yes"}, {"connection": "maybe"}])
def test_an_unknown_question_or_answer_is_refused(answers):
    with pytest.raises(ValueError):
        assess_999("My ex is outside", da_answers=answers)


# --- API ---


@pytest.mark.django_db
def test_the_assess_api_returns_the_questions_and_the_behaviour_slots(api):
    response = api("CALL_HANDLER").post(
        "/api/v1/grading/assess/",
        {"narrative": "My ex-husband hasn't brought the kids back from school"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["da_questions"]["needed"] is True
    assert [q["code"] for q in body["da_questions"]["questions"]] == QUESTION_CODES
    assert body["behaviours"] == []


@pytest.mark.django_db
def test_the_assess_api_takes_the_handlers_answers(api):
    response = api("CALL_HANDLER").post(
        "/api/v1/grading/assess/",
        {
            "narrative": "My ex-husband hasn't brought the kids back from school",
            "da_answers": {"connection": "yes", "present": "yes"},
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["domestic_abuse"] is True
    assert body["minimum_grade"] == "IMMEDIATE"
    assert "DA_ANSWER_PRESENT" in {f["code"] for f in body["indicators"]}


@pytest.mark.django_db
@pytest.mark.parametrize("answers", [{"weather": "yes"}, {"connection": "maybe"}])
def test_the_assess_api_refuses_unknown_questions_and_answers_with_a_400(api, answers):
    response = api("CALL_HANDLER").post(
        "/api/v1/grading/assess/",
        {"narrative": "My ex is outside", "da_answers": answers},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_answers_are_listed_in_the_indicator_codes():
    assessment = assess_999("My dad is at the door", da_answers={"connection": "yes"})

    assert "DA_ANSWER_CONNECTION" in codes(assessment.indicators)


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband hit me last year. Today I'm calling because my bike was stolen from the shed.",
        "My ex assaulted me in 2019, he's in prison now. Someone has broken into my car overnight.",
    ],
)
def test_a_past_act_of_abuse_beside_another_call_asks_rather_than_calling_it_da(narrative):
    """The WHEN slot: every act between connected people is dated in the past and the call is
    about something else; neither the rules nor the text model make it DA, the questions ask."""
    assessment = assess_999(narrative)

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True
    assert "history of domestic abuse" in assessment.da_questions["why"]
    assert "is in the past and the call is about something else" in " ".join(assessment.reasons)
    assert assessment.model["gate"]["open"] is False
    assert assessment.model["gate"]["blocked_by"] == (
        "the abuse is in the past and the call is about something else"
    )


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband hit me last year and I want to report it now.",
        "My ex-partner strangled me two years ago. My shed was broken into last night and I "
        "think it was him.",
        "My ex hit me last year. He's outside my house now banging on the door.",
        # Advice, or reporting, is what the caller wants about the abuse: not another call.
        "My wife has hit me a few times over the years, the last time was a month ago. I just "
        "want some advice about my options.",
        "My ex shared a private photo of me online two years ago. I would like to report it.",
    ],
)
def test_a_past_act_with_the_abuser_in_the_present_call_or_reported_itself_stays_da(narrative):
    assert assess_999(narrative, channel="101").domestic_abuse is True


def test_children_under_16_alone_do_not_ask_the_da_questions():
    """Siblings of 12 and 14 fighting: they cannot be parties to domestic abuse (the Act, s.2)."""
    assessment = assess_999(
        "My two sons aged 12 and 14 are fighting again, the older one punched his brother.",
        channel="101",
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is False


def test_a_past_act_beside_a_report_by_unnamed_others_is_not_da():
    """ "They took £500": "they" can be anyone (scammers); a he or she could be the abuser."""
    assessment = assess_999(
        "I want to report a scam call, they took £500. My ex-husband used to hit me but I "
        "haven't seen him in ten years"
    )

    assert assessment.domestic_abuse is False
    assert assessment.da_questions["needed"] is True


@pytest.mark.parametrize(
    "narrative",
    [
        "my wife is having a seizure, she is epileptic, she is turning blue",
        "IP states her partner has taken an overdose and is unconscious",
    ],
)
def test_a_no_to_the_connection_question_undoes_a_da_the_model_alone_read(narrative):
    """The model's DA says "check with the questions": a "no" to "is the person a partner,
    ex-partner or relative?" leaves nothing standing for it. Danger to life stays IMMEDIATE."""
    from cad.grading.combine import Thresholds

    # A DA threshold of 0: the model reads every call with a connection as DA.
    eager = Thresholds(domestic_abuse=0.0, ask=0.0, present_danger=1.0, veto=0.0)
    before = assess_999(narrative, thresholds=eager)
    after = assess_999(narrative, thresholds=eager, da_answers={"connection": "no"})

    assert before.domestic_abuse is True and before.model["used"]["domestic_abuse"] is True
    assert after.domestic_abuse is False and after.model["used"]["domestic_abuse"] is False
    assert after.recommended_grade == "IMMEDIATE"
