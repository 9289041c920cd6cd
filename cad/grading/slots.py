"""The per-behaviour slots the handler sees: WHO did WHAT to whom, WHEN, and how CERTAIN.

Each behaviour the engine found becomes one dict:

    {"code", "label", "class", "evidence", "spans",
     "who": {"text", "kind", "span"} | None, "to_whom": {...} | None,
     "connection": {"text", "kind", "span"} | None, "blocked_by": {...} | None,
     "when": "now" | "earlier_today" | "overnight" | "history" | "unspecified",
     "certainty": "asserted" | "negated" | "hypothetical" | "reported",
     "domestic": bool}

`class` is the kind of abuse in the Domestic Abuse Act 2021 s.1(3) (with stalking and
image-based abuse named apart), so a panel can show "economic abuse by ex-partner, now".
"""

from __future__ import annotations

from bisect import bisect_right

from cad.grading.lexicon import Lexicon
from cad.grading.linking import Link
from cad.grading.people import Mention
from cad.grading.text import (
    TENSE_HISTORIC,
    TENSE_OVERNIGHT,
    TENSE_PRESENT,
    TENSE_RECENT,
    Narrative,
)

STATUTORY_CLASS = {
    "VIOLENCE": "physical or sexual abuse",
    "THREATS": "violent or threatening behaviour",
    "DAMAGE": "violent or threatening behaviour",
    "HARASSMENT": "psychological or emotional abuse",
    "STALKING": "stalking or harassment",
    "CONTROLLING": "controlling or coercive behaviour",
    "ECONOMIC": "economic abuse",
    "INTIMATE_IMAGE": "image-based abuse",
    "BREACH_OF_ORDER": "breach of a court order or bail",
    "ABUSE_HISTORY": "history of abuse",
}
_WHEN = {
    TENSE_PRESENT: "now",
    TENSE_RECENT: "earlier_today",
    TENSE_OVERNIGHT: "overnight",
    TENSE_HISTORIC: "history",
}


def _person(mention: Mention | None) -> dict | None:
    if mention is None:
        return None
    return {
        "text": mention.text,
        "kind": mention.rel_kind or mention.kind,
        "span": list(mention.span),
    }


def _reported_starts(narrative: Narrative, lexicon: Lexicon) -> list[int]:
    return [m.start() for m in lexicon.frame("reported").finditer(narrative.text)]


def _certainty(narrative: Narrative, link: Link, reported: list[int]) -> str:
    hit = link.hit
    if hit.negated:
        return "negated"
    if hit.hypothetical:
        return "hypothetical"
    sentence = narrative.sentence_of(hit.start)
    index = bisect_right(reported, hit.start) - 1
    if index >= 0 and reported[index] >= sentence.start:
        return "reported"
    return "asserted"


def describe_behaviours(narrative: Narrative, lexicon: Lexicon, links: list[Link]) -> list[dict]:
    reported = _reported_starts(narrative, lexicon)
    described = []
    for lk in links:
        hit = lk.hit
        described.append(
            {
                "code": hit.code,
                "label": hit.label,
                "class": STATUTORY_CLASS.get(hit.code, "other abuse"),
                "evidence": f'"{narrative.quote(*hit.span)}"',
                "spans": [list(hit.span)],
                "who": _person(lk.agent),
                "to_whom": _person(lk.patient),
                "connection": _person(lk.connection),
                "blocked_by": _person(lk.blocked_by),
                "when": _WHEN.get(hit.tense, "unspecified"),
                "certainty": _certainty(narrative, lk, reported),
                "domestic": lk.linked,
            }
        )
    return described
