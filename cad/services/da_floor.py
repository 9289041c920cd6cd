"""What the handler's answers to the DA questions mean for grading.

Answers that confirm domestic abuse set a floor through the same seam a location marker's floor
uses (`cad.context.ContextResult.grade_floor`, read by the engine and kept as the assessment's
`context_floor`): PRIORITY, or IMMEDIATE when the person is there now or trying to get in. Going
below that floor then needs a written reason and a supervisor's sign-off, by the one grading
rule (`cad.services.grade.supervisor_needed`), not a second path. What the answers confirm is
decided by the engine's own reading of them (`cad.grading.questions.read_answers`).
"""

from __future__ import annotations

from cad.context import ContextResult
from cad.exceptions import ValidationFailed
from cad.grading.questions import QUESTIONS, clean_answers, read_answers
from cad.models import Grade

PROVIDER = "da_answers"
_SHORT = {
    "connection": "partner, ex-partner or relative",
    "present": "there now or trying to get in",
    "violence": "previous violence or threats",
    "order": "court order or bail",
    "afraid": "afraid of what they will do",
}


def clean_da_answers(answers) -> dict[str, str]:
    """`{code: "yes"|"no"|"unknown"}` with codes from `cad.grading.questions.QUESTIONS`.

    Raises ValidationFailed for something that is not a mapping, an unknown question or an
    unknown answer."""
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise ValidationFailed(
            "da_answers is an object: {question code: yes|no|unknown}.", code="invalid_da_answers"
        )
    try:
        return clean_answers(answers)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="invalid_da_answers") from exc


def describe_answers(answers: dict[str, str]) -> str:
    """The answers as one log line, in the questions' order."""
    return "DA questions answered: " + "; ".join(
        f"{_SHORT.get(code, code)}: {answers[code]}" for code, _ in QUESTIONS if code in answers
    )


def answers_floor(answers: dict[str, str]) -> str:
    """The grade the answers hold the call at: IMMEDIATE (DA confirmed, there now or trying to
    get in), PRIORITY (DA confirmed) or "" (the answers confirm nothing)."""
    answered = read_answers(answers or {})
    if not answered.confirmed:
        return ""
    return Grade.IMMEDIATE if answered.present else Grade.PRIORITY


def answers_context(answers: dict[str, str]) -> ContextResult | None:
    """The answers as call-time context that carries their floor, or None when they confirm
    nothing. No panel: the answers are shown as the assessment's indicators (source
    "handler") and on the incident itself."""
    floor = answers_floor(answers)
    if not floor:
        return None
    return ContextResult(
        provider=PROVIDER,
        grade_floor=floor,
        floor_reason=(
            "Domestic abuse confirmed by the handler's DA questions"
            + (" (there now or trying to get in)" if floor == Grade.IMMEDIATE else "")
            + f": no lower than {floor} without a reason and a supervisor's sign-off."
        ),
    )


def floor_source(incident) -> str:
    """What set the incident's context floor, for the supervisor's reason: the handler's DA
    answers when their floor is the context floor, else a location marker or a record."""
    assessment = incident.assessment or {}
    floor = assessment.get("context_floor", "")
    if floor and answers_floor(incident.da_answers or {}) == floor:
        return "domestic abuse confirmed by the handler's DA questions"
    return "a location marker or record"
