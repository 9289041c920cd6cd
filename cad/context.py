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

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "evidence": self.evidence,
            "source": self.source,
            "weight": self.weight,
            "spans": [list(span) for span in self.spans],
            "categories": sorted(self.categories),
        }


@dataclass(frozen=True)
class CallQuery:
    """What is known about a call when it is assessed."""

    phone: str  # E.164 or ""
    address: Address
    names: tuple[str, ...]
    channel: str
    silent: bool
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


class ContextProvider(Protocol):
    name: str

    def gather(self, query: CallQuery) -> ContextResult: ...

    def attach(self, *, incident, result: ContextResult, actor) -> None: ...

    def incident_fields(self, incident) -> dict[str, Any]: ...


_PROVIDERS: dict[str, ContextProvider] = {}


def register_context_provider(provider: ContextProvider) -> None:
    _PROVIDERS[provider.name] = provider


def providers() -> list[ContextProvider]:
    return list(_PROVIDERS.values())


def gather_context(query: CallQuery) -> list[ContextResult]:
    """Ask every provider about the call. A failing provider must not stop a 999 call being
    taken: its failure is logged and shown as a banner so the handler knows the context is
    incomplete."""
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


def register_marker_lookup(lookup: Callable[..., list[dict]]) -> None:
    """`lookup(phone=E.164 or "", address_normalised=str, now=datetime, place=AddressQuery or
    None)` -> marker dicts."""
    global _MARKER_LOOKUP
    _MARKER_LOOKUP = lookup


def markers_at(
    *, phone: str, address_normalised: str, now: datetime, place: AddressQuery | None = None
) -> list[dict] | None:
    """The location markers, live and past, at a number or a normalised address, most relevant
    first: dicts with `id`, `status` (`MARKER_ACTIVE` while it applies), `grade_floor`,
    `reason`, `starts_at`, `expires_at`, `ended_at`, `why_matched` and more (the shape of
    `riskflags.selectors.markers_matching`). None when no installed app keeps markers, so a
    caller can say "markers not checked" rather than "no markers"."""
    if _MARKER_LOOKUP is None:
        return None
    return _MARKER_LOOKUP(phone=phone, address_normalised=address_normalised, now=now, place=place)


def incident_fields(incident) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for provider in providers():
        if hasattr(provider, "incident_fields"):
            fields.update(provider.incident_fields(incident))
    return fields
