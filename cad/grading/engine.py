"""Assisted grading engine.

`assess()` reads the narrative, the channel, the silent flag and the call-time context gathered
through `cad.context`, and returns an `Assessment`: DA indicators and risk factors, each with the
evidence that triggered it, a recommended grade, a minimum grade and the reasons.

The words live in `lexicon.toml` (data a force can tune). The steps that read them: WHO
(`people.py`), WHAT, WHEN and CERTAINTY (`rules.py`, `text.py`), who did what to whom
(`linking.py`), the domestic abuse decision (`domestic.py`), the handler's DA questions
(`questions.py`) and the per-behaviour slots shown to the handler (`slots.py`). This module
applies the grading policy:

- Domestic abuse (Domestic Abuse Act 2021): see `domestic.py`; or confirmed by the handler's
  answers to the DA questions.
- DA with a present danger or a serious risk factor: minimum IMMEDIATE; other DA: PRIORITY
  (resolution without deployment needs a supervisor).
- A silent or abandoned 999 call from a marked number or address, or one a context provider gives
  a reason for (DA history on record, a marker ended in the last year, a second silent call
  within 24 hours): IMMEDIATE, as a floor.
- A context floor (an active marker's grade) is a floor.
- Not DA: danger to life, violence or serious crime in progress, serious injury: IMMEDIATE;
  crime in progress or a vulnerable person: PRIORITY; a report: SCHEDULED; admin: RESOLUTION.
- The recommended grade is never less urgent than the minimum.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from cad.context import ContextResult, Finding
from cad.grading import combine, language, rules, textmodel
from cad.grading.domestic import Evidence, decide, finding, lower_first, own_case
from cad.grading.lexicon import Lexicon, get_lexicon
from cad.grading.linking import link, someone_elses_throughout
from cad.grading.people import CALLER, find_people
from cad.grading.questions import clean_answers, da_questions, read_answers
from cad.grading.slots import describe_behaviours
from cad.grading.text import PAST_TENSES, TENSE_RECENT, Narrative
from cad.models import Channel, Grade

logger = logging.getLogger(__name__)

SERIOUS = "serious"
# A weapon match starting with one of these is someone armed now, not a weapon mentioned.
ARMED_WORDS = (
    "armed",
    "holding",
    "waving",
    "brandishing",
    "carrying",
    "pulled",
    "produced",
    "wielding",
    "got",
    "has",
)


@dataclass
class Assessment:
    domestic_abuse: bool
    indicators: list[Finding]
    risk_factors: list[Finding]
    recommended_grade: str
    minimum_grade: str
    reasons: list[str]
    banners: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    # The floor set by context (a location marker): going below it needs a supervisor.
    context_floor: str = ""
    # True when a danger is happening now (suspect present, violence in progress...).
    present_danger: bool = False
    # What kind of call the narrative reads as, e.g. "DANGER_TO_LIFE", "ROUTINE_REPORT".
    categories: list[str] = field(default_factory=list)
    # The lexicon file the assessment was made with (a force may tune its own).
    lexicon: str = ""
    # The safety net: {"needed": bool, "why": str, "questions": [{"code", "text"}]}; needed when
    # a connection, a DA history or an order is there but the words do not settle DA.
    da_questions: dict = field(default_factory=lambda: da_questions(needed=False, why=""))
    # Each behaviour found, with its WHO / WHAT / WHEN / CERTAINTY slots (see `slots.py`).
    behaviours: list[dict] = field(default_factory=list)
    # The statistical layer's reading (`combine.py`): {"available", "domestic_abuse",
    # "present_danger" (scores 0-1 or null), "thresholds", "gate" (why the model may or may not
    # make it DA), "rules" (the rules' own DA verdict), "used" (the model made it DA or a present
    # danger), "trained_on"}.
    model: dict = field(default_factory=dict)
    # The language the narrative reads as when it is not English (`language.Reading.as_dict`:
    # {"english": false, "code", "name", "probability"}): its words were not assessed. None
    # for English, or too few words to tell.
    language: dict | None = None

    def as_dict(self) -> dict:
        return {
            "domestic_abuse": self.domestic_abuse,
            "indicators": [f.as_dict() for f in self.indicators],
            "risk_factors": [f.as_dict() for f in self.risk_factors],
            "recommended_grade": self.recommended_grade,
            "minimum_grade": self.minimum_grade,
            "reasons": list(self.reasons),
            "banners": list(self.banners),
            "context": dict(self.context),
            "context_floor": self.context_floor,
            "present_danger": self.present_danger,
            "categories": list(self.categories),
            "da_questions": {
                **self.da_questions,
                "questions": [dict(q) for q in self.da_questions.get("questions", [])],
            },
            "behaviours": [dict(b) for b in self.behaviours],
            "model": dict(self.model),
            "language": dict(self.language) if self.language else None,
        }


_RANK = {grade: rank for rank, grade in enumerate(Grade.values)}


def _more_urgent(a: str, b: str) -> str:
    """Grade.more_urgent without the enum lookups (assess runs on every keystroke)."""
    if not a:
        return b
    if not b:
        return a
    return a if _RANK[a] <= _RANK[b] else b


def _is_below(grade: str, floor: str) -> bool:
    return bool(floor) and _RANK[grade] > _RANK[floor]


class _Grades:
    """The minimum and recommended grades as rules raise them, with a reason for each rise."""

    def __init__(self):
        self.minimum = Grade.RESOLUTION
        self.recommended = Grade.RESOLUTION
        self.reasons: list[str] = []

    def floor(self, grade: str, reason: str = "") -> None:
        if not grade:
            return
        if _is_below(self.minimum, grade) and reason and reason not in self.reasons:
            self.reasons.append(reason)
        self.minimum = _more_urgent(self.minimum, grade)
        self.recommended = _more_urgent(self.recommended, grade)

    def recommend(self, grade: str, reason: str = "") -> None:
        if not grade:
            return
        if _is_below(self.recommended, grade) and reason and reason not in self.reasons:
            self.reasons.append(reason)
        self.recommended = _more_urgent(self.recommended, grade)


def _join(labels: list[str]) -> str:
    labels = list(dict.fromkeys(labels))
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


@dataclass
class _Context:
    """What the other apps' providers found, by category."""

    findings: list[Finding] = field(default_factory=list)
    banners: list[dict] = field(default_factory=list)
    floor: str = ""
    marked: bool = False
    # Why a silent call from here is IMMEDIATE (`ContextResult.silent_call_reasons`).
    silent_reasons: list[str] = field(default_factory=list)


def _read_context(context: list[ContextResult], grades: _Grades) -> _Context:
    found = _Context()
    for result in context:
        found.findings.extend(result.risk_factors)
        found.banners.extend(result.banners)
        found.marked = found.marked or result.marked
        found.silent_reasons.extend(
            r for r in result.silent_call_reasons if r not in found.silent_reasons
        )
        if result.grade_floor:
            found.floor = _more_urgent(found.floor, result.grade_floor)
            grades.floor(
                result.grade_floor,
                result.floor_reason or f"Context sets the floor to {result.grade_floor}.",
            )
    return found


# Kinds of call that say what the caller wants (advice, an update), not another incident: "wants
# advice re options" beside a history of being hit is a call about the abuse.
_ABOUT_THE_CALL_ITSELF = frozenset({"ADMIN", "FOLLOW_UP"})
# "Wants to report", "reporting a": the caller reporting, maybe the abuse itself.
_REPORTING = re.compile(r"\breport", re.IGNORECASE)


def _reporting_sentences(text: Narrative, categories, *, incidents_only: bool = False) -> set:
    """The sentences (indexes) where a kind of call that sets a grade is reported; with
    `incidents_only`, not advice or a follow-up, nor the caller's "I want to report"."""
    return {
        text.sentence_index(hit.start)
        for category, hit, grade in categories
        if grade
        and not category.silent
        and not (
            incidents_only
            and (
                category.code in _ABOUT_THE_CALL_ITSELF or _REPORTING.search(text.quote(*hit.span))
            )
        )
    }


def _other_subject(text: Narrative, history_spans: list, categories) -> bool:
    """Another kind of call is reported in a sentence with no DA words in it."""
    da_sentences = {text.sentence_index(start) for start, _ in history_spans}
    return bool(_reporting_sentences(text, categories) - da_sentences)


def _another_call_beside_the_abuse(text: Narrative, people, abuse_spans: list, categories) -> bool:
    """Another kind of call is reported in a sentence with no DA words or abusive behaviour in
    it, and no sentence besides the abuse's names a connected person or a he/she who could be
    the abuser ("My shed was broken into and I think it was him"; "they took £500" can be
    anyone)."""
    abuse_sentences = {text.sentence_index(start) for start, _ in abuse_spans}
    if not _reporting_sentences(text, categories, incidents_only=True) - abuse_sentences:
        return False
    who = [m for m in people.pronouns if m.gender] + people.connections
    return not any(text.sentence_index(m.start) not in abuse_sentences for m in who)


def _read_narrative(text: Narrative, lexicon: Lexicon, context: _Context, categories) -> Evidence:
    """WHO, WHAT, WHEN and CERTAINTY: people, behaviour hits and who did them."""
    people = find_people(text, lexicon)
    domestic_words = rules.find_domestic_words(text, lexicon)
    orders = rules.find_orders(text, lexicon)
    risks = rules.find_risks(text, lexicon)
    injured = any(h.code == "INJURY" for h in risks)
    behaviours = [
        h
        for h in rules.find_behaviours(text, lexicon)
        if not h.negated
        and not rules.is_figure_of_speech(text, lexicon, h)
        and not rules.is_self_directed(text, h)
        # "She's told me her partner did it": an act only when an injury is described.
        and (injured or not rules.is_attribution(text, h))
    ]
    return Evidence(
        links=someone_elses_throughout([link(text, hit, people) for hit in behaviours], people),
        people=people,
        domestic_words=domestic_words,
        orders=orders,
        risks=risks,
        context_findings=context.findings,
        home_frame=bool(lexicon.frame("home").search(text.text)),
        silent_frame=bool(lexicon.frame("silent_call").search(text.text)),
        distress=[m.span() for m in lexicon.frame("distress").finditer(text.text)],
        benign=bool(lexicon.frame("benign").search(text.text)),
        amicable=bool(lexicon.frame("amicable").search(text.text)),
        other_subject=_other_subject(text, [h.span for h in domestic_words + orders], categories),
        other_subject_than_abuse=_another_call_beside_the_abuse(
            text, people, [h.span for h in domestic_words + orders + behaviours], categories
        ),
        unrelated=bool(lexicon.frame("unrelated").search(text.text)),
        forced_marriage=[
            m.span()
            for m in lexicon.frame("forced_marriage").finditer(text.text)
            if not text.is_negated(m.start(), m.end(), 3)
        ],
        named_now=[h for h in domestic_words if text.is_now(h.start)],
    )


def _risk_factors(text: Narrative, lexicon, evidence: Evidence, domestic_abuse: bool) -> list:
    """Risk factors from the narrative (DA-only ones on a DA call), a breach of an order, and
    the context findings."""
    risk_factors: list[Finding] = []
    seen: dict[str, list] = {}
    heard_on_the_call = evidence.callback_distress
    for hit in evidence.risks:
        if hit.rule.da_only and not domestic_abuse:
            continue
        if hit.code == "DISTRESS_ON_CALL" and hit not in heard_on_the_call:
            continue  # "keeps shouting at me" is not distress heard on an abandoned call
        seen.setdefault(hit.code, []).append(hit)
    for code, hits in seen.items():
        current = [h for h in hits if rules.risk_weight(h) == SERIOUS]
        weight = SERIOUS if current else hits[0].rule.weight
        if hits[0].rule.weight == SERIOUS and not current:
            weight = "normal"
        past = all(h.tense in PAST_TENSES for h in hits)
        label = hits[0].label + (" (in the past)" if past else "")
        risk_factors.append(finding(text, code, label, [h.span for h in hits], weight=weight))
    if "BREACH_OF_ORDER" not in seen:
        breach = _breach(text, evidence)
        if breach is not None:
            risk_factors.append(breach)
    risk_factors.extend(evidence.context_findings)
    return risk_factors


def _breach(text: Narrative, evidence: Evidence) -> Finding | None:
    """An order named with the person in touch or near: a breach; a live order on record with
    contact or presence in the narrative: a possible breach."""
    for order in evidence.orders:
        contact = rules.contact_after_order(text, order)
        if contact is not None:
            return finding(
                text,
                "BREACH_OF_ORDER",
                "Breach of a court order, bail or injunction",
                [order.span, contact.span()],
                weight=SERIOUS,
            )
    orders = evidence.context_orders
    contact_now = rules.find_contact(text) if orders else None
    if contact_now is None:
        return None
    return Finding(
        code="BREACH_OF_ORDER",
        label="Possible breach of a live order or bail on record",
        evidence=f'{orders[0].evidence}; caller: "{text.quote(*contact_now.span())}"',
        source=orders[0].source,
        weight=SERIOUS,
        spans=(contact_now.span(),),
    )


def assess(
    *,
    narrative: str,
    channel: str,
    silent: bool = False,
    context: list[ContextResult] = (),
    lexicon: Lexicon | None = None,
    da_answers: dict | None = None,
    models: textmodel.Models | None = None,
    statistical: bool = True,
    thresholds: combine.Thresholds | None = None,
) -> Assessment:
    """Assess a call. Pure: reads nothing from the database and records nothing.

    `da_answers` are the handler's answers to the DA questions, `{code: "yes"|"no"|"unknown"}`
    with codes from `questions.QUESTIONS`; raises ValueError for an unknown code or answer.
    `models` are the text models (`textmodel.train`; default: the process's, trained on the
    corpora on first use); `statistical=False` assesses on the rules alone; `thresholds` replace
    the lexicon's model thresholds (cross-validation).
    """
    lexicon = lexicon or get_lexicon()
    answered = read_answers(clean_answers(da_answers))
    text = Narrative(narrative or "")
    grades = _Grades()
    ctx = _read_context(context, grades)
    categories = rules.find_categories(text, lexicon)
    evidence = _read_narrative(text, lexicon, ctx, categories)
    decision = decide(text, evidence)
    # A narrative in another language: the text models (trained on English) are not asked.
    unread = language.not_english(text.text)
    scores = _model_scores(text, models) if statistical and not unread else None
    gate = combine.gate(evidence)
    thresholds = thresholds or combine.Thresholds.from_lexicon(lexicon)
    on_record = _supported_on_record(ctx, evidence, text)
    danger_now = bool(evidence.present_hits or evidence.present_behaviour)
    acted = _acts_of_a_connection_on_caller(evidence)
    supported = on_record or danger_now or bool(acted & PLAIN_ABUSE)
    danger_only = danger_now and not on_record and not acted
    outcome = combine.decide(
        rules_da=decision.domestic_abuse,
        answers_confirm=answered.confirmed,
        answers_rule_out=answered.ruled_out,
        gate_open=gate.open,
        gate_unblocked=gate.unblocked,
        da_score=scores[textmodel.DOMESTIC_ABUSE].score if scores else None,
        danger_score=scores[textmodel.PRESENT_DANGER].score if scores else None,
        thresholds=thresholds,
        supported=supported,
        danger_only=danger_only,
    )
    domestic_abuse = outcome.domestic_abuse
    model_indicators = _model_indicators(text, outcome, gate, scores)
    risk_factors = _risk_factors(text, lexicon, evidence, domestic_abuse)
    if outcome.present_danger:
        risk_factors.append(
            combine.model_finding(
                text,
                "MODEL_PRESENT_DANGER",
                "Present danger",
                scores[textmodel.PRESENT_DANGER],
            )
        )
    present_danger = bool(
        evidence.present_hits
        or evidence.present_behaviour
        or answered.present
        or outcome.present_danger
    )

    if outcome.overruled:
        grades.reasons.append(_overruled_reason(decision, scores[textmodel.DOMESTIC_ABUSE]))
    else:
        grades.reasons.extend(decision.reasons)
    if outcome.by_model:
        grades.reasons.append(_model_reason(text, gate, scores[textmodel.DOMESTIC_ABUSE]))
    if not domestic_abuse:
        # "A relationship is mentioned but no abusive behaviour" only while nothing makes it DA.
        grades.reasons.extend(decision.not_domestic)
    if domestic_abuse:
        _grade_domestic(
            text, lexicon, grades, evidence, risk_factors, answered, decision, outcome, scores
        )
    context_floor = _grade_silent(text, lexicon, grades, channel, silent, categories, ctx)
    _grade_by_kind(text, grades, categories, evidence, channel)
    questions = _questions(decision, domestic_abuse, answered, outcome, text, scores)
    _grade_possible_da_in_danger(text, lexicon, grades, questions, domestic_abuse, scores)
    _grade_unknown(lexicon, grades, categories, channel)
    barrier = None if unread else lexicon.frame("language_barrier").search(text.text)
    if unread or barrier:
        # Until an interpreter is heard: at least the channel's default, also as the minimum.
        grades.floor(_unknown_grade(lexicon, channel))
    if unread:
        questions = _unread(unread, grades, questions, domestic_abuse, answered)
    elif barrier:
        grades.reasons.insert(
            0,
            f'The caller needs an interpreter ("{text.quote(*barrier.span())}"): what they said '
            "may not all be in the narrative. Grade on what the interpreter gets.",
        )

    return Assessment(
        domestic_abuse=domestic_abuse,
        indicators=decision.indicators + model_indicators + answered.indicators,
        risk_factors=risk_factors,
        recommended_grade=_more_urgent(grades.recommended, grades.minimum),
        minimum_grade=grades.minimum,
        reasons=grades.reasons,
        banners=ctx.banners,
        context={r.provider: r.panel for r in context},
        context_floor=context_floor,
        present_danger=present_danger
        or any(c.code == "DANGER_TO_LIFE" and g == Grade.IMMEDIATE for c, _, g in categories),
        categories=list(dict.fromkeys(c.code for c, _, g in categories if g)),
        lexicon=lexicon.source,
        da_questions=questions,
        behaviours=describe_behaviours(text, lexicon, evidence.links),
        model=_model_panel(
            scores,
            gate,
            thresholds,
            outcome,
            models,
            statistical,
            supported,
            supported_by_danger_only=danger_only,
        ),
        language=unread.as_dict() if unread else None,
    )


def _unread(unread, grades: _Grades, questions: dict, domestic_abuse: bool, answered) -> dict:
    """A narrative in another language: say first that its words were not assessed (the grade
    is at least the channel's default, also as the minimum, until the handler grades on what an
    interpreter gets), and ask the DA questions through the interpreter unless the answers
    settle it."""
    grades.reasons.insert(
        0,
        f"The narrative reads as {unread.name}, not English: its words were not assessed. "
        "Get an interpreter (e.g. Language Line) and grade on what the caller says.",
    )
    if domestic_abuse or answered.ruled_out or questions["needed"]:
        return questions
    return da_questions(
        needed=True,
        why=f"The narrative is in {unread.name}: ask the questions through an interpreter.",
    )


def _model_scores(text: Narrative, models: textmodel.Models | None) -> dict | None:
    """The text models' readings, or None with no narrative, while the process's models are still
    training (`textmodel.models_within`), or when they cannot be had (the failure is logged): the
    rules still assess the call."""
    if not text.original.strip():
        return None
    try:
        models = models or textmodel.models_within(_model_wait())
        return models.read(text.original) if models is not None else None
    except Exception:
        logger.exception("text models unavailable: assessing on the rules alone")
        return None


def _model_wait() -> float:
    from django.conf import settings

    return float(getattr(settings, "GRADING_MODEL_WAIT_SECONDS", 3.0))


def _model_indicators(text: Narrative, outcome, gate, scores) -> list[Finding]:
    """On a call the model made DA: the WHO slot's connection and the model's n-grams."""
    if not outcome.by_model:
        return []
    found = []
    if gate.spans:
        found.append(
            finding(text, "PERSONAL_CONNECTION", f"Personal connection ({gate.label})", gate.spans)
        )
    found.append(
        combine.model_finding(
            text, "MODEL_DOMESTIC_ABUSE", "Reads as domestic abuse", scores["domestic_abuse"]
        )
    )
    return found


def _model_reason(text: Narrative, gate, scored) -> str:
    named = (
        f"the call names {gate.label}"
        if gate.open
        else "no one unconnected is named as doing it, though no relationship is named either"
    )
    return (
        f"Domestic abuse: the text model reads it as domestic abuse (score {scored.score:.2f}: "
        f"{combine.quote_ngrams(text, scored) or 'no single words stand out'}) and {named}; "
        "the rules alone did not settle it: check with the DA questions."
    )


def _supported_on_record(ctx, evidence, text) -> bool:
    """The model never overrules the rules' DA when something beyond its reading supports it: a
    marker, DA history or an order on record, a protective order named in the words (a breach
    of an order is the founding case's pattern), forced marriage or honour-based abuse, or the
    caller's own DA case (`domestic.own_case`). A danger the rules read as happening now also
    supports it (an overruled call waits for the handler's questions), except below the lower
    `Thresholds.danger_veto`: the caller's partner assaulted by a stranger is in danger now,
    but it is not domestic abuse."""
    return bool(
        ctx.marked
        or evidence.context_da
        or evidence.context_orders
        or evidence.orders
        or evidence.forced_marriage
        or own_case(text, evidence)
    )


# Behaviour abusive in itself, whoever reads it: not the economic or controlling acts that a
# dispute over a PS5 or a parent taking a 16-year-old's phone also shows.
PLAIN_ABUSE = frozenset(
    {"VIOLENCE", "THREATS", "HARASSMENT", "STALKING", "SEXUAL_VIOLENCE", "INTIMATE_IMAGE"}
)


def _acts_of_a_connection_on_caller(evidence) -> set[str]:
    """The behaviour codes of the acts the rules read a partner, ex-partner or relative as
    doing to the caller or to no one named ("we were on and off for two years, he's just kicked
    my door in", "my 45 year old son keeps shouting at me and calling me names"): the core of
    domestic abuse. Any of them keeps the danger veto off; one in `PLAIN_ABUSE` keeps the
    model's veto off too (the vetoes are for WHO misreadings, such as a stranger's assault on
    the caller's partner). `combine.decide`."""
    people = evidence.people
    return {
        lk.hit.code
        for lk in evidence.linked
        if lk.connection is not None
        and people.resolve(lk.agent) is lk.connection
        and (lk.patient is None or lk.patient.kind == CALLER)
    }


def _overruled_reason(decision, scored) -> str:
    said = (
        "; ".join(r.removeprefix("Domestic abuse: ").rstrip(".") for r in decision.reasons)
        or "DA words"
    )
    return (
        f"Not graded as domestic abuse: the words suggested it ({said}), but the text model "
        f"reads the call as not domestic (score {scored.score:.2f}) and nothing else "
        "supports it: ask the DA questions; an answer confirming DA makes it DA."
    )


def _model_panel(
    scores,
    gate,
    thresholds,
    outcome,
    models,
    statistical: bool,
    supported: bool,
    supported_by_danger_only: bool = False,
) -> dict:
    if not statistical:
        return {"available": False}
    if scores is None:
        return {"available": False, "domestic_abuse": None, "present_danger": None}
    trained = models or textmodel.models_within(0)
    return {
        "available": True,
        "domestic_abuse": round(scores[textmodel.DOMESTIC_ABUSE].score, 3),
        "present_danger": round(scores[textmodel.PRESENT_DANGER].score, 3),
        "thresholds": {
            "domestic_abuse": thresholds.domestic_abuse,
            "ask": thresholds.ask,
            "present_danger": thresholds.present_danger,
            "veto": thresholds.veto,
            "unconnected": thresholds.unconnected,
            "danger_veto": thresholds.danger_veto,
        },
        "gate": {"open": gate.open, "why": gate.label, "blocked_by": gate.blocked_by},
        "rules": {
            "domestic_abuse": outcome.rules,
            "overruled": outcome.overruled,
            "supported": supported,
            "danger_only": supported_by_danger_only,
        },
        "used": {"domestic_abuse": outcome.by_model, "present_danger": outcome.present_danger},
        "trained_on": trained.trained_on if trained else None,
    }


def _questions(decision, domestic_abuse: bool, answered, outcome, text, scores) -> dict:
    """Ask when a connection, a history or an order is there, or the text model is suggestive,
    but nothing settles it."""
    if outcome.by_model and not answered.confirmed and not answered.ruled_out:
        # DA because the model read it so (the rules alone did not): the reason tells the
        # handler to check with the questions, so they are asked.
        scored = scores[textmodel.DOMESTIC_ABUSE]
        quoted = combine.quote_ngrams(text, scored)
        return da_questions(
            needed=True,
            why=(
                f"Domestic abuse read by the text model (score {scored.score:.2f}"
                + (f": {quoted})" if quoted else ")")
                + ", not settled by the words alone: confirm with the questions."
            ),
        )
    needed = bool(decision.signals or outcome.ask) and not domestic_abuse and not answered.ruled_out
    why = ""
    if needed:
        found = list(decision.signals)
        if outcome.overruled:
            found.append(
                "the words suggested domestic abuse but the text model reads the call as not "
                f"domestic (score {scores[textmodel.DOMESTIC_ABUSE].score:.2f})"
            )
        elif outcome.ask:
            scored = scores[textmodel.DOMESTIC_ABUSE]
            quoted = combine.quote_ngrams(text, scored)
            found.append(
                f"the text model reads it as possibly domestic (score {scored.score:.2f}"
                + (f": {quoted})" if quoted else ")")
            )
        why = (
            f"Possible domestic abuse: {_join(found)}: ask."
            if outcome.overruled
            else f"Possible domestic abuse: {_join(found)} but the words do not show abuse: ask."
        )
    return da_questions(needed=needed, why=why)


def _grade_domestic(
    text, lexicon, grades: _Grades, evidence, risk_factors, answered, decision, outcome, scores
):
    """DA with a present danger (by the rules, the handler's answer or the danger model) or a
    serious risk factor: IMMEDIATE; other DA: PRIORITY."""
    if answered.confirmed and not decision.domestic_abuse and not outcome.by_model:
        grades.reasons.append(
            "Domestic abuse confirmed by the handler's questions (a personal connection and a "
            "further risk answered yes)."
        )
    present_labels = [h.label for h in evidence.present_hits] + [
        f"{lower_first(h.label)} now" for h in evidence.present_behaviour
    ]
    if answered.present:
        present_labels.append("there now or trying to get in (handler's answer)")
    if outcome.present_danger:
        scored = scores[textmodel.PRESENT_DANGER]
        quoted = combine.quote_ngrams(text, scored)
        present_labels.append(
            f"the text model reads a present danger (score {scored.score:.2f}"
            + (f": {quoted})" if quoted else ")")
        )
    serious = [f for f in risk_factors if f.weight == SERIOUS]
    if present_labels:
        grades.floor(
            Grade.IMMEDIATE,
            f"Domestic abuse with a present danger ({_join(present_labels)}): IMMEDIATE.",
        )
    elif serious:
        grades.floor(
            Grade.IMMEDIATE,
            "Domestic abuse with a serious risk factor "
            f"({_join([lower_first(f.label) for f in serious])}): IMMEDIATE.",
        )
    else:
        grades.floor(
            Grade.PRIORITY,
            "Domestic abuse: at least PRIORITY; resolution without deployment needs a supervisor.",
        )
    threshold = lexicon.setting("recommend_immediate_at_risk_count", 3)
    count = len({f.code for f in risk_factors})
    if count >= threshold:
        grades.recommend(Grade.IMMEDIATE, f"{count} risk factors together: IMMEDIATE recommended.")


def _grade_silent(text, lexicon, grades: _Grades, channel, silent, categories, ctx) -> str:
    """A silent or abandoned 999 call: IMMEDIATE from a marked number or address (the marker's
    floor, so lowering it needs a supervisor), else PRIORITY. Returns the context floor."""
    empty_999 = channel == Channel.EMERGENCY and not text.original.strip()
    silent_cues = [hit for category, hit, _ in categories if category.silent]
    if not (silent or empty_999 or silent_cues) or channel != Channel.EMERGENCY:
        return ctx.floor
    if ctx.silent_reasons:
        grades.floor(
            Grade.IMMEDIATE,
            f"Silent or abandoned 999 call: {_join(ctx.silent_reasons)}: IMMEDIATE.",
        )
        return Grade.IMMEDIATE
    if ctx.marked:
        grades.floor(
            Grade.IMMEDIATE,
            "Silent or abandoned 999 call from a marked number or address: IMMEDIATE.",
        )
        return Grade.IMMEDIATE
    grades.floor(
        lexicon.setting("silent_unmarked_minimum", Grade.PRIORITY),
        "Silent or abandoned 999 call: call back and check the caller's history.",
    )
    grades.recommend(lexicon.setting("silent_unmarked_grade", Grade.PRIORITY))
    return ctx.floor


def _unknown_grade(lexicon, channel) -> str:
    """The channel's grade for a call nothing in the narrative grades (lexicon `unknown_grade`)."""
    key = channel if channel in lexicon.setting("unknown_grade", {}) else "default"
    return lexicon.setting("unknown_grade", {}).get(key, Grade.SCHEDULED)


def _grade_unknown(lexicon, grades: _Grades, categories, channel) -> None:
    """Nothing in the narrative sets the grade: the channel's default until the handler
    grades it."""
    if grades.recommended != Grade.RESOLUTION or any(g for _, _, g in categories):
        return
    unknown = _unknown_grade(lexicon, channel)
    unknown_minimum = lexicon.setting("unknown_minimum", {})
    grades.floor(unknown_minimum.get(channel, unknown_minimum.get("default", "")))
    if _is_below(grades.recommended, unknown):
        grades.recommend(
            unknown,
            f"Nothing in the narrative sets the grade: {unknown} for a {channel} call "
            "until the handler grades it.",
        )


def _grade_possible_da_in_danger(text, lexicon, grades, questions, domestic_abuse, scores):
    """A call that asks the DA questions ("Possible domestic abuse: ask") while the danger
    model reads a present danger (`model_ask_danger_threshold`) is IMMEDIATE until the answers
    say otherwise: words the rules do not know ("husbnd punchd me hes stil here") must not
    leave a call in danger at a routine grade. Chosen on cross-validation's out-of-voice rows:
    of the calls asking the questions, not DA, with a danger score of 0.6 or more, 97 of 111
    were labelled in present danger and 100 with a minimum of IMMEDIATE."""
    threshold = lexicon.setting("model_ask_danger_threshold")
    if domestic_abuse or not questions.get("needed") or not scores or threshold is None:
        return
    danger = scores[textmodel.PRESENT_DANGER]
    if danger.score < float(threshold):
        return
    quoted = combine.quote_ngrams(text, danger) or "no single words stand out"
    grades.floor(
        Grade.IMMEDIATE,
        f"Possible domestic abuse and the text model reads a present danger (score "
        f"{danger.score:.2f}: {quoted}): IMMEDIATE until the DA questions are answered.",
    )


# Bail, licence, a tag, remand: conditions on someone that may not concern the caller ("my son
# is on bail for burglary"); a court order protecting someone is about that person.
_BAIL_OR_LICENCE = re.compile(r"bail|licen[cs]e|\btag\b|remand", re.IGNORECASE)


def _grade_by_kind(text, grades: _Grades, categories, evidence: Evidence, channel) -> None:
    """Grades from what kind of call it is, whether or not it is domestic abuse."""
    _grade_categories(text, grades, categories)
    _grade_violence(text, grades, evidence.links, channel)
    _grade_weapons_and_threats(text, grades, evidence)
    # A court order or bail broken by someone there now (at the door, outside, trying to get
    # in), domestic or not: "I got a restraining order against him ... he's outside the salon
    # right now". The order is the court's judgment that the contact is a danger.
    orders = [
        o
        for o in evidence.orders
        if not o.hypothetical and not _BAIL_OR_LICENCE.search(text.text[o.start : o.end])
    ]
    there = [h for h in evidence.presence if h.tense not in PAST_TENSES]
    if orders and there:
        words = f'"{text.quote(*there[0].span)}"'
        grades.floor(
            Grade.IMMEDIATE,
            f"Breach of a court order with the person there now ({words}): IMMEDIATE.",
        )
    # Someone at the door or trying to get in, when nothing else explains it: PRIORITY.
    present = evidence.present_hits
    if present:
        words = f'"{text.quote(*present[0].span)}"'
        grades.floor(Grade.PRIORITY, f"{present[0].label} ({words}): PRIORITY.")


def _grade_categories(text, grades: _Grades, categories) -> None:
    """Call categories from the lexicon (danger to life, crime in progress, report, admin...). A
    category may override others ("an update on my burglary" is admin, not a new report)."""
    overridden = {code for category, _, _ in categories for code in category.overrides}
    ranked = sorted(categories, key=lambda c: _RANK[c[2] or Grade.RESOLUTION])
    for category, hit, grade in ranked:
        if not grade or category.code in overridden:
            continue
        reason = category.reason
        if grade != category.grade:
            when = "in the past" if hit.tense in PAST_TENSES else "earlier"
            reason = f"{category.label} ({when}): {grade}"
        grades.floor(grade, f'{reason} ("{text.quote(*hit.span)}").' if reason else "")


def _grade_violence(text, grades: _Grades, links, channel) -> None:
    """Violence by anyone: now or just now IMMEDIATE, earlier today PRIORITY, past SCHEDULED."""
    for lk in links:
        hit = lk.hit
        if hit.code != "VIOLENCE" or hit.hypothetical or hit.descriptive:
            continue
        if lk.patient is not None and lk.patient.possessive == "thing":
            continue  # "my husband's dog was attacked"
        words = f'"{text.quote(*hit.span)}"'
        if hit.current and channel == Channel.EMERGENCY:
            grades.floor(Grade.IMMEDIATE, f"Violence now or just now ({words}): IMMEDIATE.")
        elif hit.current or hit.tense == TENSE_RECENT:
            # A 101 or online caller has judged it is not happening now.
            grades.floor(Grade.PRIORITY, f"Violence reported, not in progress ({words}): PRIORITY.")
        else:
            grades.floor(Grade.SCHEDULED, f"Violence in the past ({words}): SCHEDULED.")


def _grade_weapons_and_threats(text, grades: _Grades, evidence: Evidence) -> None:
    """A weapon with violence, threats or someone there now: IMMEDIATE; mentioned alone:
    PRIORITY. Threats to kill and strangulation now: IMMEDIATE."""
    by_code: dict[str, list] = {}
    for hit in evidence.risks:
        by_code.setdefault(hit.code, []).append(hit)
    current_threats = [
        lk.hit
        for lk in evidence.links
        if lk.hit.code in ("VIOLENCE", "THREATS") and lk.hit.current and not lk.hit.descriptive
    ]
    weapons = [h for h in by_code.get("WEAPON", []) if h.current]
    if weapons:
        words = f'"{text.quote(*weapons[0].span)}"'
        armed = [
            h for h in weapons if h.armed or text.text[h.start : h.end].startswith(ARMED_WORDS)
        ]
        if current_threats or evidence.present_hits or armed:
            grades.floor(
                Grade.IMMEDIATE,
                f"Weapon with violence, threats or someone there ({words}): IMMEDIATE.",
            )
        else:
            grades.floor(Grade.PRIORITY, f"Weapon mentioned ({words}): PRIORITY.")
    for code in ("THREATS_TO_KILL", "STRANGULATION"):
        current = [h for h in by_code.get(code, []) if h.current]
        if current:
            words = f'"{text.quote(*current[0].span)}"'
            grades.floor(Grade.IMMEDIATE, f"{current[0].label} ({words}): IMMEDIATE.")
