"""The domestic abuse decision (Domestic Abuse Act 2021 s.1-2), step by step.

A call is domestic abuse when:

- abusive behaviour (any class in s.1(3): physical or sexual, violent or threatening,
  controlling or coercive, economic, psychological, stalking, image-based) is done by or to a
  personally connected person, both 16 or over (`linking.py`); or
- domestic abuse is named as happening now ("DV in progress"); or
- cries for help ("get off me", "you're gonna kill me") are heard from a home; or
- there is a history of domestic abuse or a protective order (in the caller's words or on record)
  AND something is happening now: the person is there, trying to get in or has just left, or is
  in contact (a knock, a card through the door, messages), or abuse is described.

A history alone (a past case mentioned beside an unrelated theft) is not domestic abuse on the
words: it is a reason to ask the handler's DA questions (`questions.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cad.context import Finding, FindingCategory
from cad.grading.linking import Link
from cad.grading.people import ADULT_AGE, People
from cad.grading.rules import HEAD_BANGING, Hit, is_present_danger
from cad.grading.text import (
    PAST_TENSES,
    TENSE_HISTORIC,
    TENSE_PRESENT,
    TENSE_RECENT,
    Narrative,
)

CONNECTION_KINDS = {"intimate": "partner", "ex": "ex-partner", "family": "relative"}
HISTORY_CODE = "ABUSE_HISTORY"
NOW_CODES = ("CONTACT_NOW",)


def finding(narrative: Narrative, code, label, spans, weight="normal", source="narrative"):
    spans = tuple(sorted(set(spans)))
    evidence = " … ".join(f'"{narrative.quote(s, e)}"' for s, e in spans)
    return Finding(
        code=code, label=label, evidence=evidence, source=source, weight=weight, spans=spans
    )


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class Evidence:
    """What the narrative and the context say, gathered once for the decision."""

    links: list[Link]
    people: People
    domestic_words: list[Hit]
    orders: list[Hit]
    risks: list[Hit]
    context_findings: list[Finding]
    home_frame: bool = False
    # An abandoned, silent or dropped call, or a call-back: what is heard on it counts.
    silent_frame: bool = False
    # Fear or urgency in the caller's words ("scared", "please hurry", "not meant to be here").
    distress: list[tuple[int, int]] = field(default_factory=list)
    # A harmless explanation ("TV film playing", "joking", "NFA").
    benign: bool = False
    # The caller says the relationship is on good terms ("we're still mates").
    amicable: bool = False
    # The call is about something else: the caller says so ("separate case", "that's not why
    # I'm calling", `unrelated`), or another kind of call is reported in words apart from the
    # DA history (`other_subject`).
    other_subject: bool = False
    unrelated: bool = False
    # Another kind of call is reported in a sentence with no abusive behaviour and no DA words
    # in it, and nobody who could be the abuser is named outside the abuse's sentences ("He hit
    # me last year. Today I'm calling because my bike was stolen"; not "... and I think it was
    # him").
    other_subject_than_abuse: bool = False
    # Forced marriage or honour-based abuse named, not negated (lexicon frame `forced_marriage`).
    forced_marriage: list[tuple[int, int]] = field(default_factory=list)
    # Domestic abuse named with a strong "now" ("DV in progress", "a domestic going on now").
    named_now: list[Hit] = field(default_factory=list)

    @property
    def linked(self) -> list[Link]:
        return [lk for lk in self.links if lk.linked and lk.hit.code != HISTORY_CODE]

    @property
    def history_links(self) -> list[Link]:
        return [lk for lk in self.links if lk.hit.code == HISTORY_CODE and lk.blocked_by is None]

    @property
    def context_da(self) -> list[Finding]:
        return [f for f in self.context_findings if FindingCategory.DA_HISTORY in f.categories]

    @property
    def context_orders(self) -> list[Finding]:
        return [
            f for f in self.context_findings if FindingCategory.PROTECTIVE_ORDER in f.categories
        ]

    @property
    def present_hits(self) -> list[Hit]:
        present = [h for h in self.risks if h.rule.present and h.tense != TENSE_RECENT]
        return present + self.callback_distress

    @property
    def callback_distress(self) -> list[Hit]:
        """Screaming, a struggle, a man's voice heard on an abandoned call or call-back."""
        if not self.silent_frame or self.people.public_places or self.benign:
            return []
        return [h for h in self.risks if h.code == "DISTRESS_ON_CALL"]

    @property
    def presence(self) -> list[Hit]:
        """Someone there, at the door, trying to get in or just gone."""
        return [h for h in self.present_hits if h.code.startswith("SUSPECT_")]

    @property
    def fear(self) -> list[tuple[int, int]]:
        frightened = [
            h.span for h in self.risks if h.code in ("VICTIM_FRIGHTENED", "WEAPON") and h.current
        ]
        threats = [lk.hit.span for lk in self.links if lk.hit.code in ("THREATS", "DAMAGE")]
        return self.distress + frightened + threats

    @property
    def now_hits(self) -> list[Hit]:
        """The person there, trying to get in, just gone, or in touch now."""
        contact = [h for h in self.risks if h.code in NOW_CODES and h.tense not in PAST_TENSES]
        return self.present_hits + contact

    @property
    def unblocked(self) -> list[Link]:
        return [
            lk
            for lk in self.links
            if lk.blocked_by is None and lk.hit.code != HISTORY_CODE and not lk.hit.hypothetical
        ]

    @property
    def cries(self) -> list[Hit]:
        if self.benign:
            return []
        return [h for h in self.present_hits if h.code == "CRIES_HEARD"]

    @property
    def present_behaviour(self) -> list[Hit]:
        found = [lk.hit for lk in self.links if is_present_danger(lk.hit)]
        # "DV in progress at number 12": domestic abuse named as happening now.
        return found + self.named_now


@dataclass
class Decision:
    domestic_abuse: bool = False
    indicators: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    # Why the words alone do not make it DA ("a relationship is mentioned but no abusive
    # behaviour"): shown only while nothing else (the model, the handler's answers) makes it DA.
    not_domestic: list[str] = field(default_factory=list)
    # What would prompt the handler's questions when the words do not settle it.
    signals: list[str] = field(default_factory=list)


def decide(narrative: Narrative, evidence: Evidence) -> Decision:
    """Run the steps in order; each adds its indicators and reasons."""
    decision = Decision()
    _abuse_between_connected_people(narrative, evidence, decision)
    _forced_marriage(narrative, evidence, decision)
    _named_now(narrative, evidence, decision)
    _cries_heard_at_home(narrative, evidence, decision)
    _distress_on_an_abandoned_call(narrative, evidence, decision)
    _connected_person_there_and_feared(narrative, evidence, decision)
    _connected_person_armed(narrative, evidence, decision)
    _history_and_something_now(narrative, evidence, decision)
    if decision.domestic_abuse:
        _third_party(narrative, evidence, decision)
    else:
        _explain_not_domestic(narrative, evidence, decision)
    decision.signals = _question_signals(narrative, evidence)
    return decision


def _abuse_between_connected_people(narrative, evidence: Evidence, decision: Decision) -> None:
    linked = evidence.linked
    if not linked:
        return
    if past_abuse_beside_another_call(evidence):
        first = linked[0]
        decision.not_domestic.append(
            f'Not domestic abuse on these words: the abuse ("{narrative.quote(*first.hit.span)}") '
            "is in the past and the call is about something else. The history is a reason to "
            "ask the questions."
        )
        return
    by_connection: dict[int, Link] = {}
    for lk in linked:
        by_connection.setdefault(lk.connection.start, lk)
    for lk in by_connection.values():
        kind = CONNECTION_KINDS.get(lk.connection.rel_kind, "implied by the behaviour")
        decision.indicators.append(
            finding(
                narrative,
                "PERSONAL_CONNECTION",
                f"Personal connection ({kind})",
                [lk.connection.span],
            )
        )
    by_code: dict[str, list[Hit]] = {}
    for lk in linked:
        by_code.setdefault(lk.hit.code, []).append(lk.hit)
    for code, hits in by_code.items():
        past = all(h.tense in PAST_TENSES for h in hits)
        label = hits[0].label + (" (in the past)" if past else "")
        decision.indicators.append(finding(narrative, code, label, [h.span for h in hits]))
    first = linked[0]
    who = (
        f'between personally connected people ("{first.connection.text}").'
        if first.connection.kind == "relationship"
        else f'by "{first.connection.text}", someone the caller knows (no stranger named).'
    )
    decision.reasons.append(
        f'Domestic abuse: {lower_first(first.hit.label)} ("{narrative.quote(*first.hit.span)}") '
        + who
    )
    decision.domestic_abuse = True


# "her domestic abuse case", "my DV case", "IP's ongoing DA matter": the caller's own case.
_OWN_CASE_BEFORE = re.compile(
    r"\b(?:my|her|his|our|their|ip'?s|rp'?s|caller'?s)\s+(?:own\s+|ongoing\s+|open\s+|current\s+"
    r"|live\s+)?$"
)
_OWN_CASE_AFTER = re.compile(
    r"^\s+(?:abuse\s+|violence\s+)?(?:case|matter|report|investigation|incident|court case|hearing|"
    r"crime)\b"
)


def own_case(narrative: Narrative, evidence: Evidence) -> list[Hit]:
    """The caller's own domestic abuse case named, not in the past, and the call not about
    something else ("Caller wants an update on her domestic abuse case"). A contact from a
    victim about her own case is part of that case, never an admin call: the founding case's
    earlier call, through the switchboard, was never recorded (IOPC). The text model does not
    overrule it (`engine._supported_on_record`)."""
    if evidence.unrelated or evidence.other_subject:
        return []
    text = narrative.text
    return [
        h
        for h in evidence.domestic_words
        if h.tense not in PAST_TENSES
        and _OWN_CASE_BEFORE.search(text[max(0, h.start - 25) : h.start])
        and _OWN_CASE_AFTER.match(text[h.end : h.end + 25])
    ]


# What someone is to the caller that makes them unconnected (not "someone", "a man").
_UNCONNECTED_ROLE = re.compile(
    r"neighbou?r|n/bour|nbr|colleague|co-worker|customer|client|landlord|landlady|tenant|"
    r"flatmate|housemate|lodger|boss|manager|patient|pupil|student|teacher|friend|mate|"
    r"across the road|next door|used to (?:work|live)"
)


def order_against_unconnected(evidence: Evidence):
    """The unconnected person (a `Mention`) an order in the words is against, or None: an order
    is named, nobody personally connected to the caller is, and someone is named by what makes
    them unconnected ("a restraining order against the woman who used to live across the road",
    "breach of RO, subject is IP's former work colleague", "my neighbour's son is on bail").
    That is harassment, not domestic abuse (DA Act 2021 s.2): neither the rules nor the text
    model make it DA on the order alone."""
    people = evidence.people
    callers_own = [
        c for c in people.connections if not c.someone_elses and not c.strangers_relative
    ]
    if not evidence.orders or callers_own:
        return None
    # Not "someone" or "a man", who may be the ex.
    named = [m for m in people.strangers if _UNCONNECTED_ROLE.search(m.text.lower())]
    return named[0] if named else None


def past_abuse_beside_another_call(evidence: Evidence) -> bool:
    """Every act between connected people is dated in the past ("last year", "in 2019", "years
    ago"), nothing is happening now, no order is named, and the call reports something else in
    words apart from the abuse, or the caller says it is about something else. A past case
    beside an unrelated theft is a history (the questions are asked), not the call's subject."""
    linked = evidence.linked
    return (
        bool(linked)
        and all(lk.hit.tense == TENSE_HISTORIC for lk in linked)
        and (evidence.other_subject_than_abuse or evidence.unrelated)
        and not evidence.now_hits
        and not evidence.present_behaviour
        and not evidence.orders
        and not evidence.named_now
    )


def _forced_marriage(narrative, evidence: Evidence, decision: Decision) -> None:
    """Forced marriage or honour-based abuse (Anti-social Behaviour, Crime and Policing Act 2014
    s.121; APP on honour-based abuse) is done by family: DA whoever else is named ("forcing
    her to marry a man in Pakistan"), unless a party is named as under 16 (child abuse)."""
    if decision.domestic_abuse or not evidence.forced_marriage or evidence.people.minors:
        return
    spans = evidence.forced_marriage
    decision.indicators.append(
        finding(narrative, "FORCED_MARRIAGE", "Forced marriage or honour-based abuse", spans)
    )
    decision.reasons.append(
        f'Domestic abuse: forced marriage or honour-based abuse ("{narrative.quote(*spans[0])}"), '
        "done by family."
    )
    decision.domestic_abuse = True


def _named_now(narrative, evidence: Evidence, decision: Decision) -> None:
    """ "DV in progress", "a domestic going on now". Named without "now" ("she is a DA victim",
    "MARAC case", "in a refuge") the words are a history: see `_history_and_something_now`."""
    current = [h for h in evidence.domestic_words if h in evidence.named_now]
    if not current:
        return
    decision.indicators.append(
        finding(narrative, "DOMESTIC_NAMED", "Domestic abuse named", [h.span for h in current])
    )
    decision.reasons.append(
        f'Domestic abuse named by the caller ("{narrative.quote(*current[0].span)}").'
    )
    decision.domestic_abuse = True


def _cries_heard_at_home(narrative, evidence: Evidence, decision: Decision) -> None:
    """ "I can hear next door screaming get off me": a victim's cries from a home."""
    cries = evidence.cries
    in_public = bool(evidence.people.public_places)
    if not cries or not evidence.home_frame or in_public or evidence.people.minors:
        return
    decision.indicators.append(
        finding(
            narrative,
            "CRIES_HEARD",
            "Cries for help heard from a home",
            [h.span for h in cries],
        )
    )
    decision.reasons.append(
        f'Domestic abuse: cries for help heard from a home ("{narrative.quote(*cries[0].span)}").'
    )
    decision.domestic_abuse = True


def _distress_on_an_abandoned_call(narrative, evidence: Evidence, decision: Decision) -> None:
    """An abandoned or silent call with screaming, a struggle or a man's voice on call-back: treated
    as domestic abuse in progress until the handler learns otherwise."""
    if decision.domestic_abuse:
        return
    heard = evidence.callback_distress + [
        h for h in evidence.cries if h not in evidence.callback_distress
    ]
    if not heard or not evidence.silent_frame or evidence.people.minors:
        return
    spans = [h.span for h in heard]
    decision.indicators.append(
        finding(narrative, "CALLBACK_DISTRESS", "Distress heard on an abandoned call", spans)
    )
    decision.reasons.append(
        "Domestic abuse suspected: an abandoned or silent call with distress heard "
        f'("{narrative.quote(*heard[0].span)}").'
    )
    decision.domestic_abuse = True


_LOCKED_IN_SELF = re.compile(
    r"locked (?:him|her|them)sel(?:f|ves)(?: in)?(?: (?:the|a|his|her|their) \w+)?"
)


def _in_a_crisis_of_their_own(narrative: Narrative, start: int) -> bool:
    """Whether a presence or fear hit at `start` is part of "locked himself in the garage" or
    "banging his head against the wall" (the relative in crisis, not at anyone's door)."""
    return any(
        m.start() <= start < m.end()
        for pattern in (_LOCKED_IN_SELF, HEAD_BANGING)
        for m in pattern.finditer(narrative.text, max(0, start - 30), start + 30)
    )


def _connected_person_there_and_feared(narrative, evidence: Evidence, decision: Decision) -> None:
    """ "My ex is climbing the back fence, he's not meant to be here, please hurry": a partner,
    ex-partner or relative there or trying to get in, and the caller afraid."""
    if decision.domestic_abuse:
        return
    people = evidence.people
    # "IP and partner hiding in the loft, two males downstairs": the partner is with the caller.
    connections = [
        c
        for c in people.connections
        if c.can_act and not c.companion and not c.someone_elses and not c.strangers_relative
    ]
    # "my mum's locked herself in the bathroom, she's taken all her tablets": the relative
    # locked in is the one in crisis (or hiding), not someone trying to get at the caller.
    presence = [
        h
        for h in evidence.presence
        if h.tense not in PAST_TENSES and not _in_a_crisis_of_their_own(narrative, h.start)
    ]
    if not connections and not people.strangers and evidence.distress:
        # "He's back. Help. Bathroom.": an unnamed "he" the caller hides from is someone known.
        known = [h for h in presence if narrative.text.startswith(("he", "she"), h.start)]
        connections = [m for m in people.pronouns if known and m.start == known[0].start]
    fear = [f for f in evidence.fear if not _in_a_crisis_of_their_own(narrative, f[0])]
    # An ex-partner trying to get in is unwanted in itself; anyone else, when the caller is afraid.
    intruding = [
        h for h in presence if h.code == "SUSPECT_AT_DOOR" and h.tense == TENSE_PRESENT
    ] or [h for h in presence if h.code == "SUSPECT_AT_DOOR" and h.progressive]
    ex_trying = any(c.rel_kind == "ex" for c in connections) and intruding
    if not connections or not presence or not (fear or ex_trying):
        return
    fear = fear or [intruding[0].span]
    if people.unowned_strangers or people.public_places or people.minors:
        return  # "some lad's just headbutted my husband, the lad's still here"
    decision.indicators.append(
        finding(
            narrative,
            "PERSONAL_CONNECTION",
            f"Personal connection ({CONNECTION_KINDS.get(connections[0].rel_kind, 'implied: someone the caller knows')})",
            [connections[0].span],
        )
    )
    decision.indicators.append(
        finding(
            narrative,
            "UNWANTED_PRESENCE",
            "There or trying to get in, and the caller is afraid",
            [presence[0].span, fear[0]],
        )
    )
    decision.reasons.append(
        f'Domestic abuse: "{connections[0].text}" is there or trying to get in '
        f'("{narrative.quote(*presence[0].span)}") and the caller is afraid '
        f'("{narrative.quote(*fear[0])}").'
    )
    decision.domestic_abuse = True


def _connected_person_armed(narrative, evidence: Evidence, decision: Decision) -> None:
    """ "My husband's got a knife": the caller's partner or relative armed now."""
    if decision.domestic_abuse or evidence.people.minors:
        return
    armed = [h for h in evidence.risks if h.code == "WEAPON" and h.current and h.armed]
    for hit in armed:
        sentence = narrative.sentence_of(hit.start)
        owners = [
            c
            for c in evidence.people.connections
            if c.possessor == "caller" and sentence.start <= c.start < hit.start
        ]
        others = [
            m for m in evidence.people.unowned_strangers if sentence.start <= m.start < hit.start
        ]
        if owners and not others:
            decision.indicators.append(
                finding(
                    narrative,
                    "PERSONAL_CONNECTION",
                    f"Personal connection ({CONNECTION_KINDS.get(owners[0].rel_kind)})",
                    [owners[0].span],
                )
            )
            decision.indicators.append(finding(narrative, "ARMED", "Armed now", [hit.span]))
            decision.reasons.append(
                f'Domestic abuse: "{owners[0].text}" is armed ("{narrative.quote(*hit.span)}").'
            )
            decision.domestic_abuse = True
            return


def _history_indicators(narrative, evidence: Evidence) -> list[Finding]:
    found = []
    historic = [h for h in evidence.domestic_words if h not in evidence.named_now]
    if historic:
        spans = [h.span for h in historic]
        found.append(finding(narrative, "DA_HISTORY", "History of domestic abuse", spans))
    history = evidence.history_links
    if history:
        spans = [lk.hit.span for lk in history]
        found.append(finding(narrative, HISTORY_CODE, "History of abuse", spans))
    if evidence.orders:
        found.append(
            finding(
                narrative,
                "PROTECTIVE_ORDER",
                "Court order or bail protecting the victim",
                [o.span for o in evidence.orders],
            )
        )
    for record in evidence.context_da + evidence.context_orders:
        found.append(
            Finding(
                code="CONTEXT_DA_HISTORY"
                if record in evidence.context_da
                else "CONTEXT_PROTECTIVE_ORDER",
                label=f"On record: {record.label}",
                evidence=record.evidence,
                source=record.source,
                weight=record.weight,
            )
        )
    return found


def _history_and_something_now(narrative, evidence: Evidence, decision: Decision) -> None:
    history = _history_indicators(narrative, evidence)
    if not history:
        return
    if evidence.unrelated and not decision.domestic_abuse:
        return  # "I'm on a non-mol against my ex, that's not why I'm calling"
    now = evidence.now_hits
    abuse = [] if evidence.other_subject else evidence.unblocked
    if decision.domestic_abuse:
        decision.indicators.extend(history)
        return
    against = order_against_unconnected(evidence)
    if against is not None and all(f.code == "PROTECTIVE_ORDER" for f in history):
        decision.not_domestic.append(
            "Not domestic abuse on these words: the order is against someone named as not "
            f'personally connected ("{against.text}").'
        )
        return
    if now or abuse:
        decision.indicators.extend(history)
        what = now[0] if now else abuse[0].hit
        decision.reasons.append(
            f"Domestic abuse: {lower_first(history[0].label)} ({history[0].evidence}) and "
            f'something happening now ("{narrative.quote(*what.span)}").'
        )
        decision.domestic_abuse = True
    elif not evidence.other_subject and not evidence.unrelated and _named_in_narrative(history):
        # "Caller wants an update on her domestic abuse case", "I have a non-mol against my
        # ex": the call is about the domestic abuse itself.
        decision.indicators.extend(history)
        decision.reasons.append(
            f"Domestic abuse: the call is about {lower_first(history[0].label)} "
            f"({history[0].evidence})."
        )
        decision.domestic_abuse = True


def _named_in_narrative(history: list[Finding]) -> bool:
    return any(f.source == "narrative" for f in history)


def _third_party(narrative, evidence: Evidence, decision: Decision) -> None:
    third = [lk for lk in evidence.linked if lk.third_party]
    if not third:
        return
    spans = []
    for lk in third:
        spans.append(lk.connection.span)
        if lk.patient is not None and lk.patient is not lk.connection:
            spans.append(lk.patient.span)
    decision.indicators.append(
        finding(narrative, "THIRD_PARTY", "Reported by a third party", spans)
    )


def _explain_not_domestic(narrative, evidence: Evidence, decision: Decision) -> None:
    if decision.not_domestic:
        return  # explained already (a past act beside another call)
    connections = evidence.people.connections
    blocked = [lk for lk in evidence.links if lk.blocked_by is not None]
    if blocked:
        who = blocked[0].blocked_by
        age = evidence.people.caller_age
        child_caller = age is not None and age < ADULT_AGE
        if child_caller and not who.minor:
            # "Girl says she's 14 and her stepdad has just hit her": done to the caller, a child.
            involves = f"the caller, a child under 16 ({age})"
        else:
            why = "a child under 16" if who.minor else "someone not personally connected"
            involves = f'{why} ("{who.text}")'
        decision.not_domestic.append(
            f'Not domestic abuse on these words: "{narrative.quote(*blocked[0].hit.span)}" '
            f"involves {involves}."
        )
    elif connections:
        decision.not_domestic.append(
            f'A relationship is mentioned ("{connections[0].text}") but no abusive behaviour: '
            "not domestic abuse on these words alone."
        )


# How the not-DA explanations begin (`Decision.not_domestic`): a stored assessment drops them
# once the call is DA (`cad.services.assessment.merge_assessment`).
NOT_DOMESTIC_PREFIXES = ("Not domestic abuse on these words", "A relationship is mentioned")


def _question_signals(narrative, evidence: Evidence) -> list[str]:
    """Quoted reasons to ask the DA questions: a connection, a history or an order."""
    signals = []
    # A relative under 16 alone is no reason: they cannot be a party (the Act's s.2).
    if evidence.people.connections:
        signals.append(f'a personal connection ("{evidence.people.connections[0].text}")')
    history = [h for h in evidence.domestic_words if h not in evidence.named_now]
    past_acts = [lk for lk in evidence.linked if lk.hit.tense == TENSE_HISTORIC]
    if history or evidence.history_links or evidence.context_da or past_acts:
        signals.append("a history of domestic abuse")
    if evidence.orders or evidence.context_orders:
        signals.append("a protective order")
    return signals
