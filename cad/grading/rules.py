"""WHAT: the grading rules that find behaviour, orders, risk factors and call categories.

Each function reads a `Narrative` with the `Lexicon` and returns `Hit`s: the matched words with
their character span and the cues that decide whether and how they count: WHEN (`tense`: now,
earlier today, overnight, history) and CERTAINTY (`negated`, `hypothetical`). Who did it is
`linking.py`; who is mentioned is `people.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cad.grading.lexicon import Lexicon, RiskRule
from cad.grading.people import overlaps as _overlaps
from cad.grading.text import (
    PAST_TENSES,
    TENSE_HISTORIC,
    TENSE_PRESENT,
    TENSE_RECENT,
    TENSE_UNSPECIFIED,
    Narrative,
)

_ARMED = re.compile(
    r"\b(?:armed|holding|waving|brandishing|carrying|pulled|produced|wielding|got|has|had|"
    r"with|pointing|picks? up|picked up)\b(?:\s+(?:a|an|the|his|her|out|up))*\s*\w*\s*$|^\s*armed"
)
_CONTACT = re.compile(
    r"\b(?:contact(?:ed|ing)?|text(?:ed|ing|s)?|messag(?:ed|ing|es)|call(?:ed|ing|s)|rang|ringing|"
    r"turn(?:ed|ing|s) up|came round|come round|coming round|been in touch|got in touch|"
    r"outside|at the door|here|approach(?:ed|ing)|seen him|seen her|near)\b"
)


# --- Data -----------------------------------------------------------------------------------


@dataclass
class Hit:
    """Words that matched a rule, with the cues that decide whether and how they count."""

    code: str
    label: str
    start: int
    end: int
    negated: bool = False
    hypothetical: bool = False
    tense: str = TENSE_UNSPECIFIED
    progressive: bool = False
    habitual: bool = False  # done again and again ("hits her sometimes", "beats her")
    present: bool = False  # doing this now is a present danger
    descriptive: bool = False  # "a violent man", "violence": describes, does not report an act
    armed: bool = False  # a weapon in someone's hands ("got a knife", "holding a bat")
    rule: object = None

    @property
    def current(self) -> bool:
        return self.tense in (TENSE_PRESENT, TENSE_UNSPECIFIED)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


# --- Hits -----------------------------------------------------------------------------------


def _hit(narrative: Narrative, lexicon: Lexicon, match: re.Match, code: str, label: str, **kw):
    start, end = match.span()
    return Hit(
        code=code,
        label=label,
        start=start,
        end=end,
        negated=narrative.is_negated(start, end, lexicon.setting("negation_window", 4)),
        hypothetical=narrative.is_hypothetical(start, lexicon.setting("hypothetical_window", 4)),
        tense=narrative.tense(start),
        progressive=narrative.is_progressive(start, end),
        habitual=narrative.is_habitual(start, end),
        **kw,
    )


# --- Behaviour and who did it ---------------------------------------------------------------


def find_behaviours(narrative: Narrative, lexicon: Lexicon) -> list[Hit]:
    """Abusive behaviour words, including risk-factor words that are also behaviour
    ("strangled" is violence) and history phrases ("has a history of violence")."""
    hits: list[Hit] = []
    descriptive = tuple(lexicon.setting("descriptive_words", ("violen", "physical")))
    for behaviour in lexicon.behaviours:
        for match in behaviour.patterns.finditer(narrative.text):
            hit = _hit(
                narrative,
                lexicon,
                match,
                behaviour.code,
                behaviour.label,
                present=behaviour.present,
            )
            hit.descriptive = match.group().startswith(descriptive)
            hits.append(hit)
    for risk in lexicon.risks:
        if not risk.behaviour:
            continue
        behaviour = next(b for b in lexicon.behaviours if b.code == risk.behaviour)
        for match in risk.patterns.finditer(narrative.text):
            if any(_overlaps(match.span(), h.span) for h in hits if h.code == behaviour.code):
                continue
            hits.append(
                _hit(
                    narrative,
                    lexicon,
                    match,
                    behaviour.code,
                    behaviour.label,
                    present=behaviour.present,
                )
            )
    for match in lexicon.history.finditer(narrative.text):
        hit = _hit(narrative, lexicon, match, "ABUSE_HISTORY", "History of abuse")
        hit.tense = TENSE_HISTORIC
        hits.append(hit)
    return sorted(hits, key=lambda h: h.start)


# --- DA words, orders, risk factors, categories ----------------------------------------------


def find_domestic_words(narrative: Narrative, lexicon: Lexicon) -> list[Hit]:
    hits = []
    for match in lexicon.domestic.finditer(narrative.text):
        hit = _hit(narrative, lexicon, match, "DOMESTIC", "Domestic abuse named")
        if not hit.negated:
            hits.append(hit)
    return hits


def find_orders(narrative: Narrative, lexicon: Lexicon) -> list[Hit]:
    hits = []
    for match in lexicon.protective_orders.finditer(narrative.text):
        hit = _hit(narrative, lexicon, match, "PROTECTIVE_ORDER", "Protective order or bail")
        if not hit.negated and not _not_protecting_the_caller(narrative, hit):
            hits.append(hit)
    return hits


# "I'm on bail", "I am on police bail": the caller's own bail.
_CALLERS_OWN = re.compile(
    r"\b(?:i'?m|i am|i was|i've been|i have been)\s+(?:currently\s+|still\s+)?$"
)
# "on bail for burglary": an offence that protects nobody in particular.
_FOR_ANOTHER_OFFENCE = re.compile(
    r"\s+for\s+(?:a\s+|an\s+|the\s+)?(?:[\w']+\s+){0,1}?(?:burglary|shoplifting|theft|stealing|"
    r"drink[\s-]?driving|drug|drugs|possession|speeding|fraud|criminal damage|robbery|dealing|"
    r"driving)\b"
)
# A family court's order about children ("per court order", "where I stand with the court order
# at Christmas"), with nothing saying it keeps anyone away.
_CHILD_ARRANGEMENTS = re.compile(
    r"\b(?:kids?|children|child|contact|custody|access|handovers?|christmas|weekends?|passports?|"
    r"relocat\w*|school holidays)\b"
)
_KEEPS_AWAY = re.compile(
    r"breach|not (?:allowed|supposed|meant|to (?:contact|come|go))|non-mol|restrain|protect|"
    r"no contact|stay away|keep away|threat|hit|assault|violen|abus|scared|afraid"
)


# Said to be amicable, or asked as advice: "we get on alright, I just want to know where I stand".
_AMICABLE_ENQUIRY = re.compile(
    r"amicabl|get on (?:alright|all right|fine|ok|okay|well)|no (?:issues|problems|disputes|"
    r"concerns)|advice|where (?:i|we|he|she) stands?|wants? to (?:check|know|ask)|just (?:asking|checking)"
    r"|wants? (?:it|this) (?:noted|logged|recorded|on record)"
)


def _not_protecting_the_caller(narrative: Narrative, hit: Hit) -> bool:
    """Bail or a court order that protects no victim in this call: the caller's own bail ("I'm
    on bail for drink driving, can I stay at my girlfriend's?"), bail for an offence against
    nobody in particular ("my son is on bail for burglary"), or a child arrangements order
    (Children Act 1989 s.8) asked about as advice or between parents who say they get on, with
    nothing (not negated) keeping anyone away or saying abuse."""
    text = narrative.text
    word = text[hit.start : hit.end]
    if "bail" in word:
        if _CALLERS_OWN.search(text[max(0, hit.start - 25) : hit.start]):
            return True
        if _FOR_ANOTHER_OFFENCE.match(text, hit.end, hit.end + 40):
            return True
    if "court order" in word:
        return _child_arrangements_only(narrative)
    return False


def _child_arrangements_only(narrative: Narrative) -> bool:
    """Children and an amicable or advice frame named, and nothing (not negated) keeping anyone
    away or saying abuse: read once a narrative (linear in its length)."""
    key = "child_arrangements_only"
    if key not in narrative.memo:
        text = narrative.text
        keeps_away = (
            m for m in _KEEPS_AWAY.finditer(text) if not narrative.is_negated(m.start(), m.end(), 3)
        )
        narrative.memo[key] = (
            bool(_CHILD_ARRANGEMENTS.search(text))
            and bool(_AMICABLE_ENQUIRY.search(text))
            and next(keeps_away, None) is None
        )
    return narrative.memo[key]


def contact_after_order(narrative: Narrative, order: Hit) -> re.Match | None:
    """Words saying the person has been in touch or is near, in the order's sentence or the
    one after ("He has a non-mol. He's been texting me")."""
    index = narrative.sentence_index(order.start)
    sentences = narrative.sentences[index : index + 2]
    for sentence in sentences:
        for match in _CONTACT.finditer(narrative.text, sentence.start, sentence.end):
            if _overlaps(match.span(), order.span):
                continue
            if narrative.is_negated(match.start(), match.end(), 4):
                continue
            if narrative.tense(match.start()) in PAST_TENSES:
                continue
            return match
    return None


def find_contact(narrative: Narrative) -> re.Match | None:
    for match in _CONTACT.finditer(narrative.text):
        if narrative.is_negated(match.start(), match.end(), 4):
            continue
        if narrative.tense(match.start()) in PAST_TENSES:
            continue
        return match
    return None


def find_risks(narrative: Narrative, lexicon: Lexicon) -> list[Hit]:
    """Risk-factor words that count: not negated, not merely feared, and still a risk now (a
    suspect who was at the door last week is not at the door)."""
    hits = []
    for rule in lexicon.risks:
        for match in rule.patterns.finditer(narrative.text):
            hit = _hit(narrative, lexicon, match, rule.code, rule.label, present=rule.present)
            hit.rule = rule
            hit.armed = rule.code == "WEAPON" and bool(
                _ARMED.search(narrative.text, max(0, hit.start - 25), hit.start + 1)
            )
            if hit.negated:
                continue
            if hit.hypothetical and rule.code in lexicon.setting(
                "hypothetical_drops", ("STRANGULATION", "INJURY")
            ):
                continue
            if hit.tense in PAST_TENSES and rule.when_historic == "drop":
                continue
            hits.append(hit)
    return hits


def risk_weight(hit: Hit) -> str:
    rule: RiskRule = hit.rule
    if hit.tense == TENSE_HISTORIC and rule.when_historic == "lower":
        return "normal"
    return rule.weight


def find_categories(narrative: Narrative, lexicon: Lexicon) -> list[tuple[object, Hit, str]]:
    """(category, hit, grade) for every call-category match that is not negated; the grade is
    the category's, or its historic grade for words about the past."""
    found = []
    for category in lexicon.categories:
        for match in category.patterns.finditer(narrative.text):
            hit = _hit(narrative, lexicon, match, category.code, category.label)
            hit.rule = category
            if hit.negated:
                continue
            if category.silent:
                found.append((category, hit, ""))
                continue
            grade = category.grade
            if hit.tense in PAST_TENSES:
                grade = category.historic_grade
            elif hit.tense == TENSE_RECENT and grade == "IMMEDIATE":
                grade = "PRIORITY"
            found.append((category, hit, grade))
    return found


def is_present_danger(hit: Hit) -> bool:
    """Behaviour going on now, or violence just now, puts the victim in present danger. Violence
    with no time given ("my husband hit me") is taken as just now, unless it is told as a habit
    ("he hits her sometimes", "her husband beats her"): then nothing says it is happening."""
    if hit.negated or hit.hypothetical or hit.descriptive or not hit.present:
        return False
    if hit.progressive or hit.tense == TENSE_PRESENT:
        return True
    return hit.code == "VIOLENCE" and hit.tense == TENSE_UNSPECIFIED and not hit.habitual


_FUTURE = re.compile(r"(?:'ll|\bwill\b|\bgoing to\b|\bgonna\b|'d have|\bhave my\b)")
_THREAT_REPORTED = re.compile(
    r"\b(?:said|says|saying|told|tells|text(?:ed|s)?|messag\w*|threat\w*|shout\w*|scream\w*|"
    r"keeps|kept|swore|sworn|warned|posted|wrote|emailed|rang|voicemail)\b"
)


def is_figure_of_speech(narrative: Narrative, lexicon: Lexicon, hit: Hit) -> bool:
    """ "My husband is going to kill me, it was his nan's ring", "me mam'll kill us": a threat
    the caller predicts rather than one anyone made, or one the caller says was a joke."""
    if hit.code not in ("THREATS", "VIOLENCE"):
        return False
    benign, reported = _sentence_cues(narrative, lexicon, narrative.sentence_index(hit.start))
    if benign:
        return True
    clause = narrative.clause_of(hit.start)
    lead = narrative.text[max(clause.start, hit.start - 15) : hit.end]
    return bool(_FUTURE.search(lead)) and not reported


def _sentence_cues(narrative: Narrative, lexicon: Lexicon, index: int) -> tuple[bool, bool]:
    """(a harmless explanation, a threat reported as made) in one sentence, found once."""
    key = ("figure_of_speech", index)
    if key not in narrative.memo:
        sentence = narrative.sentences[index]
        body = narrative.text[sentence.start : sentence.end]
        narrative.memo[key] = (
            bool(lexicon.frame("benign").search(body)),
            bool(_THREAT_REPORTED.search(body)),
        )
    return narrative.memo[key]


def is_attribution(narrative: Narrative, hit: Hit) -> bool:
    """ "He did it", "her partner did this": who caused an injury, not an act in itself."""
    return hit.code == "VIOLENCE" and narrative.text.startswith(("did ", "done "), hit.start)


# "he's cut himself", "smashing up his own stuff", "she's cut her wrists": done to oneself.
_SELF_AFTER = re.compile(
    r"\W*(?:(?:[\w']+\W+){0,3}?(?:him|her|them)sel(?:f|ves)|(?:(?:up|all|down) )?(?:his|her|their) own)\b"
    r"(?!\W+(?:and|&|then) (?:me|her|him|us|my|the|his|their|our)\b)"
)
_SELF_BODY = re.compile(
    r"(?:his|her|their) (?:own )?(?:arms?|wrists?|legs?|thighs?|stomach|neck|face|head)\b"
)
_SUBJECT_BEFORE = re.compile(r"\b(he|she|they)(?:'s|'re| is| has| are| have)?(?: just| been)? $")
_OWN = {"he": "his", "she": "her", "they": "their"}
HEAD_BANGING = re.compile(
    r"\b(?:bang|bangs|banging|banged|hit|hits|hitting|bash|bashing|bashed|smash|smashing)\s+"
    r"(?:his|her|their)\s+(?:own\s+)?head\b"
)
_ACCIDENT = re.compile(
    r"\b(?:fell|fallen|falling|had a fall|tripped|slipped|collapsed|fainted|came off|come off)\b"
)


def is_self_directed(narrative: Narrative, hit: Hit) -> bool:
    """An act the person does to themselves or their own things, not to another ("he's cutting
    himself", "smashing up his own stuff in the shed", "he's cut his arms"): self-harm is a
    welfare matter, not abuse between two people (DA Act 2021 s.1: behaviour of one person
    towards another). "He cut her arm" is not ("her" is someone else). Nor is a cut from a fall
    named before it in the sentence, within 160 characters ("she's fell over and cut her
    head"). Constant time a hit: the windows are bounded."""
    if hit.code not in ("VIOLENCE", "DAMAGE"):
        return False
    text = narrative.text
    if _SELF_AFTER.match(text, hit.end, hit.end + 40):
        return True
    if HEAD_BANGING.search(text[max(0, hit.start - 30) : hit.end]):
        return True  # "banging his head against the wall": distress, self-harm
    if hit.code != "VIOLENCE" or not text.startswith("cut", hit.start):
        return False
    body = _SELF_BODY.search(text, hit.start, hit.end + 30)
    if body is None or body.start() > hit.end + 1:
        return False
    subject = _SUBJECT_BEFORE.search(text[max(0, hit.start - 20) : hit.start])
    if subject is not None:
        # "he's cut his arms" (his own), not "he cut her arm" (someone else's).
        return text.startswith(_OWN[subject.group(1)] + " ", body.start())
    # "she's fell over in town and cut her head": hurt in a fall.
    sentence = narrative.sentence_of(hit.start)
    return bool(_ACCIDENT.search(text, max(sentence.start, hit.start - 160), hit.start))
