"""Address search as the handler types: postcode, number, street, flat, in any order, with
abbreviations, half-typed words and typos.

How it stays fast at a million premises (measured in tests/perf/test_premises_search.py):
1. Each typed word is read against the vocabulary (`SearchWord`, tens of thousands of words):
   exactly, as an abbreviation ("ho" -> house), as the start of a word ("acac" -> acacia), or as
   a typo (a trigram index finds candidates, rapidfuzz keeps those one or two edits away).
2. Premises carrying one reading of every word are found through an inverted (GIN) index on
   their search words: an AND of ORs, which PostgreSQL answers from the rarest word's postings.
   If no premises carries them all, the weakest word is dropped and the search retried.
3. At most `CANDIDATES` premises are ranked in Python: exact words over abbreviations over
   completions over typos, a typed number on the building or flat it names, buildings before
   their flats.

On SQLite (the embedded demo) the same words are matched with LIKE over a small register.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Concat
from rapidfuzz.distance import OSA

from premises.models import Premises, SearchWord
from premises.words import (
    ABBREVIATIONS,
    FLAT_WORDS,
    FLOORS,
    NOISE,
    POSTCODE,
    fold,
    is_number,
    split_words,
)

# Longest query the search reads (more is refused by the API, cut here for any other caller).
MAX_QUERY_CHARS = 200
# Most words of a query that are searched: an address has no more.
MAX_QUERY_WORDS = 10
# Premises ranked per search: enough that the right one is among them once a number or a street
# is typed; bounded for speed.
CANDIDATES = 200
# Completions of a half-typed word and typo corrections considered per word.
COMPLETIONS = 8
TYPO_CANDIDATES = 30
# Trigram similarity below which a vocabulary word is not even a typo candidate.
TYPO_SIMILARITY = 0.2

# How much a word counts, by how it was read.
EXACT, ABBREVIATION, COMPLETION, TYPO = "exact", "abbreviation", "completion", "typo"
WEIGHT = {EXACT: 3.0, ABBREVIATION: 3.0, COMPLETION: 2.0, TYPO: 1.5}


# --- What premises are searched by ------------------------------------------------------------


def search_words(
    *,
    sub_building_key: str,
    building_key: str,
    number_key: str,
    street_key: str,
    locality_key: str,
    town_key: str,
    postcode: str,
) -> str:
    """The words a premises is found by, space-separated and each once: its keys' words, its
    postcode district ("ls6") and its postcode without the space ("ls62ab")."""
    words = " ".join(
        (sub_building_key, building_key, number_key, street_key, locality_key, town_key)
    ).split()
    if postcode:
        words += [postcode.split(" ")[0].lower(), postcode.replace(" ", "").lower()]
    return " ".join(dict.fromkeys(words))


# --- What the handler typed --------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    """Typed words, folded: a postcode is one word ("LS6 2AB" -> "ls62ab"); flat words and noise
    dropped (the number after them is the flat); each word once, at most `MAX_QUERY_WORDS`."""
    text = POSTCODE.sub(lambda m: f" {m.group(1)}{m.group(2)} ", fold(query[:MAX_QUERY_CHARS]))
    words = [w for w in split_words(text) if w not in FLAT_WORDS and w not in NOISE]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


@dataclass
class Group:
    """One typed word and the vocabulary words it may be, each with how it was read."""

    typed: str
    readings: dict[str, str] = field(default_factory=dict)
    last: bool = False

    @property
    def number(self) -> bool:
        return is_number(self.typed)

    @property
    def strength(self) -> float:
        return max((WEIGHT[kind] for kind in self.readings.values()), default=0.0)

    def weight_of(self, words: set[str]) -> float:
        return max((WEIGHT[k] for w, k in self.readings.items() if w in words), default=0.0)


def _spelt_out(word: str) -> list[str]:
    if word == "st":
        return ["street", "saint"]
    spelt = ABBREVIATIONS.get(word) or FLOORS.get(word)
    return [spelt] if spelt and spelt != word else []


def read_words(words: list[str]) -> list[Group]:
    """Each typed word's readings in the vocabulary (see the module docstring): `words` as
    `query_words` gives them, one `Group` per word in the same order. On PostgreSQL two
    queries whatever the number of words: the words known exactly, then every word's
    completions and typos together (`_completions_and_typos`)."""
    groups = [Group(typed=w, last=i == len(words) - 1) for i, w in enumerate(words)]
    wanted = {w for g in groups for w in [g.typed, *_spelt_out(g.typed)]}
    known = set(SearchWord.objects.filter(word__in=wanted).values_list("word", flat=True))
    for group in groups:
        if group.typed in known:
            group.readings[group.typed] = EXACT
        for spelt in _spelt_out(group.typed):
            if spelt in known:
                group.readings.setdefault(spelt, ABBREVIATION)
    # A number is completed only while it is being typed (the last word); any other word when
    # it is the last or is not known; a typo is looked for only when nothing else read it.
    unread = [g for g in groups if not (g.number and not g.last) and (g.last or not g.readings)]
    for group, (completions, typos) in zip(unread, _completions_and_typos(unread), strict=True):
        for word in completions:
            group.readings.setdefault(word, COMPLETION)
        if not group.readings:
            for word in typos:
                group.readings.setdefault(word, TYPO)
    return groups


def _typo_wanted(group: Group) -> bool:
    """Whether a word with no exact or abbreviated reading may be a typo (if no completion)."""
    return not group.readings and len(group.typed) >= 4 and not group.number


def _completions_and_typos(groups: list[Group]) -> list[tuple[list[str], list[str]]]:
    """For each group (in order): its word's `_completions`, and its `_typos` when it may be a
    typo (`_typo_wanted`) and has no completion (else []). On PostgreSQL in one query: one
    array per word and kind, each the look-up `_completions` or `_typos` runs for one word; on
    SQLite (the embedded demo) one look-up after another."""
    if connection.vendor != "postgresql":
        found = []
        for group in groups:
            completions = _completions(group.typed)
            typos = _typos(group.typed) if _typo_wanted(group) and not completions else []
            found.append((completions, typos))
        return found
    columns, params, wanted = [], [], []
    for i, group in enumerate(groups):
        pattern = _like_prefix(group.typed)
        if pattern is None:
            continue
        columns.append(f"ARRAY({_COMPLETIONS_SQL})")
        params += [pattern + "%", group.typed, COMPLETIONS]
        wanted.append((i, 0))
        if _typo_wanted(group):
            columns.append(f"ARRAY({_TYPOS_SQL})")
            params += [pattern + "%", group.typed, group.typed, group.typed, TYPO_CANDIDATES]
            wanted.append((i, 1))
    found: list[tuple[list[str], list[str]]] = [([], []) for _ in groups]
    if not columns:
        return found
    sql = "SELECT " + ", ".join(columns)
    if any(kind == 1 for _, kind in wanted):
        sql = f"SET pg_trgm.similarity_threshold = {TYPO_SIMILARITY}; " + sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    for (i, kind), words in zip(wanted, row, strict=True):
        if kind == 0:
            found[i][0].extend(words)
        else:
            found[i][1].extend(_close(groups[i].typed, words))
    return found


# One word's completions, as `_completions` asks for them.
_COMPLETIONS_SQL = (
    "SELECT word FROM premises_searchword WHERE word::text LIKE %s AND NOT word = %s "
    "ORDER BY premises_count DESC, word LIMIT %s"
)
# One word's typo candidates (params: the word, the word, how many), as `_typos` asks for them.
_TYPO_CANDIDATES = (
    "lower(word) %% %s AND word ~ '^[a-z]+$' "
    "ORDER BY similarity(lower(word), %s) DESC, premises_count DESC LIMIT %s"
)
# The same, only when the word has no completion (params first: its LIKE prefix, the word).
_TYPOS_SQL = (
    "SELECT word FROM premises_searchword "
    "WHERE NOT EXISTS (SELECT FROM premises_searchword WHERE word::text LIKE %s AND NOT word = %s) "
    f"AND {_TYPO_CANDIDATES}"
)


def _like_prefix(prefix: str) -> str | None:
    """The LIKE prefix `_completions` looks a word up by, or None when it looks nothing up."""
    if len(prefix) < 2 and not prefix.isdigit():
        return None
    return prefix.replace("\\", "").replace("%", "").replace("_", "")


def _completions(prefix: str) -> list[str]:
    """The most common vocabulary words starting with `prefix` (not `prefix` itself)."""
    pattern = _like_prefix(prefix)
    if pattern is None:
        return []
    return list(
        SearchWord.objects.filter(word__startswith=pattern)
        .exclude(word=prefix)
        .order_by("-premises_count", "word")
        .values_list("word", flat=True)[:COMPLETIONS]
    )


def _typos(word: str) -> list[str]:
    """Vocabulary words one edit from `word` (two for words of eight letters or more): a
    substitution, a missing or extra letter, or two letters swapped."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SET pg_trgm.similarity_threshold = {TYPO_SIMILARITY}; "
                f"SELECT word FROM premises_searchword WHERE {_TYPO_CANDIDATES}",
                [word, word, TYPO_CANDIDATES],
            )
            candidates = [row[0] for row in cursor.fetchall()]
    else:
        candidates = list(
            SearchWord.objects.filter(word__startswith=word[0]).values_list("word", flat=True)[
                :5000
            ]
        )
    return _close(word, candidates)


def _close(word: str, candidates: list[str]) -> list[str]:
    """The candidates (in order) one edit from `word`, two for words of eight letters or more."""
    allowed = 2 if len(word) >= 8 else 1
    return [c for c in candidates if not is_number(c) and OSA.distance(word, c) <= allowed]


# --- Finding and ranking premises ---------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    premises: Premises
    score: float
    # Every typed word was read as one of this premises' words (none ignored or dropped).
    complete: bool = False


def premises_search(query: str, *, limit: int = 10) -> list[SearchHit]:
    """Premises for what the handler typed, best first (at most `limit`).

    `query`: free text ("21a acacia ho mill la", "ls6 2ab 5", "mill lane 5 leeds"). Words that
    match nothing in the register are ignored; a query with no known word finds nothing.
    """
    typed = read_words(query_words(query or ""))
    groups = [g for g in typed if g.readings]
    if not groups:
        return []
    rows = _find(groups)
    while not rows and len(groups) > 1:
        groups = _without_weakest(groups)
        rows = _find(groups)
    return _rank(rows, groups, all_read=len(groups) == len(typed))[:limit]


def _without_weakest(groups: list[Group]) -> list[Group]:
    """Drop the word least likely to be right: a typo over a completion over an exact word;
    among equals, the last typed (the one still being typed)."""
    weakest = min(range(len(groups)), key=lambda i: (groups[i].strength, -i))
    return groups[:weakest] + groups[weakest + 1 :]


def _find(groups: list[Group]) -> list[Premises]:
    if connection.vendor == "postgresql":
        query = " & ".join(
            "(" + " | ".join(_lexeme(w) for w in sorted(g.readings)) + ")" for g in groups
        )
        return list(
            Premises.objects.raw(
                "SELECT * FROM premises_premises "
                "WHERE array_to_tsvector(string_to_array(search_text, ' ')) @@ %s::tsquery "
                "LIMIT %s",
                [query, CANDIDATES],
            )
        )
    padded = Premises.objects.annotate(padded=Concat(Value(" "), "search_text", Value(" ")))
    for group in groups:
        any_reading = Q()
        for word in group.readings:
            any_reading |= Q(padded__contains=f" {word} ")
        padded = padded.filter(any_reading)
    return list(padded[:CANDIDATES])


def _lexeme(word: str) -> str:
    """A word as a quoted tsquery lexeme (words are [a-z0-9/-] already; quotes doubled anyway)."""
    return "'" + word.replace("\\", "").replace("'", "''") + "'"


def _rank(rows: list[Premises], groups: list[Group], *, all_read: bool) -> list[SearchHit]:
    numbers = [g for g in groups if g.number]
    hits = []
    for premises in rows:
        words = set(premises.search_text.split())
        score = sum(g.weight_of(words) for g in groups)
        for group in numbers:
            if group.readings.get(premises.number_key) == EXACT:
                score += 1.0
            elif group.readings.get(premises.sub_building_key) == EXACT:
                score += 0.75
        if premises.sub_building_key and not any(
            premises.sub_building_key in g.readings for g in numbers
        ):
            score -= 0.5  # the building before its flats, unless a flat was typed
        score -= 0.02 * len(words)
        complete = all_read and all(g.weight_of(words) for g in groups)
        hits.append(SearchHit(premises=premises, score=round(score, 2), complete=complete))
    hits.sort(key=lambda h: (-h.score, _natural(h.premises)))
    return hits


def _natural(premises: Premises) -> tuple:
    def number(text: str) -> tuple:
        digits = "".join(c for c in text.split("-")[0] if c.isdigit())
        return (int(digits) if digits else 0, text)

    return (
        premises.street_key,
        number(premises.number_key),
        number(premises.sub_building_key),
        premises.uprn,
    )
