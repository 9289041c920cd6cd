"""Finding what matches a number, an address or a name.

Exact matches use the normalised forms from `cad.normalise` (the same everywhere, so records,
contacts and incidents link). On PostgreSQL a fuzzy fallback finds candidates through blocking-key
indexes (migration 0003: house/flat numbers + the street's first two letters; first initial + the
surname's double metaphone) and scores them with pg_trgm's `similarity()`. A fuzzy address
match must agree exactly on the house and flat numbers (and on the postcode when both sides
have one), so "12 Acacia Avenue" never matches "14 Acacia Avenue". On SQLite (the embedded demo)
only exact address matching runs.

Names go through the one name matcher (`cad.names`): a stored, indexed blocking key
(`PersonName.name_key`) finds the candidates on every database, and its score decides. Every
match carries its score.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q

from cad.names import NAME_MATCH, name_query_keys, name_score
from cad.normalise import Address, normalise_address

# Trigram similarity (0-1) a fuzzy address needs to count as a match.
ADDRESS_SIMILARITY_MIN = 0.5
# Score (0-100) a fuzzy name needs to count as a match (the one name matcher's threshold).
NAME_SCORE_MIN = NAME_MATCH
# How many fuzzy candidates to consider per lookup: enough for typos, bounded for speed.
FUZZY_CANDIDATES = 50


def fuzzy_available() -> bool:
    return connection.vendor == "postgresql"


def numbers_key(numbers: tuple[str, ...]) -> str:
    """The house/flat numbers of an address as one comparable string ("3 12a")."""
    return " ".join(sorted(numbers))


def same_premises(query: Address, candidate_normalised: str) -> bool:
    """True when a fuzzily similar address can be the same premises: identical house and flat
    numbers, and the same postcode when both have one."""
    candidate = normalise_address(candidate_normalised)
    if numbers_key(candidate.numbers) != numbers_key(query.numbers):
        return False
    if query.postcode and candidate.postcode and query.postcode != candidate.postcode:
        return False
    return True


@dataclass(frozen=True)
class AddressHit:
    row_id: int
    address_normalised: str
    exact: bool
    score: int  # 0-100

    @property
    def why(self) -> str:
        if self.exact:
            return f"address {self.address_normalised}"
        return f"address {self.address_normalised} (similar, {self.score}%)"


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


def fuzzy_address_rows(*, table: str, query: Address) -> list[AddressHit]:
    """Rows of `table` (with `id` and `address_normalised`) whose address is similar to the
    query and names the same premises. PostgreSQL only; [] elsewhere."""
    if not fuzzy_available() or not query.normalised:
        return []
    sql = (
        f"SELECT id, address_normalised, similarity(address_normalised, %s) AS score "  # noqa: S608
        f"FROM {table} "
        f"WHERE intel_address_key(address_normalised) = intel_address_key(%s) "
        f"AND address_normalised <> %s AND similarity(address_normalised, %s) >= %s "
        f"ORDER BY score DESC LIMIT {FUZZY_CANDIDATES}"
    )
    text = query.normalised
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, text, text, text, ADDRESS_SIMILARITY_MIN])
        rows = cursor.fetchall()
    return [
        AddressHit(row_id=row_id, address_normalised=found, exact=False, score=round(score * 100))
        for row_id, found, score in rows
        if same_premises(query, found)
    ]


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
