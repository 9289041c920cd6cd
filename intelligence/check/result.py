"""What a check is asked (`CheckQuery`) and what it found (`CheckResult`), with the ranks that
order what a call handler sees: most serious first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cad.context import Finding
from cad.normalise import Address
from intelligence.models import RecordKind
from premises.addressing import AddressQuery, address_query

RECENT = timedelta(days=365)
PATTERN_WINDOW = timedelta(days=30)
PATTERN_MIN_CONTACTS = 3
RECORD_LIMIT = 200
HISTORY_LIMIT = 100

SEVERITY_RANK = {"danger": 0, "warning": 1, "info": 2}
# Most serious kind first: what a call handler must see before anything else.
KIND_RANK = {
    RecordKind.COURT_ORDER: 0,
    RecordKind.MARAC: 1,
    RecordKind.WARNING: 2,
    RecordKind.DA_CRIME: 3,
    RecordKind.BAIL_CONDITIONS: 4,
    RecordKind.DVDS: 5,
    RecordKind.SAFEGUARDING: 6,
    RecordKind.INTELLIGENCE: 7,
}
# Kinds whose `expires_at` means "in force until" (the rest simply age).
ENFORCEABLE = {RecordKind.COURT_ORDER, RecordKind.BAIL_CONDITIONS, RecordKind.WARNING}


@dataclass(frozen=True)
class CheckQuery:
    phone: str  # E.164 or ""
    address: Address
    names: tuple[str, ...]  # normalised
    now: datetime
    exclude_incident_id: int | None = None
    # True when the check is for a call (being taken, or an incident's own call): that call
    # counts as one of the contacts in a repeat-contact pattern.
    counts_current_call: bool = False
    # The address resolved to the premises register: records, contacts, incidents and markers
    # are looked up by it (`premises.addressing.rows_at`). None: no address to look up.
    place: AddressQuery | None = None

    def __post_init__(self):
        # A query made with an address and no place (a caller that did not resolve it) is
        # resolved here, so every check looks addresses up the same way.
        if self.place is None and self.address.raw:
            object.__setattr__(self, "place", address_query(self.address.raw))

    @property
    def has_address(self) -> bool:
        return self.place is not None and not self.place.empty

    @property
    def empty(self) -> bool:
        return not (self.phone or self.has_address or any(self.names))

    def as_dict(self) -> dict:
        return {
            "phone": self.phone,
            "address": self.address.raw,
            "address_normalised": self.address.normalised,
            "names": list(self.names),
        }


@dataclass
class CheckResult:
    query: CheckQuery
    records: list[dict] = field(default_factory=list)
    older: dict = field(default_factory=dict)
    previous_contacts: list[dict] = field(default_factory=list)
    previous_incidents: list[dict] = field(default_factory=list)
    markers: list[dict] = field(default_factory=list)
    markers_checked: bool = True
    patterns: list[dict] = field(default_factory=list)
    risk_factors: list[Finding] = field(default_factory=list)
    banners: list[dict] = field(default_factory=list)
    truncated: bool = False
    duration_ms: int = 0

    def as_dict(self) -> dict:
        return {
            "query": self.query.as_dict(),
            "records": self.records,
            "older": self.older,
            "previous_contacts": self.previous_contacts,
            "previous_incidents": self.previous_incidents,
            "markers": self.markers,
            "markers_checked": self.markers_checked,
            "patterns": self.patterns,
            "risk_factors": [f.as_dict() for f in self.risk_factors],
            "banners": self.banners,
            "truncated": self.truncated,
            "duration_ms": self.duration_ms,
        }


def iso(value) -> str | None:
    """A date or time as ISO 8601 for the stored result, or None."""
    return value.isoformat() if value else None
