"""The safety net for what words miss: the handler's domestic abuse questions.

When a personal connection, a history of domestic abuse or a protective order is in the call
but the words do not settle whether it is domestic abuse, the assessment says so
(`da_questions.needed`) and lists the short set of risk questions the call-taking screen asks.
The handler's answers (`{code: "yes" | "no" | "unknown"}`) feed the next assessment: a "yes" to
the connection and a "yes" to any other question confirm domestic abuse (minimum PRIORITY), and
a "yes" to "there now or trying to get in" makes it IMMEDIATE. Each answer is shown as an
indicator whose evidence is the handler's answer, so the decision stays explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cad.context import Finding

CONNECTION = "connection"
PRESENT = "present"
VIOLENCE = "violence"
ORDER = "order"
AFRAID = "afraid"
QUESTIONS: tuple[tuple[str, str], ...] = (
    (CONNECTION, "Is the person a partner, ex-partner or relative?"),
    (PRESENT, "Are they there now, or trying to get in?"),
    (VIOLENCE, "Have they been violent or made threats before?"),
    (ORDER, "Is there a court order or bail against them?"),
    (AFRAID, "Are you afraid of what they will do?"),
)
ANSWERS = ("yes", "no", "unknown")
_LABELS = {
    CONNECTION: "Partner, ex-partner or relative (handler's question)",
    PRESENT: "There now or trying to get in (handler's question)",
    VIOLENCE: "Previous violence or threats (handler's question)",
    ORDER: "Court order or bail (handler's question)",
    AFRAID: "Afraid of what they will do (handler's question)",
}


def clean_answers(answers: dict | None) -> dict[str, str]:
    """The answers as {code: "yes"|"no"|"unknown"}. Raises ValueError for an unknown question
    code or answer."""
    cleaned: dict[str, str] = {}
    known = {code for code, _ in QUESTIONS}
    for code, answer in (answers or {}).items():
        if code not in known:
            raise ValueError(f"unknown DA question {code!r} (one of {', '.join(sorted(known))})")
        value = str(answer).strip().lower()
        if value not in ANSWERS:
            raise ValueError(f"answer to {code!r} must be one of {', '.join(ANSWERS)}")
        cleaned[code] = value
    return cleaned


@dataclass
class Answered:
    """What the handler's answers establish."""

    confirmed: bool = False  # connection yes + any other yes
    present: bool = False  # confirmed, and there now or trying to get in
    indicators: list[Finding] = field(default_factory=list)
    ruled_out: bool = False  # the connection question answered "no"


def read_answers(answers: dict[str, str]) -> Answered:
    indicators = [
        Finding(
            code=f"DA_ANSWER_{code.upper()}",
            label=_LABELS[code],
            evidence=f"handler's answer: {answers[code]}",
            source="handler",
        )
        for code, _ in QUESTIONS
        if code in answers
    ]
    yes = {code for code, value in answers.items() if value == "yes"}
    confirmed = CONNECTION in yes and bool(yes - {CONNECTION})
    return Answered(
        confirmed=confirmed,
        present=confirmed and PRESENT in yes,
        indicators=indicators,
        ruled_out=answers.get(CONNECTION) == "no",
    )


def da_questions(*, needed: bool, why: str) -> dict:
    """The `da_questions` output: {"needed", "why", "questions": [{"code", "text"}]}."""
    return {
        "needed": needed,
        "why": why if needed else "",
        "questions": [{"code": code, "text": text} for code, text in QUESTIONS],
    }
