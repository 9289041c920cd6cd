"""How the rules and the text models (`textmodel.py`) combine into the DA decision.

The layers, in order:

1. The rules (`domestic.py`) decide first. A call the rules call DA stays DA, except that the
   text model may overrule them when it reads the call as clearly not domestic (score below
   `model_veto_threshold`) and nothing else supports DA (no marker, DA history or order on
   record, no order named in the words, no partner or relative read as abusing the caller, no
   danger the rules read as happening now: see `engine._supported_on_record` and
   `engine._acts_of_a_connection_on_caller`) and the handler's answers do not confirm it. An overruled
   call is not dropped: it asks the DA questions ("Possible domestic abuse: ask"), and answers
   confirming DA make it DA again. Why: on narratives written apart from the engine most of the
   false DA came from rules firing on hard negatives (a stranger's assault on a partner, a past
   case mentioned while reporting a theft) where the model read them correctly. The threshold
   is chosen by cross-validation; there it cost no recall on the held-out voices (it did on the
   project's own set: docs/architecture.md).
2. The text model may make a call DA that the rules did not, only when it is confident
   (`domestic_abuse` score at least `model_da_threshold`) AND the WHO slot (`people.py`,
   `linking.py`) found a reason for it to be domestic: a personal connection of 16 or over, a
   history of domestic abuse or a protective order (in the words or on record), AND no act in
   the narrative was done by a stranger or a child under 16 with nothing done by a connected
   person, the caller is not under 16 and does not say the call is about something else or
   give a harmless explanation (`gate`). So a strong score never turns a stranger assault, or a fight between
   under-16 siblings, into DA. When the gate is shut only because no connection is named
   ("He hides the car keys every morning"; nobody unconnected did the act and nothing else shut
   it: `Gate.unblocked`), a higher score, `model_unconnected_threshold`, still makes it DA.
3. Doubt asks: when the call is not DA and either the model is suggestive (score at least
   `model_ask_threshold`) or a connection, history or order is there, the DA questions are
   asked ("Possible domestic abuse: ask").
4. The handler's answers override: "yes" to the connection and to any other question confirms DA;
   "no" to the connection stops the questions (it cannot undo what the words show).
5. Present danger: on a DA call (by rules, model or answers) a `present_danger` score of at
   least `model_danger_threshold` is a present danger: minimum IMMEDIATE.

Every model finding quotes its evidence: the word n-grams present in the narrative that raised
the score most (`textmodel.Scored.evidence`), with their spans, and the score itself.

The thresholds are lexicon settings (`lexicon.toml`, `[settings]`), chosen by cross-validation
(`python -m tests.cad.grading.crossval`): leave-one-set-out on the blind sets and folds of the
development set, never by reading a blind set's misses.
"""

from __future__ import annotations

from dataclasses import dataclass

from cad.context import Finding
from cad.grading.domestic import (
    CONNECTION_KINDS,
    Evidence,
    order_against_unconnected,
    past_abuse_beside_another_call,
)
from cad.grading.people import ADULT_AGE, PRONOUN, plural
from cad.grading.text import Narrative
from cad.grading.textmodel import Scored

# Used when a force's lexicon does not set them (the shipped lexicon.toml does).
DEFAULT_DA_THRESHOLD = 0.55
DEFAULT_ASK_THRESHOLD = 0.35
DEFAULT_DANGER_THRESHOLD = 0.3
DEFAULT_VETO_THRESHOLD = 0.0  # 0: the model never overrules the rules
DEFAULT_UNCONNECTED_THRESHOLD = 1.01  # above any score: off unless the lexicon sets it
DEFAULT_DANGER_VETO_THRESHOLD = 0.0  # 0: never, unless the lexicon sets it


@dataclass(frozen=True)
class Thresholds:
    domestic_abuse: float = DEFAULT_DA_THRESHOLD
    ask: float = DEFAULT_ASK_THRESHOLD
    present_danger: float = DEFAULT_DANGER_THRESHOLD
    veto: float = DEFAULT_VETO_THRESHOLD
    # The model alone makes a call DA at this score when the WHO slot found no connection but
    # nobody unconnected (a stranger, a child) did the act either: "he hides my car keys".
    unconnected: float = DEFAULT_UNCONNECTED_THRESHOLD
    # The model overrules the rules' DA below this score when the only support is a danger the
    # rules read as now (a stranger's assault on the caller's partner): `decide`.
    danger_veto: float = DEFAULT_DANGER_VETO_THRESHOLD

    @classmethod
    def from_lexicon(cls, lexicon) -> Thresholds:
        return cls(
            domestic_abuse=float(lexicon.setting("model_da_threshold", DEFAULT_DA_THRESHOLD)),
            ask=float(lexicon.setting("model_ask_threshold", DEFAULT_ASK_THRESHOLD)),
            present_danger=float(
                lexicon.setting("model_danger_threshold", DEFAULT_DANGER_THRESHOLD)
            ),
            veto=float(lexicon.setting("model_veto_threshold", DEFAULT_VETO_THRESHOLD)),
            unconnected=float(
                lexicon.setting("model_unconnected_threshold", DEFAULT_UNCONNECTED_THRESHOLD)
            ),
            danger_veto=float(
                lexicon.setting("model_danger_veto_threshold", DEFAULT_DANGER_VETO_THRESHOLD)
            ),
        )


@dataclass(frozen=True)
class Gate:
    """The WHO slot's verdict on whether the model may make this call DA."""

    open: bool
    # Why it is open: the connection, history or order found ("partner", '"my ex"').
    label: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    # Why it is shut when a reason was there: a stranger or a child did the act.
    blocked_by: str = ""

    @property
    def unblocked(self) -> bool:
        """Shut only because no connection, history or order was found: nobody unconnected did
        the act and nothing else (a child caller, another matter, a harmless explanation) shut
        it. The model may still make the call DA, at the higher `Thresholds.unconnected`."""
        return not self.open and not self.blocked_by


def gate(evidence: Evidence) -> Gate:
    """Open when a personal connection (16 or over), a history of domestic abuse or a protective
    order is there, and no act was done by a stranger or a child under 16 unless a connected
    person did something too. Shut, whatever the score, when the caller is under 16, says the
    call is about something else ("that's not why I'm calling") or gives a harmless explanation
    ("joking", "TV on", "NFA"): the WHEN and CERTAINTY slots the rules read."""
    people = evidence.people
    if people.caller_age is not None and people.caller_age < ADULT_AGE and not evidence.linked:
        # Unless an act between connected adults was read: "my stepdad has got my mum by the
        # throat, im 13" is a teenager's report of domestic abuse.
        return Gate(open=False, blocked_by="the caller is under 16")
    if evidence.unrelated:
        return Gate(open=False, blocked_by="the caller says the call is about something else")
    if past_abuse_beside_another_call(evidence):
        return Gate(
            open=False, blocked_by="the abuse is in the past and the call is about something else"
        )
    if evidence.benign:
        return Gate(open=False, blocked_by="a harmless explanation is given")
    if evidence.amicable and not evidence.links and not evidence.orders:
        # "My ex is out helping me look for the dog, it's all amicable": no abusive behaviour
        # read at all, by anyone, and the caller says they are on good terms.
        return Gate(open=False, blocked_by="the caller says they are on good terms")
    linked = bool(evidence.linked)
    for lk in evidence.links:
        who = lk.blocked_by
        if who is None or linked:
            continue
        # Done by a stranger or a child, or done to a child under 16 ("a 6 year old pupil says
        # her dad hits her": child abuse, not domestic abuse, DA Act 2021 s.2). A pronoun is not
        # resolved here: "he" resolving to whoever blocked one act shut the gate on calls the
        # model rightly read as DA (cross-validation: out-of-voice recall 0.961 -> 0.943).
        by_them = lk.agent is not None and lk.agent.start == who.start
        to_a_child = who.minor and (
            people.resolve(lk.patient) is who or _the_child_acted_on(lk, who)
        )
        if by_them or to_a_child:
            return Gate(open=False, blocked_by=who.text)
    connections = evidence.people.connections
    if connections:
        first = connections[0]
        kind = CONNECTION_KINDS.get(first.rel_kind, "someone the caller knows")
        return Gate(open=True, label=f'{kind}, "{first.text}"', spans=(first.span,))
    history = [h for h in evidence.domestic_words if h not in evidence.named_now]
    history += [lk.hit for lk in evidence.history_links]
    if history:
        return Gate(open=True, label="a history of domestic abuse", spans=(history[0].span,))
    if evidence.orders and order_against_unconnected(evidence) is None:
        return Gate(open=True, label="a protective order", spans=(evidence.orders[0].span,))
    if evidence.context_da:
        return Gate(open=True, label=f"on record: {evidence.context_da[0].label}")
    if evidence.context_orders:
        return Gate(open=True, label=f"on record: {evidence.context_orders[0].label}")
    return Gate(open=False)


def _the_child_acted_on(lk, child) -> bool:
    """ "Pupil (8) disclosed mum's b/f hit him", "a boy in my class, he's 9, ... his dad hits
    him": the one child named, and "him"/"her" of the child's gender (or any, when the child's
    is not given) is the one hit (child abuse, not domestic abuse: DA Act 2021 s.2), when the
    child is named before the one who did it. Not a group ("the kids are screaming"), not the
    caller ("me"), not a child named after the act ("he's hitting her, her daughter's 6")."""
    patient = lk.patient
    if patient is None or patient.kind != PRONOUN or lk.agent is None or plural(child):
        return False
    if child.start > lk.agent.start:
        return False  # "he's hitting her, her daughter's 6 and watching": the child comes after
    word = patient.text.lower()
    if word not in ("him", "her"):
        return False
    return not child.gender or child.gender == ("m" if word == "him" else "f")


@dataclass(frozen=True)
class Outcome:
    """What the combination adds to the rules' decision."""

    domestic_abuse: bool  # rules, model (gated) or the handler's answers
    rules: bool  # the rules' own verdict
    by_model: bool  # DA because of the model (the rules alone did not say so)
    ask: bool  # the model is suggestive but not enough, or the gate is shut, or it overruled
    present_danger: bool  # the danger model says present danger on a DA call
    # The rules said DA, the model read it as clearly not domestic and nothing on record or in
    # the answers supports DA: not DA, the questions asked.
    overruled: bool = False


def decide(
    *,
    rules_da: bool,
    answers_confirm: bool,
    gate_open: bool,
    da_score: float | None,
    danger_score: float | None,
    thresholds: Thresholds,
    supported: bool = False,
    answers_rule_out: bool = False,
    gate_unblocked: bool = False,
    danger_only: bool = False,
) -> Outcome:
    """The combination as a pure function of the layers' verdicts (cross-validation replays it
    with other thresholds). `None` scores: no model (rules and answers only). `supported`:
    something beyond the model's reading supports DA (`engine._supported_on_record`: a marker
    or DA history/order on record, an order in the words; a partner or relative read as abusing
    the caller, `engine.PLAIN_ABUSE`; or a danger the rules read as now); the model then never
    overrules the rules, except that when the danger is the only support (`danger_only`) a
    score below `thresholds.danger_veto` still overrules them. `answers_rule_out`: the handler
    answered "no" to the
    connection question (not a partner, ex-partner or relative); a DA the model alone read
    ("check with the questions") does not stand against it. `gate_unblocked` (`Gate.unblocked`):
    the gate is shut only for want of a named connection; a score at `thresholds.unconnected`
    still makes the call DA (coercive control by an unnamed "he" the caller lives with names no
    one; cross-validated in lexicon.toml, `model_unconnected_threshold`)."""
    confident = da_score is not None and (
        (gate_open and da_score >= thresholds.domestic_abuse)
        or (gate_unblocked and da_score >= thresholds.unconnected)
    )
    by_model = not rules_da and confident and not answers_rule_out
    overruled = (
        rules_da
        and not answers_confirm
        and da_score is not None
        and (
            (not supported and da_score < thresholds.veto)
            or (danger_only and da_score < thresholds.danger_veto)
        )
    )
    domestic_abuse = (rules_da and not overruled) or by_model or answers_confirm
    ask = overruled or (
        not domestic_abuse
        and da_score is not None
        and da_score >= min(thresholds.ask, thresholds.domestic_abuse)
    )
    danger = (
        domestic_abuse and danger_score is not None and danger_score >= thresholds.present_danger
    )
    return Outcome(
        domestic_abuse=domestic_abuse,
        rules=rules_da,
        by_model=by_model,
        ask=ask,
        present_danger=danger,
        overruled=overruled,
    )


def quote_ngrams(text: Narrative, scored: Scored) -> str:
    """The n-grams behind a score as quotes from the narrative: '"ex-p" … "kicked off"'."""
    return " … ".join(f'"{text.quote(s, e)}"' for _, (s, e) in scored.evidence)


def model_finding(text: Narrative, code: str, label: str, scored: Scored) -> Finding:
    """A model's finding: the score in the label, the quoted n-grams as evidence."""
    quoted = quote_ngrams(text, scored)
    return Finding(
        code=code,
        label=f"{label} (text model score {scored.score:.2f})",
        evidence=quoted or "no single words stand out",
        source="model",
        spans=tuple(sorted({span for _, span in scored.evidence})),
    )
