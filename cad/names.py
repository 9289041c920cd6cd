"""People's names: reading what a handler typed, and the one matcher every app uses.

Intelligence (people and aliases), location markers (victims and perpetrators) and the people
named on a call are all compared through this module, so "MCDONALD, Kirsty", "Kirsty McDonald"
and "K. MacDonald" are the same person wherever they are looked up.

- `parse_named_person("Brian Example (ex-husband)")` splits the name from a role or an age the
  handler typed with it ("Name (relationship)", "Name, 34", "Name - partner", "aged 34"): only
  the name is ever searched.
- `canonical_name` is the form names are compared and stored in (`name_normalised`): accents
  folded to ASCII (`unidecode`: "Siobhán" -> "siobhan"), surname-first forms turned round
  ("MCDONALD, Kirsty", "O'NEILL Siobhan"), titles, apostrophes and hyphens dropped
  ("O'Neill", "O Neill" and "ONeill" are one spelling; "Smith-Jones" is "smith jones").
- `name_key` is the blocking key stored beside it (first initial + the Metaphone code of the
  surname, from `jellyfish`; or, `spelling=True`, + the surname's first three letters), and
  `name_query_keys` the keys a look-up tries, so a database search is an index hit that also
  finds the name typed the other way round, with a middle name, with a phonetic misspelling
  ("O'Neil", "Mohamed"/"Muhammad", "Steven"/"Stephen") or a typo ("Hawkise").
- `name_score` (0-100) scores a candidate found by those keys: forename and surname are
  compared separately, an initial matches a forename that starts with it, and a surname may be
  one part of a double-barrelled one. `NAME_MATCH` is the score that counts as a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz
from unidecode import unidecode

# The score (0-100) a candidate needs to count as the same person.
NAME_MATCH = 85
# Long input is cut before it is read: no real name is longer, and the work stays bounded.
MAX_NAME_CHARS = 200
# Only so many words of a name take part in matching (forenames, middle names, surname).
MAX_NAME_WORDS = 6
# The spelling key keeps this many letters of the surname.
SPELLING_KEY_LETTERS = 3

TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "mx", "sir", "prof", "rev", "lady", "lord", "dame", "master"}
)
# Surname prefixes written apart or with an apostrophe: "O Neill", "O'Neill", "Mac Donald".
JOINED_PREFIXES = frozenset({"o", "mc", "mac"})

# Roles a handler types beside a name. Matched as whole words after the name is split off by
# brackets, a comma, a dash or a colon; without a separator only the unambiguous ones (no
# "son" or "mum": they are surnames too) are taken off the end of a name.
RELATIONSHIPS = (
    "husband wife partner boyfriend girlfriend fiance fiancee spouse ex "
    "son daughter child stepson stepdaughter father mother dad mum mom stepfather stepmother "
    "stepdad stepmum brother sister stepbrother stepsister half-brother half-sister "
    "grandfather grandmother grandson granddaughter grandad grandma uncle aunt nephew niece "
    "cousin carer neighbour friend flatmate lodger landlord colleague "
    "caller victim suspect witness informant subject perpetrator offender complainant "
    "injured party relative parent guardian in-law"
).split()
_ROLE_WORD = r"(?:ex[- ]?)?(?:step[- ]?)?(?:" + "|".join(map(re.escape, RELATIONSHIPS)) + r")s?"
_ROLE = re.compile(
    rf"^(?:(?:his|her|their|my|the|caller'?s|victim'?s)\s+)?{_ROLE_WORD}"
    rf"(?:[\s/&-]+(?:of\s+)?(?:the\s+)?(?:caller|victim|suspect|{_ROLE_WORD}))*$",
    re.IGNORECASE,
)
_BARE_ROLE_WORDS = (
    "ex-husband ex-wife ex-partner ex-boyfriend ex-girlfriend husband wife partner boyfriend "
    "girlfriend stepfather stepmother stepdad stepmum neighbour suspect victim caller"
).split()
_BARE_ROLE = re.compile(
    r"\s+(?P<role>(?:ex\s+)?(?:" + "|".join(map(re.escape, _BARE_ROLE_WORDS)) + r"))$",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"^(?:aged?\s*|age:\s*)?(?P<age>\d{1,3})\s*(?:y/?o|yrs?(?:\s*old)?|years?(?:\s*old)?)?$",
    re.IGNORECASE,
)
_TRAILING_AGE = re.compile(
    r"[\s,]+(?:aged?\s*)?(?P<age>\d{1,3})\s*(?:y/?o|yrs?(?:\s*old)?|years?(?:\s*old)?)?$",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"[(\[{]([^)\]}]*)[)\]}]?")
_DASH = re.compile(r"\s+[-–—]+\s+|\s*[–—]\s*")
_APOSTROPHES = re.compile(r"['’‘`´]")
# A date of birth typed with a name: kept in `raw`, never searched as part of the name.
_DATE_OF_BIRTH = re.compile(r"^(?:dob|d\.o\.b\.?|born)\b", re.IGNORECASE)
MAX_AGE = 120


@dataclass(frozen=True)
class NamedPerson:
    """One person as typed on a call: the name to search, and the role or age typed with it."""

    raw: str
    name: str  # e.g. "Brian Example"; "" when only a role or an age was typed
    role: str = ""  # e.g. "ex-husband"
    age: int | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "age": self.age, "raw": self.raw}

    @property
    def label(self) -> str:
        """How to show the person: "Brian Example (ex-husband, 45)"."""
        extra = ", ".join(
            x for x in (self.role, str(self.age) if self.age is not None else "") if x
        )
        name = self.name or "unnamed"
        return f"{name} ({extra})" if extra else name


def _age(text: str) -> int | None:
    match = _AGE.match(text.strip())
    if match is None:
        return None
    age = int(match.group("age"))
    return age if 0 <= age <= MAX_AGE else None


def _is_role(text: str) -> bool:
    return bool(_ROLE.match(" ".join(text.split())))


def _take(part: str, found: dict) -> bool:
    """Take a bracketed or separated part as an age or a role; False when it is neither."""
    pieces = [p.strip() for p in re.split(r"[,;]", part) if p.strip()]
    if not pieces:
        return True
    ages = [_age(p) for p in pieces]
    if any(
        a is None and not _is_role(p) and not _DATE_OF_BIRTH.match(p)
        for p, a in zip(pieces, ages, strict=True)
    ):
        return False
    for piece, age in zip(pieces, ages, strict=True):
        if _DATE_OF_BIRTH.match(piece):
            continue
        if age is not None:
            found.setdefault("age", age)
        else:
            found.setdefault("role", " ".join(piece.split()).lower())
    return True


def parse_named_person(raw: str | None) -> NamedPerson:
    """Split "Brian Example (ex-husband)", "Name, 34", "Name - partner", "partner: Name",
    "Name aged 34" or "MCDONALD, Kirsty (victim, 29)" into the name and the role and age typed
    with it. What is not recognised as a role or an age stays in the name (so nothing typed is
    lost). Never raises; any text gives a result."""
    raw = " ".join(str(raw or "").split())[:MAX_NAME_CHARS]
    text = raw
    found: dict = {}

    def bracket(match: re.Match) -> str:
        return " " if _take(match.group(1), found) else f" {match.group(1)} "

    text = _BRACKETS.sub(bracket, text)
    if ":" in text:
        before, after = text.split(":", 1)
        if _is_role(before) and after.strip():
            found.setdefault("role", " ".join(before.split()).lower())
            text = after
    parts = _DASH.split(text)
    if len(parts) > 1 and all(_take(p, found) for p in parts[1:]):
        text = parts[0]
    pieces = [p for p in text.split(",")]
    kept = [pieces[0]]
    for piece in pieces[1:]:
        if not _take(piece, found):
            kept.append(piece)
    text = ",".join(kept)
    while True:
        match = _TRAILING_AGE.search(text)
        if match and "age" not in found and _age(match.group("age")) is not None:
            found["age"] = int(match.group("age"))
            text = text[: match.start()]
            continue
        match = _BARE_ROLE.search(text)
        if match and "role" not in found and len(text[: match.start()].split()) >= 2:
            found["role"] = " ".join(match.group("role").split()).lower()
            text = text[: match.start()]
            continue
        break
    name = " ".join(text.replace(",", ", ").split()).strip(" ,;:-")
    name = re.sub(r"\s+,", ",", name)
    if name and "role" not in found and _is_role(name):
        found["role"], name = " ".join(name.split()).lower(), ""
    return NamedPerson(raw=raw, name=name, role=found.get("role", ""), age=found.get("age"))


def split_named_people(text: str | None) -> list[str]:
    """Named people typed one per line, or separated by semicolons or commas. A comma splits
    two people only when both sides are full names: "MCDONALD, Kirsty", "Brian Example, 34" and
    "Brian Example, ex-husband" are one person each."""
    people: list[str] = []
    for line in re.split(r"[\n;]+", text or ""):
        current = ""
        for piece in line.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if not current:
                current = piece
            elif _take(piece, {}) or len(current.split()) < 2 or len(piece.split()) < 2:
                current = f"{current}, {piece}"
            else:
                people.append(current)
                current = piece
        if current:
            people.append(current)
    return people


def _surname_first(text: str) -> str:
    """ "MCDONALD, Kirsty" and "MCDONALD Kirsty" (a surname in capitals first, as police
    systems write it) -> "Kirsty MCDONALD"."""
    if "," in text:
        before, _, after = text.partition(",")
        after = after.replace(",", " ")
        if re.search(r"[A-Za-z]", after) and re.search(r"[A-Za-z]", before):
            return f"{after} {before}"
        return f"{before} {after}"
    words = text.split()
    capitals = 0
    for word in words:
        letters = re.sub(r"[^A-Za-z]", "", word)
        if letters.isupper() and (len(letters) >= 3 or letters.lower() in JOINED_PREFIXES):
            capitals += 1
        else:
            break
    if 0 < capitals < len(words) and not all(
        re.sub(r"[^A-Za-z]", "", w).isupper() for w in words[capitals:]
    ):
        return " ".join(words[capitals:] + words[:capitals])
    return text


@lru_cache(maxsize=4096)
def canonical_name(raw: str | None) -> str:
    """The form a name is compared and stored in: "MCDONALD, Kirsty" -> "kirsty mcdonald",
    "Siobhán O'Neill" and "Siobhan O Neill" -> "siobhan oneill", "Mrs Anne O'Brien-Smith" ->
    "anne obrien smith". A role or an age typed with the name is left out. "" when nothing
    name-like is left."""
    text = parse_named_person(raw).name
    text = unidecode(text)
    text = _surname_first(text)
    text = _APOSTROPHES.sub("", text.lower())
    words = [w for w in re.sub(r"[^a-z]+", " ", text).split() if w not in TITLES]
    joined: list[str] = []
    for index, word in enumerate(words):
        if joined and joined[-1] in JOINED_PREFIXES and index > 1 and len(word) > 1:
            joined[-1] += word
        else:
            joined.append(word)
    return " ".join(joined)


def _words(canonical: str) -> list[str]:
    words = canonical.split()
    if len(words) > MAX_NAME_WORDS:
        words = words[: MAX_NAME_WORDS - 1] + words[-1:]
    return words


@lru_cache(maxsize=8192)
def _sound(word: str) -> str:
    return jellyfish.metaphone(word) or word


def _spelling(word: str) -> str:
    return word[:SPELLING_KEY_LETTERS]


def name_key(canonical: str, *, spelling: bool = False) -> str:
    """The blocking key stored with a name: first initial + the Metaphone code of the surname
    ("kirsty mcdonald" -> "k|MKTNLT"), or with `spelling` + the surname's first letters
    ("k|mcd", which finds a typo Metaphone hears differently: "Hawkise" for "Hawkins"). ""
    for no name."""
    words = _words(canonical)
    if not words:
        return ""
    code = _spelling if spelling else _sound
    return f"{words[0][0]}|{code(words[-1])}"[:40]


def name_query_keys(canonical: str, *, spelling: bool = False) -> tuple[str, ...]:
    """The keys to look a name up by: its own, one per middle name (a record may leave the
    real surname off a double-barrelled one) and the ones of the name turned round."""
    words = _words(canonical)
    if not words:
        return ()
    if len(words) == 1:
        return (name_key(canonical, spelling=spelling),)
    code = _spelling if spelling else _sound
    keys = [f"{words[0][0]}|{code(w)}" for w in reversed(words[1:])]
    keys += [f"{words[-1][0]}|{code(w)}" for w in words[:-1]]
    return tuple(dict.fromkeys(k[:40] for k in keys))


def _forename_score(a: str, b: str) -> int:
    if a == b:
        return 100
    if len(a) == 1 or len(b) == 1:
        return 90 if a[0] == b[0] else 0
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return 88
    ratio = round(fuzz.ratio(a, b))
    # Metaphone keeps only consonants: "john" and "jane" sound alike to it, so the spelling
    # must be close too ("steven"/"stephen", "mohammed"/"muhammad").
    if _sound(a) == _sound(b) and a[0] == b[0] and ratio >= 65:
        return max(ratio, 90)
    return ratio


def _surname_score(a: str, b: str) -> int:
    if a == b:
        return 100
    if len(a) == 1 or len(b) == 1:
        return 0  # an initial is never a surname
    ratio = round(fuzz.ratio(a, b))
    if _sound(a) == _sound(b) and ratio >= 60:
        return max(ratio, 92)
    return ratio


def _aligned(query: list[str], candidate: list[str]) -> int:
    forename = _forename_score(query[0], candidate[0])
    surname = _surname_score(query[-1], candidate[-1])
    # A middle name or one half of a double-barrelled surname may be all the other side has.
    for middle in candidate[1:-1]:
        surname = max(surname, _surname_score(query[-1], middle) - 5)
    for middle in query[1:-1]:
        surname = max(surname, _surname_score(middle, candidate[-1]) - 5)
    if forename < NAME_MATCH or surname < NAME_MATCH:
        return min(forename, surname)
    # A middle name on one side only: probably the same person, but not as sure as the same name.
    missing = 3 if len(query) != len(candidate) else 0
    return round(0.6 * surname + 0.4 * forename) - missing


def name_score(query: str, candidate: str) -> int:
    """How alike two canonical names are, 0-100 (`NAME_MATCH` and over: the same person).

    An initial matches a forename that starts with it ("k mcdonald" / "kirsty mcdonald"); a
    name written the other way round scores a little lower than the same order."""
    if not query or not candidate:
        return 0
    if query == candidate:
        return 100
    q, c = _words(query), _words(candidate)
    if len(q) == 1 or len(c) == 1:
        return round(fuzz.ratio(query, candidate)) if len(q) == len(c) else 0
    best = _aligned(q, c)
    for turned in (q[1:] + q[:1], q[-1:] + q[:-1]):
        if turned != q:
            best = max(best, _aligned(turned, c) - 3)
    return best
