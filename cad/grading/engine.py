"""Assisted grading engine.

`assess()` reads the narrative, the channel, the silent flag and the call-time context gathered
through `cad.context`, and returns an `Assessment`: DA indicators and risk factors, each with the
evidence that triggered it, a recommended grade, a minimum grade and the reasons.

The words live in `lexicon.toml` (data a force can tune); the rules that read them are the small
functions in `rules.py`; this module applies the grading policy:

- Domestic abuse (Domestic Abuse Act 2021): a personal connection AND abusive behaviour by or
  toward that person, or domestic abuse named outright, now or in the past.
- DA with a present danger or a serious risk factor: minimum IMMEDIATE; other DA: PRIORITY
  (resolution without deployment needs a supervisor).
- A silent or abandoned 999 call from a marked number or address: IMMEDIATE.
- A context floor (an active marker's grade) is a floor.
- Not DA: danger to life, violence or serious crime in progress, serious injury: IMMEDIATE;
  crime in progress or a vulnerable person: PRIORITY; a report: SCHEDULED; admin: RESOLUTION.
- The recommended grade is never less urgent than the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cad.context import ContextResult, Finding, FindingCategory
from cad.grading import rules
from cad.grading.lexicon import Lexicon, get_lexicon
from cad.grading.text import PAST_TENSES, TENSE_PRESENT, TENSE_RECENT, Narrative
from cad.models import Channel, Grade

SERIOUS = "serious"
CONNECTION_KINDS = {"intimate": "partner", "ex": "ex-partner", "family": "relative"}
# A weapon match starting with one of these is someone armed now, not a weapon mentioned.
ARMED_WORDS = (
    "armed",
    "holding",
    "waving",
    "brandishing",
    "carrying",
    "pulled",
    "produced",
    "wielding",
    "got",
    "has",
)


@dataclass
class Assessment:
    domestic_abuse: bool
    indicators: list[Finding]
    risk_factors: list[Finding]
    recommended_grade: str
    minimum_grade: str
    reasons: list[str]
    banners: list[dict] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    # The floor set by context (a location marker): going below it needs a supervisor.
    context_floor: str = ""
    # True when a danger is happening now (suspect present, violence in progress...).
    present_danger: bool = False
    # What kind of call the narrative reads as, e.g. "DANGER_TO_LIFE", "ROUTINE_REPORT".
    categories: list[str] = field(default_factory=list)
    # The lexicon file the assessment was made with (a force may tune its own).
    lexicon: str = ""

    def as_dict(self) -> dict:
        return {
            "domestic_abuse": self.domestic_abuse,
            "indicators": [f.as_dict() for f in self.indicators],
            "risk_factors": [f.as_dict() for f in self.risk_factors],
            "recommended_grade": self.recommended_grade,
            "minimum_grade": self.minimum_grade,
            "reasons": list(self.reasons),
            "banners": list(self.banners),
            "context": dict(self.context),
            "context_floor": self.context_floor,
            "present_danger": self.present_danger,
            "categories": list(self.categories),
        }


_RANK = {grade: rank for rank, grade in enumerate(Grade.values)}


def _more_urgent(a: str, b: str) -> str:
    """Grade.more_urgent without the enum lookups (assess runs on every keystroke)."""
    if not a:
        return b
    if not b:
        return a
    return a if _RANK[a] <= _RANK[b] else b


def _is_below(grade: str, floor: str) -> bool:
    return bool(floor) and _RANK[grade] > _RANK[floor]


class _Grades:
    """The minimum and recommended grades as rules raise them, with a reason for each rise."""

    def __init__(self):
        self.minimum = Grade.RESOLUTION
        self.recommended = Grade.RESOLUTION
        self.reasons: list[str] = []

    def floor(self, grade: str, reason: str = "") -> None:
        if not grade:
            return
        if _is_below(self.minimum, grade) and reason and reason not in self.reasons:
            self.reasons.append(reason)
        self.minimum = _more_urgent(self.minimum, grade)
        self.recommended = _more_urgent(self.recommended, grade)

    def recommend(self, grade: str, reason: str = "") -> None:
        if not grade:
            return
        if _is_below(self.recommended, grade) and reason and reason not in self.reasons:
            self.reasons.append(reason)
        self.recommended = _more_urgent(self.recommended, grade)


def _finding(narrative: Narrative, code, label, spans, weight="normal", source="narrative"):
    spans = tuple(sorted(set(spans)))
    evidence = " … ".join(f'"{narrative.quote(s, e)}"' for s, e in spans)
    return Finding(
        code=code, label=label, evidence=evidence, source=source, weight=weight, spans=spans
    )


def _join(labels: list[str]) -> str:
    labels = list(dict.fromkeys(labels))
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def assess(
    *,
    narrative: str,
    channel: str,
    silent: bool = False,
    context: list[ContextResult] = (),
    lexicon: Lexicon | None = None,
) -> Assessment:
    """Assess a call. Pure: reads nothing from the database and records nothing."""
    lexicon = lexicon or get_lexicon()
    text = Narrative(narrative or "")
    grades = _Grades()
    indicators: list[Finding] = []
    risk_factors: list[Finding] = []
    banners: list[dict] = []
    context_floor = ""
    marked = False

    # --- Context from the other apps (markers, intelligence, contact history) ---------------
    context_findings: list[Finding] = []
    for result in context:
        context_findings.extend(result.risk_factors)
        banners.extend(result.banners)
        marked = marked or result.marked
        if result.grade_floor:
            context_floor = _more_urgent(context_floor, result.grade_floor)
            grades.floor(
                result.grade_floor,
                result.floor_reason or f"Context sets the floor to {result.grade_floor}.",
            )
    context_da = [f for f in context_findings if FindingCategory.DA_HISTORY in f.categories]
    context_orders = [
        f for f in context_findings if FindingCategory.PROTECTIVE_ORDER in f.categories
    ]

    # --- People, behaviour, DA words --------------------------------------------------------
    people = rules.find_people(text, lexicon)
    behaviours = [h for h in rules.find_behaviours(text, lexicon) if not h.negated]
    links = [rules.link(text, hit, people) for hit in behaviours]
    linked = [lk for lk in links if lk.linked]
    domestic_words = rules.find_domestic_words(text, lexicon)
    orders = rules.find_orders(text, lexicon)
    risks = rules.find_risks(text, lexicon)
    categories = rules.find_categories(text, lexicon)
    connections = people.connections

    # Orders: an order named alongside a relationship is a history of abuse; an order plus the
    # person being in touch or near is a breach.
    order_history = [
        o
        for o in orders
        if any(text.sentence_of(c.start) == text.sentence_of(o.start) for c in people.relationships)
    ]
    breach_spans: list[tuple[int, int]] = []
    for order in orders:
        contact = rules.contact_after_order(text, order)
        if contact is not None:
            breach_spans = [order.span, contact.span()]
            break
    contact_now = rules.find_contact(text) if context_orders else None

    # Present danger and unconnected abuse (the rest of the DA decision uses them).
    present_hits = [h for h in risks if h.rule.present and h.tense != TENSE_RECENT]
    present_behaviour = [lk.hit for lk in links if rules.is_present_danger(lk.hit)]
    # "DV in progress at number 12": domestic abuse named as happening now.
    present_behaviour += [h for h in domestic_words if h.tense == TENSE_PRESENT]
    unblocked = [lk for lk in links if lk.blocked_by is None]

    # --- Domestic abuse ---------------------------------------------------------------------
    da_reasons: list[str] = []
    if linked:
        by_connection: dict[int, list] = {}
        for lk in linked:
            by_connection.setdefault(lk.connection.start, []).append(lk)
        for group in by_connection.values():
            connection = group[0].connection
            indicators.append(
                _finding(
                    text,
                    "PERSONAL_CONNECTION",
                    f"Personal connection ({CONNECTION_KINDS.get(connection.rel_kind, 'implied by the behaviour')})",
                    [(connection.start, connection.end)],
                )
            )
        seen_codes: dict[str, list] = {}
        for lk in linked:
            seen_codes.setdefault(lk.hit.code, []).append(lk.hit)
        for code, hits in seen_codes.items():
            past = all(h.tense in PAST_TENSES for h in hits)
            label = hits[0].label + (" (in the past)" if past else "")
            indicators.append(_finding(text, code, label, [h.span for h in hits]))
        first = linked[0]
        da_reasons.append(
            f'Domestic abuse: {_lower_first(first.hit.label)} ("{text.quote(*first.hit.span)}") '
            + (
                f'between personally connected people ("{first.connection.text}").'
                if first.connection.kind == rules.REL
                else f'by "{first.connection.text}", someone the caller knows (no stranger named).'
            )
        )
    if domestic_words:
        historic = [h for h in domestic_words if h.tense in PAST_TENSES]
        current = [h for h in domestic_words if h.tense not in PAST_TENSES]
        if current:
            indicators.append(
                _finding(text, "DOMESTIC_NAMED", "Domestic abuse named", [h.span for h in current])
            )
            da_reasons.append(
                f'Domestic abuse named by the caller ("{text.quote(*current[0].span)}").'
            )
        if historic:
            indicators.append(
                _finding(
                    text, "DA_HISTORY", "History of domestic abuse", [h.span for h in historic]
                )
            )
            sentence = text.sentence_of(historic[0].start)
            da_reasons.append(
                "History of domestic abuse: "
                f'"{text.quote(sentence.start, sentence.end).rstrip(".")}".'
            )
    if order_history:
        indicators.append(
            _finding(
                text,
                "PROTECTIVE_ORDER",
                "Court order or bail protecting the victim",
                [o.span for o in order_history],
            )
        )
        da_reasons.append(
            f'A protective order is in place ("{text.quote(*order_history[0].span)}").'
        )
    if context_da and (unblocked or present_hits):
        for found in context_da:
            indicators.append(
                Finding(
                    code="CONTEXT_DA_HISTORY",
                    label=f"History of domestic abuse on record: {found.label}",
                    evidence=found.evidence,
                    source=found.source,
                    weight=found.weight,
                )
            )
        da_reasons.append(
            f"History of domestic abuse on record ({_lower_first(context_da[0].label)}) and "
            "the caller describes abuse or someone at the address now."
        )
    domestic_abuse = bool(indicators)
    if domestic_abuse:
        third = [
            lk.connection
            for lk in linked
            if lk.connection.possessor == "noun" or "couple" in lk.connection.text.lower()
        ]
        third += [
            lk.patient
            for lk in linked
            if lk.patient is not None
            and lk.patient.kind == rules.REL
            and lk.patient.possessor == "caller"
            and lk.connection is not lk.patient
        ]
        if third:
            indicators.append(
                _finding(
                    text,
                    "THIRD_PARTY",
                    "Reported by a third party",
                    [(m.start, m.end) for m in third],
                )
            )
    elif connections:
        blocked = [lk for lk in links if lk.blocked_by is not None]
        if blocked:
            da_reasons.append(
                f'Not domestic abuse on these words: "{text.quote(*blocked[0].hit.span)}" is by '
                f'someone not personally connected ("{blocked[0].blocked_by.text}").'
            )
        else:
            da_reasons.append(
                f'A relationship is mentioned ("{connections[0].text}") but no abusive behaviour: '
                "not domestic abuse on these words alone."
            )

    # --- Risk factors -----------------------------------------------------------------------
    seen_risks: dict[str, list] = {}
    for hit in risks:
        if hit.rule.da_only and not domestic_abuse:
            continue
        seen_risks.setdefault(hit.code, []).append(hit)
    for code, hits in seen_risks.items():
        current = [h for h in hits if rules.risk_weight(h) == SERIOUS]
        weight = SERIOUS if current else hits[0].rule.weight
        if hits[0].rule.weight == SERIOUS and not current:
            weight = "normal"
        past = all(h.tense in PAST_TENSES for h in hits)
        label = hits[0].label + (" (in the past)" if past else "")
        risk_factors.append(_finding(text, code, label, [h.span for h in hits], weight=weight))
    narrative_codes = {f.code for f in risk_factors}
    if breach_spans and "BREACH_OF_ORDER" not in narrative_codes:
        risk_factors.append(
            _finding(
                text,
                "BREACH_OF_ORDER",
                "Breach of a court order, bail or injunction",
                breach_spans,
                weight=SERIOUS,
            )
        )
    if context_orders and contact_now is not None and "BREACH_OF_ORDER" not in narrative_codes:
        if not breach_spans:
            risk_factors.append(
                Finding(
                    code="BREACH_OF_ORDER",
                    label="Possible breach of a live order or bail on record",
                    evidence=f'{context_orders[0].evidence}; caller: "{text.quote(*contact_now.span())}"',
                    source=context_orders[0].source,
                    weight=SERIOUS,
                    spans=(contact_now.span(),),
                )
            )
    risk_factors.extend(context_findings)

    # --- Grades -----------------------------------------------------------------------------
    present_labels = [h.label for h in present_hits] + [
        f"{_lower_first(h.label)} now" for h in present_behaviour
    ]
    serious = [f for f in risk_factors if f.weight == SERIOUS]
    present_danger = bool(present_hits or present_behaviour)
    empty_999 = channel == Channel.EMERGENCY and not (narrative or "").strip()
    silent_cues = [hit for category, hit, _ in categories if category.silent]
    is_silent = bool(silent or empty_999 or silent_cues)

    if domestic_abuse:
        grades.reasons.extend(da_reasons)
        if present_danger:
            grades.floor(
                Grade.IMMEDIATE,
                f"Domestic abuse with a present danger ({_join(present_labels)}): IMMEDIATE.",
            )
        elif serious:
            grades.floor(
                Grade.IMMEDIATE,
                "Domestic abuse with a serious risk factor "
                f"({_join([_lower_first(f.label) for f in serious])}): IMMEDIATE.",
            )
        else:
            grades.floor(
                Grade.PRIORITY,
                "Domestic abuse: at least PRIORITY; resolution without deployment needs a "
                "supervisor.",
            )
        threshold = lexicon.setting("recommend_immediate_at_risk_count", 3)
        if len({f.code for f in risk_factors}) >= threshold:
            grades.recommend(
                Grade.IMMEDIATE,
                f"{len({f.code for f in risk_factors})} risk factors together: IMMEDIATE "
                "recommended.",
            )
    else:
        grades.reasons.extend(da_reasons)

    if is_silent and channel == Channel.EMERGENCY:
        if marked:
            grades.floor(
                Grade.IMMEDIATE,
                "Silent or abandoned 999 call from a marked number or address: IMMEDIATE.",
            )
            # The marker sets this floor, so lowering it needs a supervisor (supervisor_needed).
            context_floor = Grade.IMMEDIATE
        else:
            grades.floor(
                lexicon.setting("silent_unmarked_minimum", Grade.PRIORITY),
                "Silent or abandoned 999 call: call back and check the caller's history.",
            )
            grades.recommend(lexicon.setting("silent_unmarked_grade", Grade.PRIORITY))

    _grade_by_kind(text, lexicon, grades, categories, links, risks, present_hits, channel)

    if grades.recommended == Grade.RESOLUTION and not any(g for _, _, g in categories):
        key = channel if channel in lexicon.setting("unknown_grade", {}) else "default"
        unknown = lexicon.setting("unknown_grade", {}).get(key, Grade.SCHEDULED)
        unknown_minimum = lexicon.setting("unknown_minimum", {})
        grades.floor(unknown_minimum.get(channel, unknown_minimum.get("default", "")))
        if _is_below(grades.recommended, unknown):
            grades.recommend(
                unknown,
                f"Nothing in the narrative sets the grade: {unknown} for a {channel} call "
                "until the handler grades it.",
            )

    return Assessment(
        domestic_abuse=domestic_abuse,
        indicators=indicators,
        risk_factors=risk_factors,
        recommended_grade=_more_urgent(grades.recommended, grades.minimum),
        minimum_grade=grades.minimum,
        reasons=grades.reasons,
        banners=banners,
        context={r.provider: r.panel for r in context},
        context_floor=context_floor,
        present_danger=present_danger
        or bool(
            [c for c, h, g in categories if g == Grade.IMMEDIATE and c.code == "DANGER_TO_LIFE"]
        ),
        categories=list(dict.fromkeys(c.code for c, _, g in categories if g)),
        lexicon=lexicon.source,
    )


def _grade_by_kind(text, lexicon, grades: _Grades, categories, links, risks, present_hits, channel):
    """Grades from what kind of call it is, whether or not it is domestic abuse."""
    # Call categories from the lexicon (danger to life, crime in progress, report, admin...). A
    # category may override others ("an update on my burglary" is admin, not a new report).
    overridden = {code for category, _, _ in categories for code in category.overrides}
    ranked = sorted(categories, key=lambda c: _RANK[c[2] or Grade.RESOLUTION])
    for category, hit, grade in ranked:
        if not grade or category.code in overridden:
            continue
        reason = category.reason
        if grade != category.grade:
            when = "in the past" if hit.tense in PAST_TENSES else "earlier"
            reason = f"{category.label} ({when}): {grade}"
        grades.floor(grade, f'{reason} ("{text.quote(*hit.span)}").' if reason else "")

    # Violence by anyone: now or just now IMMEDIATE, earlier today PRIORITY, past SCHEDULED.
    for lk in links:
        hit = lk.hit
        if hit.code != "VIOLENCE" or hit.hypothetical or hit.descriptive:
            continue
        if lk.patient is not None and lk.patient.possessive == "thing":
            continue  # "my husband's dog was attacked"
        words = f'"{text.quote(*hit.span)}"'
        if hit.current and channel == Channel.EMERGENCY:
            grades.floor(Grade.IMMEDIATE, f"Violence now or just now ({words}): IMMEDIATE.")
        elif hit.current or hit.tense == TENSE_RECENT:
            # A 101 or online caller has judged it is not happening now.
            grades.floor(Grade.PRIORITY, f"Violence reported, not in progress ({words}): PRIORITY.")
        else:
            grades.floor(Grade.SCHEDULED, f"Violence in the past ({words}): SCHEDULED.")

    by_code: dict[str, list] = {}
    for hit in risks:
        by_code.setdefault(hit.code, []).append(hit)
    current_threats = [
        lk.hit
        for lk in links
        if lk.hit.code in ("VIOLENCE", "THREATS") and lk.hit.current and not lk.hit.descriptive
    ]
    # A weapon with violence, threats or someone there now: IMMEDIATE; mentioned alone: PRIORITY.
    weapons = [h for h in by_code.get("WEAPON", []) if h.current]
    if weapons:
        words = f'"{text.quote(*weapons[0].span)}"'
        armed = [h for h in weapons if text.text[h.start : h.end].startswith(ARMED_WORDS)]
        if current_threats or present_hits or armed:
            grades.floor(
                Grade.IMMEDIATE,
                f"Weapon with violence, threats or someone there ({words}): IMMEDIATE.",
            )
        else:
            grades.floor(Grade.PRIORITY, f"Weapon mentioned ({words}): PRIORITY.")
    for code in ("THREATS_TO_KILL", "STRANGULATION"):
        current = [h for h in by_code.get(code, []) if h.current]
        if current:
            words = f'"{text.quote(*current[0].span)}"'
            grades.floor(Grade.IMMEDIATE, f"{current[0].label} ({words}): IMMEDIATE.")
    # Someone at the door or trying to get in, when nothing else explains it: PRIORITY.
    if present_hits:
        words = f'"{text.quote(*present_hits[0].span)}"'
        grades.floor(Grade.PRIORITY, f"{present_hits[0].label} ({words}): PRIORITY.")
