"""The seam through which grading gets call-time context from the apps built on `cad`.

`cad` must not import `intelligence` or `riskflags`. Instead they register a provider from their
`AppConfig.ready()` (the way Django's checks framework collects checks). When a call is assessed,
every provider's `gather` is asked about the caller's number, address and names; when an incident
is created from that call, every provider's `attach` may persist what it found (for example the
intelligence check that ran). Providers may also add read-only fields to the incident's API
representation (`incident_fields`), e.g. `intel_check` and `markers`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cad.normalise import Address
from premises.addressing import AddressQuery

logger = logging.getLogger(__name__)


class FindingCategory:
    """What a context finding means for grading, set by the provider that made it.

    Grading reasons about these categories, never about another app's finding codes, so an app
    can rename or add codes without silently removing a safety uplift.
    """

    # A history of domestic abuse for this caller, number, address or named person
    # (DA crimes, DA incidents, MARAC, DVDS disclosures).
    DA_HISTORY = "da_history"
    # A live court order or bail conditions that protect someone on this call.
    PROTECTIVE_ORDER = "protective_order"
    # A live location risk marker (special scheme) or one that ended recently.
    RISK_MARKER = "risk_marker"
    # A warning about a person or place (weapons, violence, officer safety).
    WARNING = "warning"
    # Repeat contacts, previous incidents and other history that is not DA.
    HISTORY = "history"
    # Something happening now that puts someone in danger.
    PRESENT_DANGER = "present_danger"
    # Anything else.
    OTHER = "other"


@dataclass(frozen=True)
class Finding:
    """One reason the assessment gives, with the words or record that triggered it."""

    code: str
    label: str
    evidence: str
    source: str = "narrative"  # "narrative", "marker", "intel", "history", "channel"
    weight: str = "normal"  # "serious" findings make a DA call IMMEDIATE
    # Character offsets [start, end) of the triggering words in the narrative, for highlighting.
    spans: tuple[tuple[int, int], ...] = ()
    # Categories (`FindingCategory`) a context provider gives its finding; grading reads these.
    categories: frozenset[str] = frozenset()
    # The record behind a context finding ("record #12", "marker #3"): a screen shows the
    # finding and the provider's banner about the same record once (`cad.warnings`).
    ref: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "evidence": self.evidence,
            "source": self.source,
            "weight": self.weight,
            "spans": [list(span) for span in self.spans],
            "categories": sorted(self.categories),
            "ref": self.ref,
        }


@dataclass(frozen=True)
class CallQuery:
    """What is known about a call when it is assessed."""

    phone: str  # E.164 or ""
    address: Address
    names: tuple[str, ...]
    channel: str
    silent: bool  # the silent flag, or a 999 call with nothing said
    now: datetime
    exclude_incident_id: int | None = None  # don't count the incident being reassessed
    # The address resolved to the premises register: what markers, intelligence and history
    # are looked up by (`premises.addressing.rows_at`). None when no address was given.
    place: AddressQuery | None = None


@dataclass
class ContextResult:
    """What one provider found about a call."""

    provider: str
    risk_factors: list[Finding] = field(default_factory=list)
    # The least urgent grade this call may have because of the context (e.g. a marker's floor).
    grade_floor: str = ""
    floor_reason: str = ""
    # True when the number or address is marked, so a silent or abandoned 999 call is IMMEDIATE.
    marked: bool = False
    # Why a silent or abandoned 999 call from this number or premises is IMMEDIATE, in words
    # ("MARAC record #12 on this number", "marker #3 withdrawn 2 days ago", "second silent call
    # from this number within 24 hours (CAD-...)"). Grading decides whether the call is silent
    # (the flag, an empty narrative, or the handler's words) and, if so, floors it at IMMEDIATE
    # with these reasons; a provider sets them whatever the call's words.
    silent_call_reasons: list[str] = field(default_factory=list)
    # Banners a call handler cannot miss: [{"level": "danger"|"warning"|"info", "text": str}]
    banners: list[dict] = field(default_factory=list)
    # Display data for the context panel (JSON-serialisable).
    panel: dict[str, Any] = field(default_factory=dict)
    # Anything the provider wants back in `attach` (not serialised).
    state: Any = None
    # The service's `now` the context was gathered for (set by `gather_context`). `attach`
    # stamps what it writes with it, so a call's log reads in the order things happened even
    # when the service was given a time other than the wall clock.
    gathered_at: datetime | None = None


@dataclass(frozen=True)
class Reader:
    """Who reads an incident's context, and through which screen or API (`via`: "incident api",
    "incident page", "briefing api", "briefing page"). `crew`: the reader crews a unit committed
    to the incident and reads what its briefing shows them.

    Providers withhold what the reader's role may not read (the same rule as their own screens)
    and audit what they show."""

    user: Any
    via: str
    crew: bool = False


class ContextProvider(Protocol):
    name: str
    # The `Finding.source` values this provider's findings carry, withheld with it.
    finding_sources: tuple[str, ...]
    # What `incident_fields` says in place of its fields when the reader may not read them.
    withheld_fields: dict[str, Any]

    def gather(self, query: CallQuery) -> ContextResult: ...

    def attach(self, *, incident, result: ContextResult, actor) -> None: ...

    def may_read(self, reader: Reader) -> bool: ...

    def incident_fields(self, incident, *, reader: Reader | None) -> dict[str, Any]: ...


_PROVIDERS: dict[str, ContextProvider] = {}


def register_context_provider(provider: ContextProvider) -> None:
    _PROVIDERS[provider.name] = provider


def providers() -> list[ContextProvider]:
    return list(_PROVIDERS.values())


# Look-ups shared by the providers while one call's context is gathered (`markers_at`): the
# markers provider and the intelligence check both list the markers at the call's number and
# address, and read them once. Lives only for one `gather_context` call.
_GATHER_MEMO: ContextVar[dict | None] = ContextVar("cad_gather_memo", default=None)


def gather_context(query: CallQuery) -> list[ContextResult]:
    """Ask every provider about the call. A failing provider must not stop a 999 call being
    taken: its failure is logged and shown as a banner so the handler knows the context is
    incomplete. Look-ups two providers share (`markers_at`) run once per call."""
    token = _GATHER_MEMO.set({})
    try:
        results = _gather(query)
    finally:
        _GATHER_MEMO.reset(token)
    return results


def _gather(query: CallQuery) -> list[ContextResult]:
    results = []
    for provider in providers():
        try:
            results.append(provider.gather(query))
        except Exception:
            logger.exception("context provider %s failed", provider.name)
            results.append(
                ContextResult(
                    provider=provider.name,
                    banners=[
                        {
                            "level": "warning",
                            "text": f"{provider.name} context could not be loaded: check manually",
                        }
                    ],
                )
            )
    for result in results:
        result.gathered_at = query.now
        # Each banner names its provider, so a reader who may not read that provider's records
        # is not shown its banners either (`assessment_for`).
        result.banners = [{**banner, "provider": result.provider} for banner in result.banners]
    return results


def attach_context(*, incident, results: list[ContextResult], actor) -> None:
    by_name = {r.provider: r for r in results}
    for provider in providers():
        result = by_name.get(provider.name)
        if result is not None and hasattr(provider, "attach"):
            provider.attach(incident=incident, result=result, actor=actor)


# The app that keeps location risk markers registers its look-up here, so another app (the
# intelligence check lists markers next to its records) can ask for them through cad without
# importing that app: intelligence and riskflags stay independent of each other.
_MARKER_LOOKUP: Callable[..., list[dict]] | None = None
# A marker item's `status` while the marker applies; any other status says how it ended.
MARKER_ACTIVE = "ACTIVE"
# Its expiry came with no review contact recorded: it has not lapsed, its floor still applies
# ("expiry reached, victim not yet told") until the OIC records a contact attempt.
MARKER_REVIEW_OVERDUE = "REVIEW_OVERDUE"
# The statuses under which a marker's floor applies.
MARKER_IN_FORCE = frozenset({MARKER_ACTIVE, MARKER_REVIEW_OVERDUE})


def register_marker_lookup(lookup: Callable[..., list[dict]]) -> None:
    """`lookup(phone=E.164 or "", address_normalised=str, now=datetime, place=AddressQuery or
    None, incident_id=int or None)` -> marker dicts."""
    global _MARKER_LOOKUP
    _MARKER_LOOKUP = lookup


def markers_at(
    *,
    phone: str,
    address_normalised: str,
    now: datetime,
    place: AddressQuery | None = None,
    incident_id: int | None = None,
) -> list[dict] | None:
    """The location markers, live and past, at a number or a normalised address, most relevant
    first: dicts with `id`, `status` (in `MARKER_IN_FORCE` while it applies), `grade_floor`,
    `reason`, `starts_at`, `expires_at`, `ended_at`, `why_matched` and more (the shape of
    `riskflags.selectors.markers_matching`). A probable address match a handler dismissed for
    `incident_id` is left out. None when no installed app keeps markers, so a caller can say
    "markers not checked" rather than "no markers".

    While a call's context is gathered (`gather_context`) the same question is answered once:
    the markers provider and the intelligence check share the answer (each gets its own copy
    of the list and its dicts)."""
    if _MARKER_LOOKUP is None:
        return None
    memo = _GATHER_MEMO.get()
    key = ("markers", phone, address_normalised, id(place), now, incident_id)
    if memo is not None and key in memo:
        return [dict(item) for item in memo[key]]
    found = _MARKER_LOOKUP(
        phone=phone,
        address_normalised=address_normalised,
        now=now,
        place=place,
        incident_id=incident_id,
    )
    if memo is not None:
        # Kept with the place it was asked for, so the place's id cannot be reused meanwhile.
        memo[key] = found
        memo[("place", id(place))] = place
    return [dict(item) for item in found]


# What a create already holds about the incident it wrote, so its 201 body is built without
# reading the incident back (`hold`, `held`): the providers keep here what they found and
# stored (the intelligence check, the markers) for their `incident_fields`.
HELD_ATTR = "_cad_held_context"
_MISSING = object()


def hold(incident, provider: str, value) -> None:
    """Keep `value` (what `provider` found and stored for `incident` in this request) on the
    instance, for `held`."""
    incident.__dict__.setdefault(HELD_ATTR, {})[provider] = value


def held(incident, provider: str, default=None):
    """What `provider` kept on this instance with `hold`, else `default`."""
    return incident.__dict__.get(HELD_ATTR, {}).get(provider, default)


def just_created(incident) -> bool:
    """True on the instance `incident_create` is writing, until its transaction is over:
    nothing refers to it yet but what the create wrote itself (no assignments, no checks by
    others), and its related rows are held on it (`cad.services.trail.held_add`)."""
    return bool(getattr(incident, "just_created", False))


def _withheld(reader: Reader | None) -> list[ContextProvider]:
    if reader is None:
        return []
    return [p for p in providers() if hasattr(p, "may_read") and not p.may_read(reader)]


def incident_fields(incident, *, reader: Reader | None) -> dict[str, Any]:
    """Every provider's read-only fields for the incident (`intel_check`, `markers`, ...), as
    `reader` may read them: a provider whose records the reader's role may not read gives its
    `withheld_fields` instead, and `withheld` lists those providers. `reader` None is the
    system reading for itself: nothing withheld, nothing audited."""
    fields: dict[str, Any] = {}
    withheld = _withheld(reader)
    for provider in providers():
        if provider in withheld:
            fields.update(getattr(provider, "withheld_fields", {}))
        elif hasattr(provider, "incident_fields"):
            fields.update(provider.incident_fields(incident, reader=reader))
    if withheld:
        fields["withheld"] = sorted(p.name for p in withheld)
    return fields


WITHHELD_EVIDENCE = "Withheld: your role does not read these records."


def assessment_for(assessment: dict | None, *, reader: Reader | None) -> dict:
    """The stored assessment as `reader` may read it. For each provider the reader may not
    read: its context panel and banners are left out, and its findings keep their label (why
    the grade is what it is) but not their evidence (the records themselves)."""
    assessment = dict(assessment or {})
    withheld = _withheld(reader)
    if not withheld:
        return assessment
    names = {p.name for p in withheld}
    sources = {source for p in withheld for source in getattr(p, "finding_sources", ())}
    evidence = withheld_evidence(assessment, reader=reader)
    assessment["context"] = {
        key: panel for key, panel in (assessment.get("context") or {}).items() if key not in names
    }
    # A banner stored before banners named their provider is withheld too: its source is unknown.
    assessment["banners"] = [
        b
        for b in assessment.get("banners") or []
        if b.get("provider") is not None and b["provider"] not in names
    ]
    for key in ("indicators", "risk_factors"):
        assessment[key] = [
            {**f, "evidence": WITHHELD_EVIDENCE, "spans": []}
            if isinstance(f, dict) and f.get("source") in sources
            else f
            for f in assessment.get(key) or []
        ]
    # The reasons quote the evidence of the findings they rest on.
    assessment["reasons"] = redact(assessment.get("reasons") or [], evidence)
    return assessment


def withheld_evidence(assessment: dict | None, *, reader: Reader | None) -> set[str]:
    """The evidence of the assessment's findings that `reader` may not read: the words that
    reasons, THRIVE and log lines may quote (see `redact`)."""
    withheld = _withheld(reader)
    sources = {source for p in withheld for source in getattr(p, "finding_sources", ())}
    found = {
        f.get("evidence") or ""
        for key in ("indicators", "risk_factors")
        for f in (assessment or {}).get(key) or []
        if isinstance(f, dict) and f.get("source") in sources
    }
    found.discard("")
    return found


# A quotation is recognised by its first characters, so one cut short ("…") goes too.
_QUOTATION_HEAD = 40


def _without(text: str, quoted: str) -> str:
    """`text` with each quotation of `quoted`, whole or cut short, replaced by "withheld"."""
    head = quoted[:_QUOTATION_HEAD]
    start = text.find(head)
    while start != -1:
        end = start + len(head)
        while end - start < len(quoted) and end < len(text) and text[end] == quoted[end - start]:
            end += 1
        text = text[:start] + "withheld" + text[end:]
        start = text.find(head, start + len("withheld"))
    return text


def redact(value, evidence: set[str]):
    """`value` (str, or lists and dicts of them) with every quotation of `evidence` (whole, or
    cut short) replaced by "withheld", longest first so a quotation inside another goes too."""
    if not evidence:
        return value
    if isinstance(value, str):
        for quoted in sorted(evidence, key=len, reverse=True):
            value = _without(value, quoted)
        return value
    if isinstance(value, dict):
        return {key: redact(inner, evidence) for key, inner in value.items()}
    if isinstance(value, list):
        return [redact(inner, evidence) for inner in value]
    return value


def redact_html(content: bytes, evidence: set[str]) -> bytes:
    """A rendered page with every (HTML-escaped) quotation of `evidence` replaced: for screens
    whose templates read the incident's free text (THRIVE, log) directly."""
    from django.utils.html import escape

    text = content.decode()
    for quoted in sorted(evidence, key=len, reverse=True):
        text = _without(_without(text, str(escape(quoted))), quoted)
    return text.encode()
