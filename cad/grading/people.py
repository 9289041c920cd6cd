"""WHO: the people a narrative mentions, and whether they are personally connected.

The Domestic Abuse Act 2021 s.2 asks whether the two people are each aged 16 or over and
personally connected (partners, ex-partners, relatives, parents of the same child). This module
finds the mentions that fill that slot, in any gender and in shorthand ("my ex", "ex-p", "the
kids' dad", "OH", "g/f", "me da"), the people who are not connected (a neighbour, a bouncer,
"some lads"), pronouns and the caller (including log-style "IP", "C/S", "inf"), and the ages
given for them ("my son's 15", "they're 13 and 14", "(f,15)"), so a relative under 16 is not a
party to domestic abuse.

Every mention keeps its character span; every lookup is a binary search, so finding people costs
time linear in the narrative.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from cad.grading.lexicon import Lexicon
from cad.grading.text import Narrative

REL = "relationship"
STRANGER = "stranger"
PRONOUN = "pronoun"
CALLER = "caller"
ADULT_AGE = 16

_SUBJECT_PRONOUNS = {"he": "m", "she": "f", "they": "", "susp": "", "suspect": ""}
_OBJECT_PRONOUNS = {"him": "m", "her": "f", "them": ""}
_CALLER_SUBJECT = {"i", "we", "im", "ive", "i'm", "i've", "i'd", "i'll", "we're", "we've"}
_CALLER_OBJECT = {"me", "us", "myself"}
# Log-style names for the caller or the injured party: they can act and be acted on.
_CALLER_EITHER = {"ip", "rp", "vic", "victim", "caller", "c/s", "cs", "inf", "informant"}
_APOSTROPHELESS = {"hes": "he", "shes": "she", "theyre": "they", "theyve": "they"}
FUNCTION_WORDS = frozenset(
    "and but with in on at to again now so because when while up down out off over around round "
    "about badly too as by for from into the a then there here outside inside still really "
    "hard".split()
)
# How far before a pronoun (characters) a preferred antecedent (a group for "they", someone not
# on the caller's side) is looked for, past a nearer one that would do.
PREFERRED_WITHIN = 400
# "she's 8", "he's 14": an age for the nearest relative of that gender named before.
_PRONOUN_AGE = re.compile(
    r"\b(he|she)(?:'s| is|s)\s+(?:only\s+)?(\d{1,2})\b(?![\d:]|\s*(?:mins?|minutes|hours|hrs?|secs?|"
    r"days?|nights?|weeks|months|%|foot|feet|ft|'|\"|stone|st\b|kg|inch|doors?|streets?|miles?|"
    r"yards?|metres?|meters?|floors?|minutes? away))"
)
# "my daughter's estranged husband": words in -ed that describe the relative who follows.
_DESCRIBING_A_RELATION = frozenset(
    "estranged separated married divorced engaged controlling cheating".split()
)
_STRANGER_GENDER = re.compile(r"^\s*\(\s*([mf])\b")
_AGE_BEFORE = re.compile(r"(\d{1,2})[\s-]*(?:years?|yrs?|yr)[\s-]*old[\s-]*$|(\d{1,2})\s*yo\s+$")
# "son, 15", "son (15)", "son aged 15", "son who is 15", "son who's 15", "son's 15", "son is 15",
# "daughters 10 and 13", "ex-p (m,38)".
_AGE_AFTER = re.compile(
    r"^(?:'s|s'|s)?\s*(?:,\s*|\(\s*(?:[mf]\s*,\s*)?|\s+aged?\s+|\s+who\s+is\s+|\s+who's\s+|"
    r"\s+whos\s+|\s+is\s+|\s+are\s+(?:both\s+)?|'s\s+|\s+)(?:aged?\s+)?"
    r"(?:(?:about|approx\.?|approximately|around|roughly|maybe|aged about)\s+)?"
    r"(\d{1,2})(?:\s*(?:and|&)\s*(\d{1,2}))?"
    r"(?![\d:/.]|\s*(?:am|pm|mins?|minutes?|hours?|hrs?|times?|secs?|seconds?|nights?|evenings?|"
    r"mornings?|afternoons?|weekends?|fortnights?|(?:days?|weeks?|months?|years?|yrs?)"
    r"(?![\s-]*old)|grand|quid|pounds?|k\b|%))"
)
# "they're 13 and 14", "they're both 15", "both 15": ages for everyone named nearby.
_GROUP_AGE = re.compile(
    r"\b(?:they'?re|they are|both|both of them are|they're both|aged)\s+(?:both\s+)?"
    r"(\d{1,2})(?:\s*(?:and|&)\s*(\d{1,2}))?\b(?![\d:])"
)
# "child aged 6", "a girl aged 12": the age is that person's, not the relatives' around it.
_AGE_OF_A_CHILD = re.compile(r"\b(?:child|girl|boy|kid|toddler|youngster)\s*,?\s*$")
_CALLER_AGE = re.compile(
    r"\b(?:i'?m|i am|im|caller is|caller aged|c/s is)\s+(?:only\s+)?(\d{1,2})\b(?!\s*(?:mins?|"
    r"minutes|weeks|months|%|grand|quid|pounds|k\b|times|hours|foot|feet|ft|stone|st\b|kg|"
    r"inches|'|\"|weeks? pregnant|miles?))|"
    r"\b(?:ip|rp|inf|c/s|caller)\s*\(\s*[mf]?\s*,?\s*(\d{1,2})\s*\)|"
    r"\b(?:ip|rp|inf|c/s|caller)\s*,?\s*(\d{1,2})\s*(?:yo|y/o|yrs?|years?\s*old)\b|"
    # "Inf female 15 calling from school", "IP m 14".
    r"\b(?:ip|rp|inf|c/s|caller)\s+(?:female|male|f|m)\s*,?\s*(?:aged\s+)?(\d{1,2})\b(?![\d:])|"
    # "Girl says she's 14", "caller states he is 15": the caller's own age, reported.
    r"\b(?:girl|boy|child|kid|teenager|caller|c/s|inf|ip|rp)\s+(?:says|said|states|stated|"
    r"reports)\s+(?:that\s+)?(?:she|he)(?:'s|s| is)\s+(?:only\s+)?(\d{1,2})\b(?![\d:.]|\s*(?:"
    r"mins?|minutes|hours|days|weeks|months|%|doors?|houses?|streets?|roads?|miles?|metres?|"
    r"meters?|yards?|floors?|stone|st\b|kg|foot|feet|ft|inch|grand|quid|pounds|k\b|times|am\b|"
    r"pm\b|o'?clock|minutes? away|weeks? pregnant))|"
    # "14 year old girl ringing", "a 13yo boy calling".
    r"^\W*(?:an?\s+)?(\d{1,2})[\s-]*(?:years?|yrs?|y/?o)[\s-]*(?:old\s+)?(?:girl|boy|child|kid|"
    r"female|male|teenager)\s+(?:is\s+)?(?:ringing|calling|rang|called|says|states|reports|"
    r"on the (?:phone|line))|"
    # "Child aged 6 answered the phone", "caller is a girl aged 12, says ...".
    r"\b(?:child|girl|boy|kid)\s+aged\s+(\d{1,2})\b(?=\s*,?\s*(?:answered|called|rang|phoned|"
    r"rung|calling|ringing|on the (?:phone|line)|says|said|states|stated|reports|reported))"
)
# "my son is my carer", "wife who is his full-time carer", "brother, who is her carer",
# "son (carer)": the carer IS the relative, so "carer" names no second, unconnected person.
_APPOSITION = re.compile(
    r"^\s*(?:,\s*|\(\s*)?(?:who\s+is\s+|who's\s+|whos\s+|is\s+|was\s+|as\s+|and\s+)?"
    r"(?:(?:my|her|his|their|our|the)\s+)?(?:full[\s-]*time\s+|main\s+|live[\s-]*in\s+|unpaid\s+)?$"
)


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
    age: int | None = None  # an age given for this person
    role: str = ""  # "subj", "obj" or "either" for pronouns and the caller
    # A relative named beside the caller, on the caller's side ("IP and partner hiding in the
    # loft", "me and my husband", "my wife's holding the door"): with someone else there,
    # not the one doing the harm.
    companion: bool = False
    # Named as a partner's own partner or ex ("my ex's new partner", "my boyfriend's ex"):
    # connected to that partner, not to the caller.
    someone_elses: bool = False
    # Named as an unconnected person's relative ("my neighbour's son"; but "a client's
    # ex-partner" in a third party's report is the victim's).
    strangers_relative: bool = False
    # Named as dead ("my late uncle", "my granddad's, he's passed away"): not there, not acting.
    deceased: bool = False

    @property
    def minor(self) -> bool:
        """Under 16: not a party to domestic abuse (it is child abuse or a child's offence)."""
        return self.age is not None and self.age < ADULT_AGE

    @property
    def connected(self) -> bool:
        return self.kind == REL and not self.minor and not self.deceased

    @property
    def can_act(self) -> bool:
        """Could be the one doing something (not "my husband's car", not "him")."""
        if self.kind in (REL, STRANGER):
            return not self.possessive
        return self.role in ("subj", "either")

    @property
    def can_be_acted_on(self) -> bool:
        return self.role in ("obj", "either") or self.kind in (REL, STRANGER)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class MentionIndex:
    """Mentions sorted by position, for "the nearest one before" in logarithmic time."""

    def __init__(self, mentions: list[Mention]):
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.ends = [m.end for m in self.mentions]
        self.starts = [m.start for m in self.mentions]

    def nearest_before(self, pos: int, floor: int) -> Mention | None:
        """The last mention ending at or before `pos` that starts at or after `floor`."""
        index = bisect_right(self.ends, pos) - 1
        # Ends are sorted with starts for non-overlapping mentions; step back over any overlap.
        while index >= 0:
            mention = self.mentions[index]
            if mention.end <= pos:
                return mention if mention.start >= floor else None
            index -= 1
        return None

    def between(self, start: int, end: int) -> list[Mention]:
        """Mentions starting inside (start, end)."""
        starts = self.starts
        return self.mentions[bisect_right(starts, start) : bisect_left(starts, end)]


@dataclass
class People:
    relationships: list[Mention] = field(default_factory=list)
    strangers: list[Mention] = field(default_factory=list)
    pronouns: list[Mention] = field(default_factory=list)
    callers: list[Mention] = field(default_factory=list)
    # "In the pub", "on the bus": an unnamed person there is not assumed to be close.
    public_places: list[tuple[int, int]] = field(default_factory=list)
    caller_age: int | None = None
    # The caller says there is no relationship ("we're not together or anything", "not
    # related"): an unnamed "he" is not taken for someone close (`linking._link_pronoun`).
    denies_connection: bool = False

    @cached_property
    def all(self) -> list[Mention]:
        return sorted(
            self.relationships + self.strangers + self.pronouns + self.callers,
            key=lambda m: m.start,
        )

    @cached_property
    def index(self) -> MentionIndex:
        return MentionIndex(self.all)

    @cached_property
    def actors(self) -> MentionIndex:
        return MentionIndex([m for m in self.all if m.can_act])

    @cached_property
    def actors_not_caller(self) -> MentionIndex:
        return MentionIndex([m for m in self.all if m.can_act and m.kind != CALLER])

    @cached_property
    def named(self) -> MentionIndex:
        """Relationships and unconnected people: what a pronoun can stand for."""
        return MentionIndex(self.relationships + self.strangers)

    @cached_property
    def subject_pronouns(self) -> MentionIndex:
        return MentionIndex([p for p in self.pronouns if p.role == "subj"])

    @cached_property
    def connections(self) -> list[Mention]:
        """Relationship words that name a person who can be a party (not "my husband's car",
        not a child under 16)."""
        return [m for m in self.relationships if m.connected and m.possessive != "thing"]

    @cached_property
    def minors(self) -> list[Mention]:
        """Relatives and others named with an age under 16."""
        return sorted(
            (m for m in self.relationships + self.strangers if m.minor), key=lambda m: m.start
        )

    @property
    def unowned_strangers(self) -> list[Mention]:
        return [s for s in self.strangers if not s.possessive]

    def resolve(self, mention: Mention | None, exclude: Mention | None = None) -> Mention | None:
        """A pronoun's antecedent: the most recent relationship or unconnected person of a
        compatible gender before it ("My ex came round. He ..."); None when there is none.
        A relative on the caller's side ("my partner's holding the door. He's hitting the
        glass") is passed over for anyone else before it, and a log's "susp" is the unconnected
        person named before it when there is one ("unknown male punched her husband ... susp
        still at scene")."""
        if mention is None or mention.kind != PRONOUN:
            return mention
        named = self.named
        index = bisect_right(named.ends, mention.start) - 1
        word = mention.text.lower()
        group = word.startswith(("they", "them"))
        # A "susp" passes over relatives when an unconnected person is named before it.
        strangers_first = word.startswith("susp") and any(
            m.end <= mention.start for m in self.unowned_strangers
        )
        fallback = None
        while index >= 0:
            candidate = named.mentions[index]
            index -= 1
            if fallback is not None and candidate.end < mention.start - PREFERRED_WITHIN:
                break  # a preferred antecedent is looked for nearby only: linear, not quadratic
            if (
                candidate is exclude
                or candidate.end > mention.start
                or (mention.gender and candidate.gender not in ("", mention.gender))
            ):
                continue
            if group and not plural(candidate):
                # "Some lads have surrounded my husband ... they're pushing him": a group.
                fallback = fallback or candidate
                continue
            if strangers_first and candidate.kind == REL:
                continue
            if candidate.companion:
                fallback = fallback or candidate
                continue
            return candidate
        return fallback


# --- Finding people --------------------------------------------------------------------------


def _possessive_after(narrative: Narrative, lexicon: Lexicon, end: int, rel_starts: list[int]):
    """ "my husband's car" -> "thing"; "my daughter's boyfriend" -> "relation"; "my ex's outside"
    (= is outside) -> ""."""
    text = narrative.text
    match = re.match(r"(?:'s|s'|')\s+([a-z0-9']+)", text[end : end + 40])
    if not match:
        return ""
    word_start = end + match.start(1)
    word = match.group(1)
    if word in lexicon.contraction_followers or (
        word.endswith(("ed", "ing")) and word not in _DESCRIBING_A_RELATION
    ):
        # "my stepdad's got my mum by the throat", "my stepdad's dragging my mum": "has"/"is",
        # not "belonging to", even with a relative a word or two on.
        return ""
    following = rel_starts[bisect_left(rel_starts, word_start) :][:1]
    if following and following[0] <= word_start + 25:
        # "my daughter's boyfriend", "my daughter's new boyfriend": a relationship a word on.
        if len(text[word_start : following[0]].split()) <= 2:
            return "relation"
    if word.isdigit():
        return ""  # "my son's 15": an age, not a belonging
    return "thing"


def _possessor_before(narrative: Narrative, start: int) -> str:
    """Whose relationship: "my ex" -> "caller"; "her partner" -> "pronoun"; "my neighbour's
    partner" -> "noun"; "the couple", "ex" -> "". Looks back over up to two describing words
    ("my violent ex", "my 19 year old son")."""
    words = re.findall(r"[a-z0-9'/-]+", narrative.text[max(0, start - 40) : start])
    for word in reversed(words[-5:]):
        if word in ("my", "our", "me", "ma", "mi") or word.startswith("caller"):
            return "caller"
        if word in ("his", "her", "their", "your"):
            return "pronoun"
        if word.endswith(("'s", "s'")):
            return "noun"
        if word in ("the", "a", "an", "and", "or", "with", "to", "by", "of", "from"):
            return ""
    return ""


# An age inside the words naming the person: "my 13 year old", "a Year 4 pupil" (a school year
# in England and Wales is the age it starts at less 5: Year 1 at 5, Year 11 at 15-16).
_AGE_INSIDE = re.compile(
    r"(\d{1,2})[\s-]*(?:years?|yrs?)[\s-]*old|\b(?:year|yr|y)\s?(\d{1,2})(?!\d)"
)


def _age_of(narrative: Narrative, start: int, end: int) -> int | None:
    text = narrative.digits
    before = _AGE_BEFORE.search(text[max(0, start - 25) : start])
    after = _AGE_AFTER.match(text[end : end + 30])
    ages = []
    for match in (before, after):
        if match:
            ages.extend(int(g) for g in match.groups() if g)
    inside = _AGE_INSIDE.search(narrative.text[start:end])
    if inside:
        ages.append(int(inside.group(1)) if inside.group(1) else int(inside.group(2)) + 5)
    return min(ages) if ages else None


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
        if kept and overlaps(mention.span, kept[-1].span):
            if mention.end - mention.start > kept[-1].end - kept[-1].start:
                kept[-1] = mention
            continue
        kept.append(mention)
    # "He's never been my boyfriend", "not related, not partner": not a connection.
    kept = [m for m in kept if not narrative.is_negated(m.start, m.end, 3)]
    starts = [m.start for m in kept]
    for mention in kept:
        mention.possessor = _possessor_before(narrative, mention.start)
        mention.possessive = _possessive_after(narrative, lexicon, mention.end, starts)
        mention.age = _age_of(narrative, mention.start, mention.end)
    _apply_group_ages(narrative, kept)
    _apply_pronoun_ages(narrative, kept)
    _apply_ages_named_again(kept)
    for mention in kept:
        mention.companion = _is_companion(narrative, mention)
    return kept


def _apply_ages_named_again(relationships: list[Mention]) -> None:
    """ "He's hitting my little brother ... my brother is 9": a relative named again with an
    age gives it to the earlier mentions of the same word (same last word, same gender) that
    have none, when only one age is given for that word."""
    ages: dict[tuple[str, str], set[int]] = {}
    for mention in relationships:
        if mention.age is not None:
            ages.setdefault(_relative_word(mention), set()).add(mention.age)
    for mention in relationships:
        found = ages.get(_relative_word(mention))
        if mention.age is None and found and len(found) == 1:
            mention.age = next(iter(found))


def _relative_word(mention: Mention) -> tuple[str, str]:
    words = mention.text.lower().split()
    return (words[-1] if words else "", mention.gender)


_GROUP_HEADS = frozenset(
    "people gang group family men women children kids lads guys blokes youths girls boys "
    "teenagers males females lot".split()
)
_COUNTS = frozenset("two three four five six several some a couple few group gang 2 3 4 5".split())


def plural(mention: Mention) -> bool:
    """A group: "two lads", "some youths", "two men I don't know" (a count or a plural head
    anywhere in the words, not only the last)."""
    words = mention.text.lower().split()
    last = words[-1] if words else ""
    if words and (words[0] in _COUNTS or _GROUP_HEADS & set(words)):
        return True
    return (last.endswith("s") and not last.endswith(("'s", "ss", "us"))) or last in (
        "people",
        "gang",
        "group",
        "family",
        "men",
        "women",
        "children",
        "kids",
    )


# "IP and partner", "me and my husband", "with her husband", "my wife and I", "my partner's
# holding the door": a relative beside the caller (see `Mention.companion`).
_COMPANION_BEFORE = re.compile(
    r"(?:\b(?:i|ip|me|inf|rp|c/s|caller|myself)\s+(?:and|&)|\b(?:with|w/))\s+(?:my|her|his|their|"
    r"our)?\s*$"
)
_COMPANION_AFTER = re.compile(
    r"^(?:\s+(?:and|&)\s+(?:i|me|ip|myself)\b|(?:'s|s|\s+is|\s+are)?\s+(?:holding|hiding|"
    r"barricaded|locked in with me|with me)\b)"
)


def _is_companion(narrative: Narrative, mention: Mention) -> bool:
    text = narrative.text
    return bool(
        _COMPANION_BEFORE.search(text[max(0, mention.start - 20) : mention.start])
        or _COMPANION_AFTER.match(text[mention.end : mention.end + 30])
    )


def _apply_pronoun_ages(narrative: Narrative, relationships: list[Mention]) -> None:
    """ "His little sister ... She's 8": the age goes to the last relative of that gender."""
    index = MentionIndex(relationships)
    for match in _PRONOUN_AGE.finditer(narrative.digits):
        gender = "m" if match.group(1) == "he" else "f"
        pos = match.start()
        while True:
            mention = index.nearest_before(pos, max(0, match.start() - 300))
            if mention is None:
                break
            if mention.gender in ("", gender):
                if mention.age is None:
                    mention.age = int(match.group(2))
                break
            pos = mention.start


def _apply_group_ages(narrative: Narrative, relationships: list[Mention]) -> None:
    """ "My brothers are fighting, they're 13 and 14": the youngest age given for a group
    applies to the relatives named in that sentence or the one before that have none. Not an
    age given to a child named as such ("child aged 6 answered, says daddy hit mummy")."""
    for match in _GROUP_AGE.finditer(narrative.digits):
        if _AGE_OF_A_CHILD.search(narrative.digits, max(0, match.start() - 20), match.start()):
            continue
        age = min(int(g) for g in match.groups() if g)
        index = narrative.sentence_index(match.start())
        lo = narrative.sentences[max(0, index - 1)].start
        hi = narrative.sentences[index].end
        for mention in relationships:
            if lo <= mention.start < hi and mention.age is None:
                mention.age = age


def _caller_age(narrative: Narrative) -> int | None:
    match = _CALLER_AGE.search(narrative.digits)
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def find_strangers(
    narrative: Narrative, lexicon: Lexicon, relationships: list[Mention]
) -> list[Mention]:
    found: list[Mention] = []
    rel_spans = [m.span for m in relationships]
    starts = [m.start for m in relationships]
    for key, gender in (("male", "m"), ("female", "f"), ("any", "")):
        for span in lexicon.strangers[key].all_matches(narrative.text):
            if any(overlaps(span, r) for r in _near(rel_spans, span)):
                continue
            clash = [m for m in found if overlaps(span, m.span)]
            if any(m.end - m.start >= span[1] - span[0] for m in clash):
                continue
            for m in clash:
                found.remove(m)
            marked = _STRANGER_GENDER.match(narrative.text[span[1] : span[1] + 8])
            found.append(
                Mention(
                    kind=STRANGER,
                    start=span[0],
                    end=span[1],
                    text=narrative.quote(*span),
                    gender=marked.group(1) if marked else gender,
                    possessive=_possessive_after(narrative, lexicon, span[1], starts),
                    age=_age_of(narrative, *span),
                )
            )
    found = [
        m
        for m in found
        if not _is_apposed_to_relative(narrative, m, relationships)
        and not _describes_the_caller(narrative, m)
    ]
    for m in found:
        if _KEPT_FROM.search(narrative.text[max(0, m.start - 25) : m.start]):
            # "He won't let me see my friends and checks my phone": the friends are who the
            # caller is kept from, not anyone who does something.
            m.possessive = "object"
    return sorted(found, key=lambda m: m.start)


_KEPT_FROM = re.compile(
    r"\b(?:see|seeing|meet|meeting|visit|visiting|call|calling|ring|ringing|text|texting|contact|"
    r"contacting|phone|phoning|go out with|going out with|speak to|speaking to|talk to|talking to|"
    r"message|messaging)\s+(?:any\s+of\s+)?$"
)


# "inf n/bour hearing ...", "Caller's a neighbour", "I'm a teacher", "Neighbour reports ...":
# the words say who the caller is, not another person in the call.
_CALLER_BEFORE = re.compile(
    r"(?:\b(?:inf|ip|rp|c/s|caller|informant|reporting person)\s*(?:=|-|:|,|is|'s|is a|'s a|is an|"
    r"'s an|is the|'s the)?|\bi'?m\s+(?:a|an|the)|\bi am\s+(?:a|an|the))\s*$"
)
_REPORTS_AFTER = re.compile(
    r"\s*(?:\(\w+\)\s*)?(?:reports?|reporting|states?|stating|says|saying|calling|ringing|"
    r"heard|hearing|can hear|concerned)\b"
)


def _describes_the_caller(narrative: Narrative, mention: Mention) -> bool:
    text = narrative.text
    if _CALLER_BEFORE.search(text[max(0, mention.start - 20) : mention.start]):
        return True
    opening = mention.start < 8 and text[: mention.start].strip(" \t\"'").lower() in (
        "",
        "a",
        "the",
    )
    return opening and bool(_REPORTS_AFTER.match(text, mention.end))


def _near(spans: list[tuple[int, int]], span: tuple[int, int]) -> list[tuple[int, int]]:
    starts = [s for s, _ in spans]
    lo = max(0, bisect_left(starts, span[0] - 60))
    return spans[lo : bisect_right(starts, span[1])]


_UNKNOWN_PERSON = re.compile(
    r"(?:a |an |the |some )?(?:someone|somebody|male|man|female|woman|person)$"
)
_IDENTIFIED_AS = re.compile(
    r"(?:\bit'?s|\bit is|\b(?:male|female|man|woman|he|she|susp|suspect)(?:'s| is| was)|\bwho(?:'s| is| "
    r"was)|\bidentified as|\bbelieved to be|\bturns out (?:to be|it'?s))\s+(?:(?:her|his|my|their|"
    r"our|the)\s+)?(?:[\w/-]+'s\s+)?$"
)


def _identified_later(narrative: Narrative, mention: Mention, relationships) -> bool:
    """ "someone with her is hurting her, it's her partner", "a male inside shouting at the
    tenant ... Male is tenant's partner per housing records": an unknown person the call goes
    on to name as a relative is that relative, not a stranger."""
    if not _UNKNOWN_PERSON.match(mention.text.lower()):
        return False
    text = narrative.text
    return any(
        mention.end <= r.start <= mention.end + 260
        and _IDENTIFIED_AS.search(text[max(mention.end, r.start - 40) : r.start].lower())
        for r in relationships
    )


def _is_apposed_to_relative(narrative: Narrative, mention: Mention, relationships) -> bool:
    """ "My son is my carer": the carer is the son, not a second person. So is someone the call
    goes on to identify as a relative (`_identified_later`)."""
    if _identified_later(narrative, mention, relationships):
        return True
    for rel in _near([r.span for r in relationships], mention.span):
        if rel[1] <= mention.start and _APPOSITION.match(narrative.text[rel[1] : mention.start]):
            return True
    after = narrative.text[mention.end : mention.end + 30]
    match = re.match(r"^\s*(?:,\s*|\()?\s*(?:(?:my|her|his|their|our)\s+)?([a-z-]+)", after)
    if match:
        follow = mention.end + match.start(1)
        return any(r[0] == follow for r in _near([r.span for r in relationships], (follow, follow)))
    return False


def _pronoun(token, role: str, gender: str) -> Mention:
    return Mention(PRONOUN, token.start, token.end, token.text, gender=gender, role=role)


def find_pronouns(narrative: Narrative, relationships: list[Mention]) -> tuple[list, list]:
    pronouns, callers = [], []
    rel_starts = {m.start for m in relationships}
    tokens = narrative.tokens
    for i, token in enumerate(tokens):
        word = token.text
        base = _APOSTROPHELESS.get(word, word.split("'")[0])
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if base in _SUBJECT_PRONOUNS:
            pronouns.append(_pronoun(token, "subj", _SUBJECT_PRONOUNS[base]))
        elif base in _OBJECT_PRONOUNS:
            if base == "her" and following is not None:
                # "her boyfriend", "her phone": a possessive, not the person acted on.
                if following.start in rel_starts or (
                    following.text not in FUNCTION_WORDS
                    and narrative.text[token.end : following.start].strip() == ""
                ):
                    continue
            pronouns.append(_pronoun(token, "obj", _OBJECT_PRONOUNS[base]))
        elif word in _CALLER_SUBJECT:
            callers.append(Mention(CALLER, token.start, token.end, token.text, role="subj"))
        elif word in _CALLER_OBJECT:
            callers.append(Mention(CALLER, token.start, token.end, token.text, role="obj"))
        elif word in _CALLER_EITHER or _is_log_caller(narrative, token):
            callers.append(Mention(CALLER, token.start, token.end, token.text, role="either"))
    return pronouns, callers


_LATE_BEFORE = re.compile(r"\blate\s+$")
_DIED_AFTER = re.compile(
    r"(?:'s)?\s*,?\s*(?:(?:he|she)'?s\s+|who'?s\s+|who\s+(?:has\s+)?|has\s+|had\s+|is\s+|was\s+)?"
    r"(?:since\s+|now\s+|recently\s+|just\s+|sadly\s+)?(?:passed away|passed on|died|deceased)\b"
)


_SPOUSE = re.compile(r"husb|wife|wives|spouse|hubby|missus|misses|civil|fianc|\bh/b\b|ex-h\b")


def _named_as_dead(narrative: Narrative, mention: Mention) -> bool:
    """ "my late uncle's shotgun", "my granddad's, he's passed away", "my ex-husband died last
    year": a relative who has died is no party to anything now."""
    text = narrative.text
    return bool(
        _LATE_BEFORE.search(text[max(0, mention.start - 6) : mention.start])
        or _DIED_AFTER.match(text, mention.end, mention.end + 40)
    )


def _is_log_caller(narrative: Narrative, token) -> bool:
    """ "C/S", "C/B": log shorthand the tokenizer splits at the slash."""
    return token.text == "c" and narrative.text[token.end : token.end + 2] == "/s"


def find_people(narrative: Narrative, lexicon: Lexicon) -> People:
    relationships = find_relationships(narrative, lexicon)
    strangers = find_strangers(narrative, lexicon, relationships)
    # "A boy in my class, he's 9, told me his dad hits him": an age for the person named nearest
    # before, a stranger included (relatives were given theirs already).
    _apply_pronoun_ages(narrative, relationships + strangers)
    for mention in relationships:
        mention.deceased = _named_as_dead(narrative, mention)
    for mention in relationships:
        # "his brother's friend", "my sister's mate": the relative owns a person, it does not act.
        if mention.possessive == "thing" and any(
            0 < s.start - mention.end <= 25
            and len(narrative.text[mention.end : s.start].split()) <= 2
            for s in strangers
        ):
            mention.possessive = "relation"
    owners = [
        r.end
        for r in relationships
        if r.possessive == "relation" and r.rel_kind in ("intimate", "ex")
    ]
    # "my sister's ex-boyfriend": an ex named as a relative's is that relative's. (A relative's
    # spouse is the caller's relative too, FLA 1996 s.63, and so may be a cohabitant: only the
    # ex is read as someone else's.)
    family_owners = [
        r.end for r in relationships if r.possessive == "relation" and r.rel_kind == "family"
    ]
    stranger_owners = [s.end for s in strangers if s.possessive == "relation"]
    unmarried_owners = [
        r.end
        for r in relationships
        if r.possessive == "relation" and r.rel_kind == "ex" and not _SPOUSE.search(r.text.lower())
    ]
    for mention in relationships:
        mention.someone_elses = (
            (
                mention.rel_kind in ("intimate", "ex")
                and any(0 < mention.start - end <= 25 for end in owners)
            )
            or (
                mention.rel_kind == "ex"
                and any(0 < mention.start - end <= 25 for end in family_owners)
            )
            or (
                # "my ex-girlfriend's dad": a relative of an ex the caller was never married to is no
                # relative of the caller's (a former spouse's parent is: FLA 1996 s.63; so may be a
                # current partner's, if they live together, which the words rarely say).
                mention.rel_kind == "family"
                and any(0 < mention.start - end <= 25 for end in unmarried_owners)
            )
        )
        mention.strangers_relative = any(0 < mention.start - end <= 25 for end in stranger_owners)
    pronouns, callers = find_pronouns(narrative, relationships)
    taken = sorted(m.span for m in relationships + strangers)
    pronouns = [p for p in pronouns if not any(overlaps(p.span, t) for t in _near(taken, p.span))]
    callers = [c for c in callers if not any(overlaps(c.span, t) for t in _near(taken, c.span))]
    public = [m.span() for m in lexicon.public_places.finditer(narrative.text)]
    return People(
        relationships,
        strangers,
        pronouns,
        callers,
        public_places=public,
        caller_age=_caller_age(narrative),
        denies_connection=bool(_DENIED.search(narrative.text)),
    )


_DENIED = re.compile(
    r"\b(?:we|we'?re|we are|we were|we'?ve|they|they'?re|they are|he|he'?s|she|she'?s|i|i'?m)\s+"
    r"(?:(?:are|were|is|am|was|have|has|'?ve|'?s|'?re)\s+)?(?:not|never|never been|not been)\s+"
    r"(?:together|related|in a relationship|partners|a couple|dated|been together|family)\b"
    r"(?!\s+(?:any ?more|now|since))"
    r"|\bno (?:relation(?:ship)?|family (?:link|connection)|connection) (?:to|with|between)\b"
    r"|\bnot related\b"
)
