"""Finding what matches a name (addresses are matched by premises: `premises.addressing`).

Names go through the one name matcher (`cad.names`): stored, indexed blocking keys
(`PersonName.name_key`, phonetic, and `name_spelling_key`) find the candidates on every
database, and its score decides. Every match carries its score.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q

from cad.names import NAME_MATCH, name_query_keys, name_score

# Score (0-100) a fuzzy name needs to count as a match (the one name matcher's threshold).
NAME_SCORE_MIN = NAME_MATCH
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
        """In words, for the reader: "name Kirsty McDonald", "name similar to Kirsty McDonald",
        "name Bri Example (an alias)"."""
        alias = " (an alias)" if self.alias else ""
        similar = "" if self.score == 100 else "similar to "
        return f"name {similar}{self.matched}{alias}"


def match_names(names: tuple[str, ...]) -> list[NameHit]:
    """People whose name or alias matches one of the (canonical) names, best score first.

    Candidates come from the `name_key` index (`cad.names.name_query_keys`: the name's own key,
    a key per middle name and the name turned round), at most `FUZZY_CANDIDATES` per name, and
    are scored by `cad.names.name_score`. The same on PostgreSQL and SQLite."""
    from intelligence.models import PersonName

    hits: dict[tuple[int, str], NameHit] = {}
    for query in names:
        if not query:
            continue
        fields = ("person_id", "name", "name_normalised", "kind")
        exact = PersonName.objects.filter(name_normalised=query).order_by("id")
        similar = PersonName.objects.filter(
            Q(name_key__in=name_query_keys(query))
            | Q(name_spelling_key__in=name_query_keys(query, spelling=True))
        ).exclude(name_normalised=query)
        if fuzzy_available():
            # The closest spellings first when a common key ("j|SM0") holds many people.
            similar = similar.annotate(closeness=TrigramSimilarity("name_normalised", query))
            similar = similar.order_by("-closeness", "id")
        else:
            similar = similar.order_by("id")
        rows = list(exact.values_list(*fields)[:FUZZY_CANDIDATES])
        rows += list(similar.values_list(*fields)[:FUZZY_CANDIDATES])
        for person_id, name, normalised, kind in rows:
            score = name_score(query, normalised)
            if score < NAME_MATCH:
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
