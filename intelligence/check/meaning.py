"""What a check's findings mean for grading: risk factors with their evidence, each with the
categories grading reads (`cad.context.FindingCategory`), and the banners a handler must see.

One reader per record kind says what a record of that kind means; then the history (previous
domestic abuse, repeat contacts) and whether markers could be checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cad.context import Finding, FindingCategory
from core.timefmt import DATE_TIME, local_display
from intelligence.check.result import (
    SEVERITY_RANK,
    SILENT_REPEAT_WINDOW,
    CheckQuery,
    CheckResult,
)
from intelligence.models import RecordKind, RiskLevel, WarningFlag

DA_ORDER = frozenset({FindingCategory.PROTECTIVE_ORDER, FindingCategory.DA_HISTORY})


class _Meaning:
    """The findings and banners being gathered for one check."""

    def __init__(self, named: set[int]):
        self.named = named  # ids of the people the call's names matched
        self.findings: list[Finding] = []
        self.banners: list[dict] = []

    def finding(
        self,
        code: str,
        categories: frozenset,
        label: str,
        evidence: str,
        *,
        weight: str = "normal",
        source: str = "intel",
        ref: str = "",
    ) -> None:
        self.findings.append(
            Finding(
                code=code,
                categories=categories,
                label=label,
                evidence=evidence,
                source=source,
                weight=weight,
                ref=ref,
            )
        )

    def banner(self, level: str, code: str, text: str, ref: str = "") -> None:
        banner = {"level": level, "code": code, "text": text}
        if ref:
            banner["ref"] = ref
        self.banners.append(banner)


def _ref(record: dict) -> str:
    return f"record #{record['id']}"


def _evidence(record: dict) -> str:
    """The record behind a finding, as a reader wants it: kind, number, date and summary (why
    it matched is the record's `why`, shown beside it in the panel)."""
    ref = f" ({record['source_reference']})" if record["source_reference"] else ""
    return (
        f"{record['kind']} record #{record['id']}{ref} of {record['occurred_at'][:10]}: "
        f"{record['summary']}"
    )


def _court_order(record: dict, meaning: _Meaning) -> None:
    """A live order protecting the caller is serious; one naming someone else on the call is a
    risk factor; an order that ended in the last year is a warning banner only."""
    ref = _ref(record)
    if not record["live"]:
        if record["recent"]:
            meaning.banner(
                "warning",
                "COURT_ORDER_ENDED",
                f"Court order ended {record['expires_at'][:10]}: {record['summary']} ({ref})",
                ref,
            )
        return
    protected = record["protected_person"] or "the protected person"
    restricted = record["restricted_person"] or "the restricted person"
    until = f" until {record['expires_at'][:10]}" if record["expires_at"] else ""
    named = meaning.named
    caller_is_restricted = record["restricted_person_id"] in named and (
        record["protected_person_id"] not in named
    )
    protects_caller = not caller_is_restricted and (
        record["protected_person_id"] in named
        or bool({"phone", "address"} & set(record["matched_on"]))
    )
    if protects_caller:
        meaning.finding(
            "COURT_ORDER_LIVE",
            DA_ORDER,
            "Live court order protecting the caller",
            _evidence(record),
            weight="serious",
            ref=ref,
        )
    else:
        meaning.finding(
            "COURT_ORDER_LIVE_NAMED",
            DA_ORDER,
            "Live court order involving a named person",
            _evidence(record),
            ref=ref,
        )
    meaning.banner(
        "danger",
        "COURT_ORDER_LIVE",
        f"LIVE COURT ORDER{until}: protects {protected} from {restricted}. "
        f"{record['summary']} ({ref})",
        ref,
    )


def _marac(record: dict, meaning: _Meaning) -> None:
    if not record["recent"]:
        return
    # MARAC only hears cases assessed as high risk, so a blank level is high.
    high = record["risk_level"] in ("", RiskLevel.HIGH)
    ref = _ref(record)
    meaning.finding(
        "MARAC_12_MONTHS",
        frozenset({FindingCategory.DA_HISTORY}),
        "MARAC in the last 12 months"
        + (" (high risk)" if record["risk_level"] == RiskLevel.HIGH else ""),
        _evidence(record),
        weight="serious" if high else "normal",
        ref=ref,
    )
    meaning.banner(
        "danger", "MARAC", f"MARAC {record['occurred_at'][:10]}: {record['summary']} ({ref})", ref
    )


def _person_warning(record: dict, meaning: _Meaning) -> None:
    """A WARNING record, or a record of any kind flagged as a warning (weapons, violence,
    mental health, officer safety), while it stands: a danger banner naming who it is about."""
    if not record["live"]:
        return
    ref = _ref(record)
    flags = ", ".join(
        WarningFlag(f).label.lower()
        for f in record.get("warnings") or []
        if f in WarningFlag.values
    )
    about = ", ".join(dict.fromkeys(p["name"] for p in record["people"]))
    label = f"Warning ({flags})" if flags else "Warning on record"
    meaning.finding(
        "WARNING_MARKER",
        frozenset({FindingCategory.WARNING}),
        label,
        _evidence(record),
        weight="serious",
        ref=ref,
    )
    text = f"WARNING{f' ({flags})' if flags else ''}: {about + ': ' if about else ''}"
    meaning.banner("danger", "WARNING", f"{text}{record['summary']} ({ref})", ref)


def _bail_conditions(record: dict, meaning: _Meaning) -> None:
    if not record["live"]:
        return
    ref = _ref(record)
    meaning.finding(
        "BAIL_CONDITIONS_LIVE",
        frozenset({FindingCategory.PROTECTIVE_ORDER}),
        "Live bail conditions",
        _evidence(record)
        + (f" Conditions: {record['conditions']}" if record["conditions"] else ""),
        ref=ref,
    )
    meaning.banner(
        "warning", "BAIL_CONDITIONS", f"Bail conditions in force: {record['summary']} ({ref})", ref
    )


def _dvds(record: dict, meaning: _Meaning) -> None:
    meaning.finding(
        "DVDS_DISCLOSURE",
        frozenset({FindingCategory.DA_HISTORY}),
        "Domestic violence disclosure (Clare's Law) made",
        _evidence(record),
        ref=_ref(record),
    )


# What a listed record of each kind means. DA crimes are read together (previous domestic
# abuse); safeguarding and general intelligence are shown, not graded, unless flagged as a
# warning.
_READERS: dict[str, Callable[[dict, _Meaning], None]] = {
    RecordKind.COURT_ORDER: _court_order,
    RecordKind.MARAC: _marac,
    RecordKind.WARNING: _person_warning,
    RecordKind.BAIL_CONDITIONS: _bail_conditions,
    RecordKind.DVDS: _dvds,
}


def _previous_domestic_abuse(result: CheckResult, meaning: _Meaning) -> None:
    """DA crimes on record and DA incidents at the number or address, listed or older."""
    da_records = [r for r in result.records if r["kind"] == RecordKind.DA_CRIME]
    da_incidents = [i for i in result.previous_incidents if i["domestic_abuse"]]
    older_da = next(
        (b["count"] for b in result.older.get("records", []) if b["kind"] == RecordKind.DA_CRIME),
        0,
    ) + result.older.get("incidents_domestic_abuse", 0)
    if not (da_records or da_incidents or older_da):
        return
    parts = [_evidence(r) for r in da_records[:3]]
    parts += [f"DA incident {i['reference']} of {i['received_at'][:10]}" for i in da_incidents[:3]]
    if older_da:
        parts.append(f"{older_da} older than 12 months")
    meaning.finding(
        "PREVIOUS_DOMESTIC_ABUSE",
        frozenset({FindingCategory.DA_HISTORY}),
        "Previous domestic abuse",
        "; ".join(parts),
        source="intel" if da_records else "history",
    )


def _where(matched_on) -> str:
    return "this number" if "phone" in matched_on else "this address"


def _silent_record_reason(record: dict) -> str:
    """Why a record at the number or premises makes a silent call IMMEDIATE, or ""."""
    kind, ref, where = record["kind"], _ref(record), _where(record["matched_on"])
    if kind == RecordKind.MARAC and record["recent"]:
        return f"MARAC in the last 12 months on {where} ({ref})"
    if kind == RecordKind.DVDS and record["recent"]:
        return f"DVDS disclosure in the last 12 months on {where} ({ref})"
    if kind == RecordKind.COURT_ORDER and record["live"]:
        return f"live court order on {where} ({ref})"
    if kind == RecordKind.BAIL_CONDITIONS and record["live"]:
        return f"live bail conditions on {where} ({ref})"
    if kind == RecordKind.DA_CRIME and record["recent"]:
        return f"DA crime in the last 12 months on {where} ({ref})"
    return ""


def silent_call_reasons(query: CheckQuery, result: CheckResult) -> list[str]:
    """Why a silent or abandoned 999 call from this number or premises is IMMEDIATE: live
    high-risk DA intelligence there (MARAC, a DVDS disclosure, a live order or bail, a DA crime
    or DA incident in the last 12 months), or a silent call from the same number in the last
    24 hours (whatever is on record). Records found only by a name do not count: a silent
    caller has given none."""
    reasons = []
    for record in result.records:
        if {"phone", "address"} & set(record["matched_on"]):
            reason = _silent_record_reason(record)
            if reason and reason not in reasons:
                reasons.append(reason)
    da_incident = next((i for i in result.previous_incidents if i["domestic_abuse"]), None)
    if da_incident is not None:
        reasons.append(
            f"DA incident {da_incident['reference']} in the last 12 months on "
            f"{_where(da_incident['matched_on'])}"
        )
    since = query.now - SILENT_REPEAT_WINDOW
    repeat = next(
        (
            i
            for i in result.previous_incidents
            if query.phone
            and i["caller_phone"] == query.phone
            and i["silent"]
            and datetime.fromisoformat(i["received_at"]) >= since
        ),
        None,
    )
    if repeat is not None:
        at = local_display(repeat["received_at"], DATE_TIME)
        reasons.insert(
            0,
            f"second silent 999 call from this number within 24 hours ({repeat['reference']} "
            f"at {at})",
        )
    return reasons[:5]


def interpret(query: CheckQuery, result: CheckResult, people: dict) -> None:
    """Set `result.risk_factors` and `result.banners` (most severe first) from what the check
    found. `people` maps the ids of the people the call's names matched to their hits."""
    meaning = _Meaning(named=set(people))
    for record in result.records:
        reader = _READERS.get(record["kind"])
        if reader is not None:
            reader(record, meaning)
        if record.get("warnings") and record["kind"] != RecordKind.WARNING:
            _person_warning(record, meaning)
    _previous_domestic_abuse(result, meaning)
    for pattern in result.patterns:
        meaning.finding(
            "REPEAT_CONTACTS",
            frozenset({FindingCategory.HISTORY}),
            f"Repeat contacts: {pattern['text']}",
            pattern["evidence"],
            source="history",
        )
        meaning.banner("warning", "REPEAT_CONTACTS", pattern["text"])
    if not result.markers_checked:
        meaning.banner(
            "warning",
            "MARKERS_UNCHECKED",
            "Location markers could not be checked: check manually",
        )
    result.silent_call_reasons = silent_call_reasons(query, result)
    result.risk_factors = meaning.findings
    result.banners = sorted(meaning.banners, key=lambda b: SEVERITY_RANK[b["level"]])
