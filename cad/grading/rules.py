"""The grading rules: small functions that read a `Narrative` with the `Lexicon`.

Each function answers one question (who is mentioned, what behaviour, who did it, which risk
factors, what kind of call) and returns plain data with character spans, so the engine can
explain every finding with the caller's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cad.grading.lexicon import Lexicon, RiskRule
from cad.grading.text import (
    PAST_TENSES,
    TENSE_HISTORIC,
    TENSE_PRESENT,
    TENSE_RECENT,
    TENSE_UNSPECIFIED,
    Narrative,
)

REL = "relationship"
STRANGER = "stranger"
PRONOUN = "pronoun"
CALLER = "caller"

# Behaviours that are domestic in themselves when an unnamed "he"/"she" does them to the caller.
IMPLIED_CONNECTION_BEHAVIOURS = ("CONTROLLING", "ECONOMIC", "INTIMATE_IMAGE")
PATIENT_STOPS = frozenset(
    {"if", "and", "but", "when", "while", "because", "so", "then", "who", "which", "that", "or"}
)
_SUBJECT_PRONOUNS = {"he": "m", "she": "f", "they": ""}
_OBJECT_PRONOUNS = {"him": "m", "her": "f", "them": ""}
_CALLER_SUBJECT = {"i", "we", "im", "ive", "i'm", "i've", "i'd", "i'll", "we're", "we've"}
_CALLER_OBJECT = {"me", "us", "myself"}
_APOSTROPHELESS = {"hes": "he", "shes": "she", "theyre": "they", "theyve": "they"}
_PASSIVE_AUX = {"was", "were", "been", "being", "got", "get", "gets", "getting", "is", "are", "am"}
_IRREGULAR_PARTICIPLES = {"hit", "hurt", "beat", "shot", "bit", "struck", "thrown", "held", "stuck"}
_FUNCTION_WORDS = {
    "and",
    "but",
    "with",
    "in",
    "on",
    "at",
    "to",
    "again",
    "now",
    "so",
    "because",
    "when",
    "while",
    "up",
    "down",
    "out",
    "off",
    "over",
    "around",
    "round",
    "about",
    "badly",
    "too",
    "as",
    "by",
    "for",
    "from",
    "into",
    "the",
    "a",
    "then",
    "there",
    "here",
    "outside",
    "inside",
    "still",
    "really",
    "hard",
}
_AGE_BEFORE_STRICT = re.compile(
    r"(\d{1,2})[\s-]*(?:years?|yrs?)[\s-]*old[\s-]*$|(\d{1,2})\s*yo\s+$"
)
_AGE_AFTER = re.compile(r"^\s*(?:,\s*|\(\s*)(?:aged?\s+)?(\d{1,2})\b|^\s+aged?\s+(\d{1,2})\b")
_CONTACT = re.compile(
    r"\b(?:contact(?:ed|ing)?|text(?:ed|ing|s)?|messag(?:ed|ing|es)|call(?:ed|ing|s)|rang|ringing|"
    r"turn(?:ed|ing|s) up|came round|come round|coming round|been in touch|got in touch|"
    r"outside|at the door|here|approach(?:ed|ing)|seen him|seen her|near)\b"
)


# --- Data -----------------------------------------------------------------------------------


@dataclass
class Mention:
    """A person in the narrative."""

    kind: str  # REL, STRANGER, PRONOUN, CALLER
    start: int
    end: int
    text: str
    gender: str = ""
    rel_kind: str = ""  # "intimate", "ex", "family" for REL
    possessor: str = ""  # "caller" (my), "pronoun" (her), "noun" (neighbour's), "" (the / none)
    possessive: str = ""  # "thing" (my husband's car), "relation" (my daughter's boyfriend), ""
    minor: bool = False  # an age under 16 is given
    role: str = ""  # "subj" or "obj" for pronouns and the caller

    @property
    def connected(self) -> bool:
        return self.kind == REL and not self.minor

    @property
    def can_act(self) -> bool:
        """Could be the one doing something (not "my husband's car", not "him")."""
        if self.kind in (REL, STRANGER):
            return not self.possessive
        return self.role == "subj"


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
    present: bool = False  # doing this now is a present danger
    descriptive: bool = False  # "a violent man", "violence": describes, does not report an act
    rule: object = None

    @property
    def current(self) -> bool:
        return self.tense in (TENSE_PRESENT, TENSE_UNSPECIFIED)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass
class Link:
    """Who did a behaviour, and whether that makes it domestic abuse."""

    hit: Hit
    linked: bool
    agent: Mention | None = None
    patient: Mention | None = None
    connection: Mention | None = None  # the relationship that makes it DA
    blocked_by: Mention | None = None  # the unconnected person who did it


@dataclass
class People:
    relationships: list[Mention] = field(default_factory=list)
    strangers: list[Mention] = field(default_factory=list)
    pronouns: list[Mention] = field(default_factory=list)
    callers: list[Mention] = field(default_factory=list)
    # "In the pub", "on the bus": an unnamed person there is not assumed to be close.
    public_places: list[tuple[int, int]] = field(default_factory=list)

    @property
    def all(self) -> list[Mention]:
        return sorted(
            self.relationships + self.strangers + self.pronouns + self.callers,
            key=lambda m: m.start,
        )

    @property
    def connections(self) -> list[Mention]:
        """Relationship words that name a person who can be a party (not "my husband's car")."""
        return [m for m in self.relationships if m.connected and m.possessive != "thing"]


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
        **kw,
    )


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# --- People ---------------------------------------------------------------------------------


def _possessive_after(narrative: Narrative, lexicon: Lexicon, end: int, rel_starts: set[int]):
    """ "my husband's car" -> "thing"; "my daughter's boyfriend" -> "relation"; "my ex's outside"
    (= is outside) -> ""."""
    text = narrative.text
    match = re.match(r"(?:'s|s'|')\s+([a-z0-9']+)", text[end : end + 40])
    if not match:
        return ""
    word_start = end + match.start(1)
    word = match.group(1)
    if word_start in rel_starts:
        return "relation"
    if any(s for s in rel_starts if word_start <= s <= word_start + 25):
        # "my daughter's new boyfriend": a relationship a word or two on.
        gap = text[word_start : min(s for s in rel_starts if s >= word_start)]
        if len(gap.split()) <= 2:
            return "relation"
    if word in lexicon.contraction_followers or word.endswith(("ed", "ing")):
        return ""
    return "thing"


def _possessor_before(narrative: Narrative, start: int) -> str:
    """Whose relationship: "my ex" -> "caller"; "her partner" -> "pronoun"; "my neighbour's
    partner" -> "noun"; "the couple", "ex" -> "". Looks back over up to two describing words
    ("my violent ex", "my 19 year old son")."""
    words = re.findall(r"[a-z0-9'/-]+", narrative.text[max(0, start - 40) : start])
    for word in reversed(words[-5:]):
        if word in ("my", "our") or word.startswith("caller"):
            return "caller"
        if word in ("his", "her", "their", "your"):
            return "pronoun"
        if word.endswith(("'s", "s'")):
            return "noun"
        if word in ("the", "a", "an", "and", "or", "with", "to", "by", "of", "from"):
            return ""
    return ""


def _is_minor(narrative: Narrative, start: int, end: int) -> bool:
    text = narrative.text
    before = _AGE_BEFORE_STRICT.search(text[max(0, start - 25) : start])
    after = _AGE_AFTER.match(text[end : end + 20])
    for match in (before, after):
        if match:
            age = next(int(g) for g in match.groups() if g)
            if age < 16:
                return True
    return False


def find_relationships(narrative: Narrative, lexicon: Lexicon) -> list[Mention]:
    found: list[Mention] = []
    for group in lexicon.relationships:
        for start, end in group.patterns.all_matches(narrative.text):
            found.append(
                Mention(
                    kind=REL,
                    start=start,
                    end=end,
                    text=narrative.quote(start, end),
                    gender=group.gender,
                    rel_kind=group.kind,
                )
            )
    # Keep the longest of overlapping matches ("ex-husband" over "husband" and "ex").
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for mention in found:
        if kept and _overlaps((mention.start, mention.end), (kept[-1].start, kept[-1].end)):
            if mention.end - mention.start > kept[-1].end - kept[-1].start:
                kept[-1] = mention
            continue
        kept.append(mention)
    starts = {m.start for m in kept}
    for mention in kept:
        mention.possessor = _possessor_before(narrative, mention.start)
        mention.possessive = _possessive_after(narrative, lexicon, mention.end, starts)
        mention.minor = _is_minor(narrative, mention.start, mention.end)
    return kept


def find_strangers(
    narrative: Narrative, lexicon: Lexicon, relationships: list[Mention]
) -> list[Mention]:
    found: list[Mention] = []
    rel_spans = [(m.start, m.end) for m in relationships]
    starts = {m.start for m in relationships}
    for key, gender in (("male", "m"), ("female", "f"), ("any", "")):
        for span in lexicon.strangers[key].all_matches(narrative.text):
            if any(_overlaps(span, r) for r in rel_spans):
                continue
            clash = [m for m in found if _overlaps(span, (m.start, m.end))]
            if any(m.end - m.start >= span[1] - span[0] for m in clash):
                continue
            for m in clash:
                found.remove(m)
            found.append(
                Mention(
                    kind=STRANGER,
                    start=span[0],
                    end=span[1],
                    text=narrative.quote(*span),
                    gender=gender,
                    possessive=_possessive_after(narrative, lexicon, span[1], starts),
                )
            )
    return sorted(found, key=lambda m: m.start)


def find_pronouns(narrative: Narrative, relationships: list[Mention]) -> tuple[list, list]:
    pronouns, callers = [], []
    rel_starts = {m.start for m in relationships}
    tokens = narrative.tokens
    for i, token in enumerate(tokens):
        word = token.text
        base = _APOSTROPHELESS.get(word, word.split("'")[0])
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if base in _SUBJECT_PRONOUNS:
            pronouns.append(
                Mention(
                    PRONOUN,
                    token.start,
                    token.end,
                    token.text,
                    gender=_SUBJECT_PRONOUNS[base],
                    role="subj",
                )
            )
        elif base in _OBJECT_PRONOUNS:
            if base == "her" and following is not None:
                # "her boyfriend", "her phone": a possessive, not the person acted on.
                if following.start in rel_starts or (
                    following.text not in _FUNCTION_WORDS
                    and narrative.text[token.end : following.start].strip() == ""
                ):
                    continue
            pronouns.append(
                Mention(
                    PRONOUN,
                    token.start,
                    token.end,
                    token.text,
                    gender=_OBJECT_PRONOUNS[base],
                    role="obj",
                )
            )
        elif word in _CALLER_SUBJECT:
            callers.append(Mention(CALLER, token.start, token.end, token.text, role="subj"))
        elif word in _CALLER_OBJECT:
            callers.append(Mention(CALLER, token.start, token.end, token.text, role="obj"))
    return pronouns, callers


def find_people(narrative: Narrative, lexicon: Lexicon) -> People:
    relationships = find_relationships(narrative, lexicon)
    strangers = find_strangers(narrative, lexicon, relationships)
    pronouns, callers = find_pronouns(narrative, relationships)
    taken = [(m.start, m.end) for m in relationships + strangers]
    pronouns = [p for p in pronouns if not any(_overlaps((p.start, p.end), t) for t in taken)]
    public = [m.span() for m in lexicon.public_places.finditer(narrative.text)]
    return People(relationships, strangers, pronouns, callers, public_places=public)


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


def _is_passive(narrative: Narrative, hit: Hit) -> bool:
    clause = narrative.clause_of(hit.start)
    inside = narrative.tokens_between(hit.start, hit.end)
    before = narrative.tokens_before(hit.start, 2, clause.start)
    words = [t.text for t in before + inside]
    for i, word in enumerate(words):
        if word in _PASSIVE_AUX:
            for following in words[i + 1 : i + 4]:
                if following in _OBJECT_PRONOUNS or following in _CALLER_OBJECT:
                    break  # "got me pinned": active, someone did it to me
                if following.endswith("ing"):
                    break
                if following.endswith(("ed", "en")) or following in _IRREGULAR_PARTICIPLES:
                    return True
    return False


def _by_agent(narrative: Narrative, hit: Hit, people: People) -> Mention | None:
    clause = narrative.clause_of(hit.start)
    after = [t for t in narrative.tokens if t.start >= hit.start and t.end <= clause.end]
    after = [t for t in after if t.start >= hit.end or t.text == "by"][:6]
    for token in after:
        if token.text == "by":
            for mention in people.all:
                if token.end <= mention.start <= token.end + 30 and mention.kind != CALLER:
                    return mention
                if mention.kind == CALLER and token.end <= mention.start <= token.end + 3:
                    return mention
    return None


def _nearest_before(mentions: list[Mention], pos: int, floor: int) -> Mention | None:
    candidates = [m for m in mentions if floor <= m.start and m.end <= pos]
    return candidates[-1] if candidates else None


def _patient(narrative: Narrative, hit: Hit, people: People) -> Mention | None:
    """Who the behaviour was done to: a person inside the matched words ("hit me") or within a
    few words after them, before any "if", "and", "when" starts something else."""
    clause = narrative.clause_of(hit.start)
    limit = hit.end
    for token in [t for t in narrative.tokens if t.start >= hit.end and t.end <= clause.end][:5]:
        if token.text in PATIENT_STOPS:
            break
        limit = token.end
    for mention in people.all:
        if hit.start < mention.start < limit:
            if mention.kind == PRONOUN and mention.role != "obj":
                continue
            if mention.kind == CALLER and mention.role != "obj":
                continue
            if mention.possessive == "relation":
                continue
            return mention
    return None


def resolve(mention: Mention | None, people: People) -> Mention | None:
    """A pronoun's antecedent: the most recent relationship or unconnected person of a
    compatible gender before it ("My ex came round. He ..."); None when there is none."""
    if mention is None or mention.kind != PRONOUN:
        return mention
    candidates = [
        m
        for m in people.relationships + people.strangers
        if m.end <= mention.start and (not mention.gender or m.gender in ("", mention.gender))
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.start)


def link_pronoun(
    narrative: Narrative, hit: Hit, agent: Mention, patient: Mention | None, people: People
) -> Link:
    """An unnamed "he"/"she" did it, with no one named before them."""
    connections = people.connections
    if connections:
        # "He's hitting my mum": someone in the household.
        return Link(hit, True, agent, patient, connection=connections[0])
    clause = narrative.clause_of(hit.start)
    in_public = any(clause.start <= start < clause.end for start, _ in people.public_places)
    if people.strangers or in_public:
        return Link(hit, False, agent, patient)
    if hit.code in IMPLIED_CONNECTION_BEHAVIOURS:
        # "He won't let me leave the house": coercive control of the caller implies a
        # personal connection even when the caller does not name it.
        return Link(hit, True, agent, patient, connection=agent)
    if patient is not None and patient.kind in (CALLER, PRONOUN):
        # "He choked me", "she says he hit her": the caller speaks of "he" as someone the
        # handler should know, with no stranger in the story: someone close to the victim.
        return Link(hit, True, agent, patient, connection=agent)
    return Link(hit, False, agent, patient)


def link(narrative: Narrative, hit: Hit, people: People) -> Link:
    """Who did the behaviour in `hit`, and whether that makes it abuse between personally
    connected people (Domestic Abuse Act 2021 s.1-2)."""
    patient = _patient(narrative, hit, people)
    agent = _by_agent(narrative, hit, people)
    passive = agent is None and _is_passive(narrative, hit)
    if passive:
        clause = narrative.clause_of(hit.start)
        patient = _nearest_before(people.all, hit.start, clause.start) or patient
    elif agent is None:
        actors = [m for m in people.all if m.can_act]
        if patient is not None and patient.kind == CALLER:
            # Nobody hits themselves: "my ex, who I left, hit me" -> the ex.
            actors = [m for m in actors if m.kind != CALLER]
        clause = narrative.clause_of(hit.start)
        sentence = narrative.sentence_of(hit.start)
        agent = _nearest_before(actors, hit.start, clause.start) or _nearest_before(
            actors, hit.start, sentence.start
        )
    resolved = resolve(agent, people)
    connections = people.connections
    if resolved is not None and resolved.kind == REL:
        if patient is not None and patient.kind == STRANGER and not patient.possessive:
            # "My husband got into a fight with a bouncer": both sides must be connected.
            return Link(hit, False, agent, patient, blocked_by=patient)
        if resolved.connected:
            return Link(hit, True, agent, patient, connection=resolved)
        return Link(hit, False, agent, patient)
    if resolved is not None and resolved.kind == STRANGER:
        # "The man next door is hitting his wife": the stranger's own partner.
        if patient is not None and patient.connected and patient.possessor == "pronoun":
            return Link(hit, True, agent, patient, connection=patient)
        return Link(hit, False, agent, patient, blocked_by=resolved)
    if resolved is not None and resolved.kind == CALLER:
        if patient is not None and patient.connected:
            return Link(hit, True, agent, patient, connection=patient)
        if hit.code in IMPLIED_CONNECTION_BEHAVIOURS:
            # "I'm not allowed out": the caller is on the receiving end; who keeps her in?
            sentence = narrative.sentence_of(hit.start)
            pronoun = _nearest_before(
                [p for p in people.pronouns if p.role == "subj"], hit.start, sentence.start
            )
            if pronoun is not None:
                return link_pronoun(narrative, hit, pronoun, patient, people)
        return Link(hit, False, agent, patient)
    if agent is not None and agent.kind == PRONOUN:
        return link_pronoun(narrative, hit, agent, patient, people)
    # Nobody named as doing it: "I've been assaulted", "there's been violence".
    if passive:
        others = [c for c in connections if c is not patient]
        if others and not people.strangers:
            return Link(hit, True, None, patient, connection=others[0])
        return Link(hit, False, None, patient)
    if connections and not [s for s in people.strangers if not s.possessive]:
        return Link(hit, True, None, patient, connection=connections[0])
    return Link(hit, False, None, patient)


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
        if not hit.negated:
            hits.append(hit)
    return hits


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
    """Behaviour going on now, or violence just now, puts the victim in present danger."""
    if hit.negated or hit.hypothetical or hit.descriptive or not hit.present:
        return False
    if hit.progressive or hit.tense == TENSE_PRESENT:
        return True
    return hit.code == "VIOLENCE" and hit.tense == TENSE_UNSPECIFIED
