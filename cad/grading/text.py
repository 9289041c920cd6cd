"""Reading a narrative: normalisation, sentences and clauses, and the cues around a match
(negation, tense, hypothetical) that decide whether words count.

Everything here keeps character offsets: the normalised text has exactly the length of the
original, so a match's span highlights the caller's own words.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property

_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}
_DASHES = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"}
_POSSESSED = (
    r"(?=(?:phone|card|bank|money|purse|keys?|car|house|flat|door|throat|neck|face|head|arms?|"
    r"mam|maw|da|dad|mum|son|daughter|fella|lass|bairns|kids|bedroom|room|mates|pension|"
    r"tablets|medication|meds|nan|sister|brother|husband|wife|partner|ex|boyfriend|girlfriend|"
    r"work|job|window|man|bloke|hoose|wean|weans|grandson|granddaughter|kid|baby)\b)"
)
_DIALECT_MY = re.compile(r"\b(?:me|ma|mi)(\s+(?:arl\s+|old\s+|wee\s+)?)" + _POSSESSED)
_DIALECT_OUR = re.compile(r"\bwor(\s+)" + _POSSESSED)
_OPENING_QUOTE = re.compile(r"(?<![\w'])'(?=\w)")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
_HAS_WORD = re.compile(r"[a-z0-9]")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]]|\s-\s|\b(?:but|however|although|though|whereas|because|until|unless|when|"
    r"whilst|while|and now|and then|then|so now|after which)\b|"
    # "I had a case last year and he has just rung my doorbell": a new subject, a new clause.
    r"\band(?= (?:he|she|they|i|we)\b(?! (?:and|or)\b))"
)

NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "nobody",
        "nobody's",
        "noone",
        "no-one",
        "no-one's",
        "none",
        "nothing",
        "neither",
        "nor",
        "without",
        "denies",
        "denied",
        "deny",
        "non",
        "hasn't",
        "haven't",
        "hadn't",
        "didn't",
        "doesn't",
        "don't",
        "isn't",
        "wasn't",
        "weren't",
        "aren't",
        "won't",
        "can't",
        "cannot",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "ain't",
        "hasnt",
        "havent",
        "didnt",
        "doesnt",
        "dont",
        "isnt",
        "wasnt",
        "werent",
        "arent",
        "wont",
        "cant",
        "couldnt",
        "wouldnt",
    }
)
# A negation does not reach past these words ("he hasn't hit me and he is outside").
NEGATION_STOPS = frozenset(
    {
        "and",
        "but",
        "when",
        "while",
        "because",
        "as",
        "since",
        "until",
        "unless",
        "if",
        "after",
        "before",
        "so",
        "that",
        "who",
        "which",
        "then",
        "though",
        "although",
        "now",
    }
)
# "I couldn't stop him hitting me", "I don't know if he hit her": the negation is about something
# else, so the words still count.
NEGATION_CANCELS = frozenset(
    {
        "stop",
        "stopped",
        "stopping",
        "prevent",
        "help",
        "know",
        "sure",
        "remember",
        "want",
        "wants",
        "care",
        "believe",
        "think",
        "let",
        "matter",
        "understand",
        "say",
        "tell",
    }
)
HYPOTHETICAL = frozenset(
    {
        "might",
        "may",
        "could",
        "would",
        "will",
        "gonna",
        "afraid",
        "scared",
        "worried",
        "worry",
        "worries",
        "fear",
        "fears",
        "feared",
        "frightened",
        "threatened",
        "threatening",
        "threatens",
        "threaten",
        "threat",
        "threats",
        "if",
        "wants",
        "wanted",
        "unless",
    }
)

TENSE_PRESENT = "present"
TENSE_UNSPECIFIED = "unspecified"
TENSE_RECENT = "recent"  # earlier today
TENSE_OVERNIGHT = "overnight"  # last night, yesterday: over, but risk factors keep their weight
TENSE_HISTORIC = "historic"
PAST_TENSES = (TENSE_OVERNIGHT, TENSE_HISTORIC)

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|couple of|several|few|many)"
_PAST = re.compile(
    r"\b(?:last (?:week|month|year|time|weekend|christmas|summer|winter|spring|autumn|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    rf"{_NUM}[\s-]+(?:days?|weeks?|months?|years?)\s+ago|(?:days|weeks|months|years) ago|"
    r"in the past|previously|previous|prior|used to|history of|back in|years back|"
    r"a while (?:ago|back)|over the years|for years|historic(?:al|ally)?|"
    r"when (?:we|i|they|she|he) (?:were|was) (?:together|married|living together|a couple)|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|in (?:19|20)\d\d|at the weekend|over (?:the )?(?:christmas|easter|weekend)|"
    r"earlier this (?:week|month|year)|the other (?:day|night|week)|went through|"
    r"been through|before\W*$|in the end|ended up|years ago|months ago|weeks ago|days ago|"
    r"for a long time|for (?:months|ages|a while|a long while)|all (?:our|the) (?:marriage|relationship)|"
    r"during (?:the|our|their) (?:marriage|relationship)|"
    r"(?:came|come|got|get|returned|went|arrived|woke|woken) (?:back |up |home )?(?:home )?to find|"
    r"(?:had|has) been (?:broken into|burgled|stolen|taken|damaged) (?:while|whilst|when))\b"
)
_RECENT = re.compile(
    r"\b(?:earlier(?: on| today| this (?:morning|afternoon|evening))?|"
    r"this (?:morning|afternoon|evening)|"
    rf"{_NUM}[\s-]+hours?\s+ago|an hour ago|hours ago|today|last hour)\b"
)
# With the control-room log's shorthand: "last nt", "lst nt", "o/n", "yday", "yest".
_OVERNIGHT = re.compile(
    r"\b(?:last night|last nt|lst nt|overnight|o/n|yesterday|yday|yest|in the night|"
    r"during the night)\b"
)
_PRESENT = re.compile(
    r"\b(?:right now|now|at the moment|currently|as we speak|ongoing|in progress|as i speak|"
    r"while i'?m on the phone|on the phone now)\b"
)
# Weaker present words lose to a past-time word in the same clause ("he choked me on Sunday
# and I've still got marks").
_PRESENT_WEAK = re.compile(
    r"\b(?:still|just|tonight|at present|is|are|am)\b|\b(?:i'm|we're|they're|you're|im|theyre)\b"
)


# What someone does again and again, not what is happening as the caller speaks ("he hits her
# sometimes", "keeps pushing me about").
_HABITUAL = re.compile(
    r"\b(?:sometimes|often|always|usually|regularly|constantly|all the time|whenever|"
    r"every (?:day|night|week|weekend|time|so often)|on and off|occasionally|"
    r"from time to time|most (?:days|nights|weekends)|keeps|keep on)\b"
)
# A violent act in the third person's simple present ("her husband beats her"): English uses it
# for what happens habitually; what happens now takes "is ...ing" or "now".
_HABITUAL_VERB = re.compile(
    r"^(?:hits|beats|punches|slaps|kicks|strangles|chokes|pushes|shoves|bites|attacks|"
    r"assaults|batters|throttles|thumps|smacks|grabs|drags|hurts|knocks)$"
)


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_WORD_AGE = re.compile(
    r"\b("
    + "|".join(_NUMBER_WORDS)
    + r")\b(?!\s*(?:mins?|minutes|hours|days|weeks|months|years? ago|times|of|o'clock))"
)


def _with_number_words(text: str) -> str:
    """ "fifteen" -> "15" padded to the same length, so offsets still line up."""
    return _WORD_AGE.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]).ljust(len(m.group(1))), text)


def _past_tense(body: str) -> str:
    """The past-time words in `body`: historic, overnight or earlier today; "" when none."""
    if _PAST.search(body):
        return TENSE_HISTORIC
    if _OVERNIGHT.search(body):
        return TENSE_OVERNIGHT
    if _RECENT.search(body):
        return TENSE_RECENT
    return ""


def normalise(text: str) -> str:
    """Lower-case, straight quotes and hyphens, accents stripped; same length as `text`."""
    out = []
    for ch in text:
        if ch in _QUOTES:
            ch = _QUOTES[ch]
        elif ch in _DASHES:
            ch = _DASHES[ch]
        elif ord(ch) > 127:
            base = unicodedata.normalize("NFKD", ch)[:1]
            if base and base.isascii():
                ch = base
        lower = ch.lower()
        out.append(lower if len(lower) == 1 else ch)
    # An opening quote is not an apostrophe: "said 'that's where you'll be'" must still match
    # "that's where you'll be" as whole words.
    text = _OPENING_QUOTE.sub('"', "".join(out))
    # Dialect possessives of the same length read as "my"/"our": "me fella", "ma maw", "wor lass".
    return _DIALECT_MY.sub(lambda m: "my" + m.group(1), _DIALECT_OUR.sub(r"our\1", text))


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    start: int
    end: int


class Narrative:
    """A narrative with its normalised text, tokens, sentences and clauses.

    Every lookup by position is a binary search over precomputed offsets and every per-segment
    answer (a clause's tense) is computed once, so assessing a narrative costs time linear in its
    length even when it has no full stops.
    """

    def __init__(self, original: str):
        self.original = original or ""
        self.text = normalise(self.original)
        self._tense_cache: dict[int, str] = {}
        self._habitual_cache: dict[int, bool] = {}
        # Answers the rules compute once per narrative (e.g. per sentence), keyed by the rule.
        self.memo: dict = {}

    @cached_property
    def digits(self) -> str:
        """The text with number words as digits ("fifteen" -> "15   "), same length."""
        return _with_number_words(self.text)

    @cached_property
    def tokens(self) -> list[Token]:
        return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(self.text)]

    @cached_property
    def _token_starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def _token_ends(self) -> list[int]:
        return [t.end for t in self.tokens]

    @cached_property
    def sentences(self) -> list[Segment]:
        segments, start = [], 0
        for match in _SENTENCE_END.finditer(self.text):
            if match.end() > start:
                segments.append(Segment(start, match.end()))
            start = match.end()
        if start < len(self.text):
            segments.append(Segment(start, len(self.text)))
        return segments or [Segment(0, 0)]

    @cached_property
    def clauses(self) -> list[Segment]:
        segments = []
        for sentence in self.sentences:
            start = sentence.start
            for match in _CLAUSE_BREAK.finditer(self.text, sentence.start, sentence.end):
                cut = match.start()
                # Punctuation alone (", but") joins the clause that follows.
                if _HAS_WORD.search(self.text, start, cut):
                    segments.append(Segment(start, cut))
                    start = cut
            if sentence.end > start:
                segments.append(Segment(start, sentence.end))
        return segments or [Segment(0, 0)]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    @cached_property
    def _clause_starts(self) -> list[int]:
        return [s.start for s in self.clauses]

    @staticmethod
    def _index_in(segments: list[Segment], starts: list[int], pos: int) -> int:
        index = bisect_right(starts, pos) - 1
        if index < 0 or not segments[index].start <= pos < segments[index].end:
            # Past the end (or in trailing space between segments): the nearest segment before.
            return max(0, min(index, len(segments) - 1))
        return index

    def sentence_of(self, pos: int) -> Segment:
        return self.sentences[self.sentence_index(pos)]

    def clause_of(self, pos: int) -> Segment:
        return self.clauses[self._index_in(self.clauses, self._clause_starts, pos)]

    def sentence_index(self, pos: int) -> int:
        return self._index_in(self.sentences, self._sentence_starts, pos)

    def quote(self, start: int, end: int) -> str:
        """The caller's own words for a span, whitespace tidied."""
        return " ".join(self.original[start:end].split())

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """Tokens wholly inside [start, end)."""
        first = bisect_left(self._token_starts, start)
        last = bisect_right(self._token_ends, end)
        return self.tokens[first:last] if last > first else []

    def tokens_before(self, pos: int, limit: int, floor: int) -> list[Token]:
        """Up to `limit` tokens ending at or before `pos` and starting at or after `floor`."""
        last = bisect_right(self._token_ends, pos)
        first = bisect_left(self._token_starts, floor)
        if limit:
            first = max(first, last - limit)
        return self.tokens[first:last] if last > first else []

    def tokens_after(self, pos: int, limit: int) -> list[Token]:
        """Up to `limit` tokens starting at or after `pos`."""
        first = bisect_left(self._token_starts, pos)
        return self.tokens[first : first + limit]

    # --- Cues around a match -------------------------------------------------------------------

    def is_negated(self, start: int, end: int, window: int) -> bool:
        """A negation word shortly before the match, in the same clause, governs it ("he
        hasn't hit me", "no weapons", "nobody is hurt"), unless "yet" follows ("hasn't hit me
        yet" is a warning, not a denial)."""
        clause = self.clause_of(start)
        before = self.tokens_before(start, window, clause.start)
        negated = False
        for i, token in enumerate(before):
            if token.text in NEGATIONS:
                between = {t.text for t in before[i + 1 :]}
                negated = not (between & NEGATION_STOPS) and not (between & NEGATION_CANCELS)
        if negated:
            after = [t.text for t in self.tokens_after(end, 3)]
            if "yet" in after:
                return False
        return negated

    def is_hypothetical(self, start: int, window: int) -> bool:
        """ "Scared he'll hit me", "threatened to strangle her", "if he comes back": about what
        might happen, not what has."""
        clause = self.clause_of(start)
        before = self.tokens_before(start, window, clause.start)
        for i, token in enumerate(before):
            following = before[i + 1].text if i + 1 < len(before) else ""
            if token.text in HYPOTHETICAL or token.text.endswith("'ll"):
                return True
            # "he'd batter him" (would), not "he'd battered him" (had).
            if token.text.endswith("'d"):
                verb = following or next((t.text for t in self.tokens_after(start, 1)), "")
                if not verb.endswith(("ed", "en")):
                    return True
            if token.text == "going" and following == "to":
                return True
        after = [t.text for t in self.tokens_after(start, 8)]
        return "yet" in after

    def tense(self, start: int) -> str:
        """When the words at `start` happened: the clause's time words decide, then the
        sentence's past-time words. Present cues win over past ones in the same clause. Computed
        once per clause."""
        clause = self.clause_of(start)
        cached = self._tense_cache.get(clause.start)
        if cached is None:
            cached = self._tense_cache[clause.start] = self._clause_tense(clause)
        return cached

    def is_now(self, start: int) -> bool:
        """A strong present cue in the clause ("now", "in progress", "currently"), not just
        "is" or "I'm" ("I'm a DV survivor" is not abuse happening now)."""
        clause = self.clause_of(start)
        return bool(_PRESENT.search(self.text, clause.start, clause.end))

    def _clause_tense(self, clause: Segment) -> str:
        body = self.text[clause.start : clause.end].strip(" .!?,;:")
        # "Now" in another clause of the sentence says nothing about this one.
        if _PRESENT.search(body):
            return TENSE_PRESENT
        if _PRESENT_WEAK.search(body) and not _PAST.search(body):
            return TENSE_PRESENT
        return _past_tense(body) or self._sentence_tense(self.sentence_index(clause.start))

    def _sentence_tense(self, index: int) -> str:
        key = -1 - index  # sentence entries share the cache with clauses, keyed apart
        cached = self._tense_cache.get(key)
        if cached is None:
            sentence = self.sentences[index]
            body = self.text[sentence.start : sentence.end].strip(" .!?,;:")
            cached = self._tense_cache[key] = _past_tense(body) or TENSE_UNSPECIFIED
        return cached

    def is_habitual(self, start: int, end: int) -> bool:
        """ "He hits her sometimes", "her husband beats her", "keeps shoving me": done again and
        again, which says nothing about whether it is happening now."""
        clause = self.clause_of(start)
        habitual = self._habitual_cache.get(clause.start)
        if habitual is None:  # once per clause: a clause can be the whole 20,000 characters
            habitual = self._habitual_cache[clause.start] = bool(
                _HABITUAL.search(self.text, clause.start, clause.end)
            )
        if habitual:
            return True
        words = self.tokens_between(start, end)
        return bool(words) and bool(_HABITUAL_VERB.match(words[0].text))

    def is_progressive(self, start: int, end: int) -> bool:
        """ "He is hitting her", "they're fighting": happening as the caller speaks."""
        words = self.tokens_between(start, end)
        if not any(t.text.endswith("ing") for t in words):
            return False
        clause = self.clause_of(start)
        before = [t.text for t in self.tokens_before(start, 3, clause.start)] + [
            t.text for t in words
        ]
        return any(
            w in ("is", "are", "am", "'s", "'re", "'m", "still")
            or w.endswith(("'s", "'re", "'m"))
            or w in ("hes", "shes", "theyre", "im")
            for w in before
        )
