"""Finding what matches a name (addresses are matched by premises: `premises.addressing`).

Exact matches use the normalised forms from `cad.normalise`. On PostgreSQL a fuzzy fallback finds
candidates through a blocking-key index (migration 0003: first initial + the surname's double
metaphone) and scores them with rapidfuzz. Every match carries its score. On SQLite (the
embedded demo) only exact matching runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from rapidfuzz import fuzz

# Score (0-100) a fuzzy name needs to count as a match.
NAME_SCORE_MIN = 85
# How many fuzzy candidates to consider per lookup: enough for typos, bounded for speed.
FUZZY_CANDIDATES = 50


def fuzzy_available() -> bool:
    return connection.vendor == "postgresql"


def numbers_key(numbers: tuple[str, ...]) -> str:
    """The house/flat numbers of an address as one comparable string ("3 12a")."""
    return " ".join(sorted(numbers))


@dataclass(frozen=True)
class NameHit:
    person_id: int
    query: str
    matched: str
    score: int
    alias: bool

    @property
    def why(self) -> str:
        alias = " (alias)" if self.alias else ""
        return f"name '{self.query}' ~ {self.matched}{alias}, score {self.score}"


def name_score(query: str, candidate: str) -> int:
    return round(fuzz.token_sort_ratio(query, candidate))


def match_names(names: tuple[str, ...]) -> list[NameHit]:
    """People whose name or alias matches one of the (normalised) names, best score first."""
    from intelligence.models import PersonName

    hits: dict[tuple[int, str], NameHit] = {}
    for query in names:
        if not query:
            continue
        if fuzzy_available():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT person_id, name, name_normalised, kind FROM intelligence_personname "
                    "WHERE name_normalised = %s "
                    "OR intel_name_key(name_normalised) = intel_name_key(%s) "
                    f"ORDER BY similarity(name_normalised, %s) DESC LIMIT {FUZZY_CANDIDATES}",
                    [query, query, query],
                )
                rows = cursor.fetchall()
        else:
            rows = PersonName.objects.filter(name_normalised=query).values_list(
                "person_id", "name", "name_normalised", "kind"
            )[:FUZZY_CANDIDATES]
        for person_id, name, normalised, kind in rows:
            score = 100 if normalised == query else name_score(query, normalised)
            if score < NAME_SCORE_MIN:
                continue
            key = (person_id, query)
            if key not in hits or hits[key].score < score:
                hits[key] = NameHit(
                    person_id=person_id,
                    query=query,
                    matched=name,
                    score=score,
                    alias=kind == PersonName.Kind.ALIAS,
                )
    return sorted(hits.values(), key=lambda h: (-h.score, h.person_id))
