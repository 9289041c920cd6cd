"""What a check's findings mean for grading: risk factors with their evidence, each with the
categories grading reads (`cad.context.FindingCategory`), and the banners a handler must see.

One reader per record kind says what a record of that kind means; then the history (previous
domestic abuse, repeat contacts) and whether markers could be checked.
"""

from __future__ import annotations

from collections.abc import Callable

from cad.context import Finding, FindingCategory
from intelligence.check.result import SEVERITY_RANK, CheckQuery, CheckResult
from intelligence.models import RecordKind, RiskLevel

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
    ) -> None:
        self.findings.append(
            Finding(
                code=code,
                categories=categories,
                label=label,
                evidence=evidence,
                source=source,
                weight=weight,
            )
        )

    def banner(self, level: str, code: str, text: str) -> None:
        self.banners.append({"level": level, "code": code, "text": text})


def _evidence(record: dict) -> str:
    ref = f" ({record['source_reference']})" if record["source_reference"] else ""
    return (
        f"{record['kind']} record #{record['id']}{ref} of {record['occurred_at'][:10]}: "
        f"{record['summary']} [matched on {'; '.join(record['why'])}]"
    )


def _court_order(record: dict, meaning: _Meaning) -> None:
    """A live order protecting the caller is serious; one naming someone else on the call is a
    risk factor; an order that ended in the last year is a warning banner only."""
    if not record["live"]:
        if record["recent"]:
            meaning.banner(
                "warning",
                "COURT_ORDER_ENDED",
                f"Court order ended {record['expires_at'][:10]}: {record['summary']} "
                f"(record #{record['id']})",
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
        )
    else:
        meaning.finding(
            "COURT_ORDER_LIVE_NAMED",
            DA_ORDER,
            "Live court order involving a named person",
            _evidence(record),
        )
    meaning.banner(
        "danger",
        "COURT_ORDER_LIVE",
        f"LIVE COURT ORDER{until}: protects {protected} from {restricted}. "
        f"{record['summary']} (record #{record['id']})",
    )


def _marac(record: dict, meaning: _Meaning) -> None:
    if not record["recent"]:
        return
    # MARAC only hears cases assessed as high risk, so a blank level is high.
    high = record["risk_level"] in ("", RiskLevel.HIGH)
    meaning.finding(
        "MARAC_12_MONTHS",
        frozenset({FindingCategory.DA_HISTORY}),
        "MARAC in the last 12 months"
        + (" (high risk)" if record["risk_level"] == RiskLevel.HIGH else ""),
        _evidence(record),
        weight="serious" if high else "normal",
    )
    meaning.banner(
        "danger",
        "MARAC",
        f"MARAC {record['occurred_at'][:10]}: {record['summary']} (record #{record['id']})",
    )


def _warning(record: dict, meaning: _Meaning) -> None:
    if not record["live"]:
        return
    meaning.finding(
        "WARNING_MARKER",
        frozenset({FindingCategory.WARNING}),
        "Warning on record",
        _evidence(record),
    )
    meaning.banner("danger", "WARNING", f"WARNING: {record['summary']} (record #{record['id']})")


def _bail_conditions(record: dict, meaning: _Meaning) -> None:
    if not record["live"]:
        return
    meaning.finding(
        "BAIL_CONDITIONS_LIVE",
        frozenset({FindingCategory.PROTECTIVE_ORDER}),
        "Live bail conditions",
        _evidence(record)
        + (f" Conditions: {record['conditions']}" if record["conditions"] else ""),
    )
    meaning.banner(
        "warning",
        "BAIL_CONDITIONS",
        f"Bail conditions in force: {record['summary']} (record #{record['id']})",
    )


def _dvds(record: dict, meaning: _Meaning) -> None:
    meaning.finding(
        "DVDS_DISCLOSURE",
        frozenset({FindingCategory.DA_HISTORY}),
        "Domestic violence disclosure (Clare's Law) made",
        _evidence(record),
    )


# What a listed record of each kind means. DA crimes are read together (previous domestic
# abuse); safeguarding and general intelligence are shown, not graded.
_READERS: dict[str, Callable[[dict, _Meaning], None]] = {
    RecordKind.COURT_ORDER: _court_order,
    RecordKind.MARAC: _marac,
    RecordKind.WARNING: _warning,
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
    parts += [
        f"DA incident {i['reference']} of {i['received_at'][:10]} "
        f"[matched on {'; '.join(i['why'])}]"
        for i in da_incidents[:3]
    ]
    if older_da:
        parts.append(f"{older_da} older than 12 months")
    meaning.finding(
        "PREVIOUS_DOMESTIC_ABUSE",
        frozenset({FindingCategory.DA_HISTORY}),
        "Previous domestic abuse",
        "; ".join(parts),
        source="intel" if da_records else "history",
    )


def interpret(query: CheckQuery, result: CheckResult, people: dict) -> None:
    """Set `result.risk_factors` and `result.banners` (most severe first) from what the check
    found. `people` maps the ids of the people the call's names matched to their hits."""
    meaning = _Meaning(named=set(people))
    for record in result.records:
        reader = _READERS.get(record["kind"])
        if reader is not None:
            reader(record, meaning)
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
    result.risk_factors = meaning.findings
    result.banners = sorted(meaning.banners, key=lambda b: SEVERITY_RANK[b["level"]])
