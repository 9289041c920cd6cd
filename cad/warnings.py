"""What every screen about an incident must say, once: its warnings and its risk flags.

Context providers (intelligence, markers) put what they find on the incident's assessment as
banners and findings, often more than once for one record (a banner for the handler, a finding
for grading, a line in the context panel). Every screen that concerns the incident (the
incident page, the dispatcher's panel, the officer's briefing) reads them through
`incident_warnings`, which gives each warning once, with the record behind it, highest risk
first. `incident_risk_flags` is the one rule for the DA and MARKER flags on every list.
"""

from __future__ import annotations

import re

from cad.context import MARKER_IN_FORCE, FindingCategory

LEVEL_RANK = {"danger": 0, "warning": 1, "info": 2}
# Within one level, what endangers the people attending comes first.
CATEGORY_RANK = {
    FindingCategory.WARNING: 0,
    FindingCategory.PRESENT_DANGER: 1,
    FindingCategory.PROTECTIVE_ORDER: 2,
    FindingCategory.RISK_MARKER: 3,
    FindingCategory.DA_HISTORY: 4,
    FindingCategory.HISTORY: 5,
    FindingCategory.OTHER: 6,
}
_REF = re.compile(r"\b(record|marker) #(\d+)", re.IGNORECASE)
# How a matcher explained itself in evidence stored by earlier versions: not for the reader.
_MATCHER_TEXT = re.compile(r"\s*\[matched on [^\]]*\]", re.IGNORECASE)
_QUOTES = "\"“”'‘’"
# Intelligence record kinds an attending officer must be warned about.
WARNING_RECORD_KINDS = frozenset(
    {"WARNING", "COURT_ORDER", "BAIL_CONDITIONS", "MARAC", "DVDS", "DA_CRIME", "SAFEGUARDING"}
)


def plain(text: str | None) -> str:
    """Text for a reader: no matcher notes, no quotes doubled round a quotation."""
    text = _MATCHER_TEXT.sub("", str(text or "")).strip()
    text = re.sub(r"([\"“”])\1+", r"\1", text)
    return re.sub(r"\s+", " ", text)


def quoted(evidence: str | None) -> str:
    """Evidence inside one pair of quotes, whatever quotes it came with."""
    text = plain(evidence).strip(_QUOTES)
    return f"“{text}”" if text else ""


def warning_ref(item: dict) -> str:
    """The record behind a banner or finding ("record #12", "marker #3"), or ""."""
    if item.get("ref"):
        return str(item["ref"])
    if item.get("marker"):
        return f"marker #{item['marker']}"
    match = _REF.search(str(item.get("text") or item.get("evidence") or ""))
    return f"{match.group(1).lower()} #{match.group(2)}" if match else ""


def _category(item: dict) -> str:
    categories = item.get("categories") or []
    if isinstance(categories, str):
        categories = [categories]
    known = [c for c in categories if c in CATEGORY_RANK]
    if known:
        return min(known, key=CATEGORY_RANK.__getitem__)
    code = str(item.get("code") or "").upper()
    if "WARNING" in code:
        return FindingCategory.WARNING
    if "ORDER" in code or "BAIL" in code:
        return FindingCategory.PROTECTIVE_ORDER
    if "MARKER" in code or item.get("marker"):
        return FindingCategory.RISK_MARKER
    if "MARAC" in code or "DVDS" in code or "DOMESTIC" in code:
        return FindingCategory.DA_HISTORY
    return FindingCategory.OTHER


def _from_banner(banner: dict) -> dict:
    return {
        "level": banner.get("level") if banner.get("level") in LEVEL_RANK else "warning",
        "code": banner.get("code") or "BANNER",
        "category": _category(banner),
        "text": plain(banner.get("text")),
        "ref": warning_ref(banner),
        "url": banner.get("url") or "",
    }


def _from_finding(finding: dict) -> dict:
    category = _category(finding)
    serious = finding.get("weight") == "serious" or category in (
        FindingCategory.WARNING,
        FindingCategory.PROTECTIVE_ORDER,
    )
    evidence = plain(finding.get("evidence"))
    return {
        "level": "danger" if serious else "warning",
        "code": finding.get("code") or "RISK",
        "category": category,
        "text": f"{finding.get('label') or 'Risk'}: {evidence}" if evidence else finding["label"],
        "ref": warning_ref(finding),
        "url": finding.get("url") or "",
    }


def _rank(item: dict) -> tuple:
    return (LEVEL_RANK.get(item["level"], 3), CATEGORY_RANK.get(item["category"], 9))


def warnings_from_assessment(assessment: dict | None) -> list[dict]:
    """Each warning in a stored assessment once: the banners, and the findings from context
    (records and markers) that have no banner. A record's banner and finding are one warning;
    where they differ the more urgent level is kept. Highest risk first.

    Returns [{"level", "code", "category", "text", "ref", "url"}]."""
    assessment = assessment or {}
    items = [_from_banner(b) for b in assessment.get("banners") or [] if isinstance(b, dict)]
    items += [
        _from_finding(f)
        for f in assessment.get("risk_factors") or []
        if isinstance(f, dict) and f.get("source", "narrative") != "narrative"
    ]
    merged: dict[str, dict] = {}
    for item in items:
        if not item["text"]:
            continue
        key = item["ref"] or item["text"].casefold()
        kept = merged.get(key)
        if kept is None:
            merged[key] = item
        elif _rank(item) < _rank(kept):
            merged[key] = {**kept, "level": item["level"], "category": item["category"]}
    return sorted(merged.values(), key=_rank)


def warning(level: str, code: str, category: str, text: str, ref: str = "") -> dict:
    """One warning in the shape every screen reads."""
    return {"level": level, "code": code, "category": category, "text": text, "ref": ref, "url": ""}


def record_line(record: dict) -> str:
    """An intelligence record as one plain line: "Warning marker (2025-03-02): summary"."""
    day = (record.get("occurred_at") or "")[:10]
    kind = record.get("kind_label") or record.get("kind") or "Record"
    return f"{kind}{f' ({day})' if day else ''}: {plain(record.get('summary'))}"


def _narrative_warnings(assessment: dict) -> list[dict]:
    """Risks heard on the call, one per kind, the serious ones as danger."""
    found: dict[str, dict] = {}
    for finding in assessment.get("risk_factors") or []:
        if not isinstance(finding, dict) or finding.get("source", "narrative") != "narrative":
            continue
        code = finding.get("code") or "RISK"
        if code not in found:
            evidence = quoted(finding.get("evidence"))
            text = (finding.get("label") or "Risk factor") + (f": {evidence}" if evidence else "")
            level = "danger" if finding.get("weight") == "serious" else "warning"
            found[code] = warning(level, code, FindingCategory.PRESENT_DANGER, text)
    return list(found.values())


def _field_warnings(fields: dict, seen: set[str]) -> list[dict]:
    """From the incident's context fields (`cad.context.incident_fields`): markers in force and
    warning records of its intelligence check that no banner already names."""
    found = []
    for marker in [m for m in fields.get("markers") or [] if isinstance(m, dict)]:
        ref = f"marker #{marker.get('id')}"
        if ref in seen or marker.get("status") not in MARKER_IN_FORCE:
            continue
        seen.add(ref)
        floor = marker.get("grade_floor")
        text = f"Location marker ({marker.get('status')}): {plain(marker.get('reason'))}." + (
            f" Grade no lower than {floor}." if floor else ""
        )
        found.append(warning("danger", "MARKER", FindingCategory.RISK_MARKER, text, ref))
    intel = fields.get("intel_check") if isinstance(fields.get("intel_check"), dict) else {}
    for record in [r for r in intel.get("records") or [] if isinstance(r, dict)]:
        ref = f"record #{record.get('id')}"
        person_warning = record.get("kind") == "WARNING" or bool(record.get("warnings"))
        if ref in seen or not (person_warning or record.get("kind") in WARNING_RECORD_KINDS):
            continue
        seen.add(ref)
        category = FindingCategory.WARNING if person_warning else FindingCategory.DA_HISTORY
        text = f"{record_line(record)} ({ref})"
        found.append(warning("danger", record.get("kind") or "RECORD", category, text, ref))
    return found


def assessment_warnings(
    assessment: dict | None, *, fields: dict | None = None, narrative: bool = True
) -> list[dict]:
    """An assessment's warnings, once each, highest risk first: what the context providers
    found (`warnings_from_assessment`), the risks heard on the call (`narrative`), and, given
    an incident's context `fields`, markers in force and warning records of its intelligence
    check not already named. Returns [{"level", "code", "category", "text", "ref", "url"}]."""
    assessment = assessment or {}
    found = warnings_from_assessment(assessment)
    if narrative:
        found += _narrative_warnings(assessment)
    if fields:
        found += _field_warnings(fields, {w["ref"] for w in found if w["ref"]})
    return sorted(found, key=_rank)


def incident_warnings(incident, *, fields: dict | None = None, narrative: bool = True) -> list:
    """The incident's warnings (`assessment_warnings` of its stored assessment)."""
    return assessment_warnings(incident.assessment, fields=fields, narrative=narrative)


def findings_not_warned(assessment: dict | None, warnings: list[dict]) -> list[dict]:
    """The assessment's risk factors less those a warning already shows with its record, so a
    screen lists each once."""
    shown = {w["ref"] for w in warnings if w["ref"]}
    return [
        f
        for f in (assessment or {}).get("risk_factors") or []
        if isinstance(f, dict)
        and (f.get("source", "narrative") == "narrative" or warning_ref(f) not in shown)
    ]


def incident_risk_flags(incident) -> list[str]:
    """The flags every list shows for an incident: "DA" when it is domestic abuse (the qualifier,
    or the assessment found it: removing the qualifier or downgrading does not hide the risk)
    and "MARKER" when a location marker set its floor or was found at call time. A list that
    read only the assessment's `domestic_abuse`, `risk_factors` and `banners` gives them as the
    incident's `risk_assessment` (the outstanding list), and the whole assessment is not read."""
    assessment = incident.__dict__.get("risk_assessment")
    if assessment is None:
        assessment = incident.assessment or {}
    flags = []
    if incident.domestic_abuse or assessment.get("domestic_abuse"):
        flags.append("DA")
    marker_found = any(
        FindingCategory.RISK_MARKER in (f.get("categories") or [])
        for f in assessment.get("risk_factors") or []
        if isinstance(f, dict)
    )
    tags = getattr(incident, "tag_names", None) or []
    if (
        marker_found
        or "MARKER" in tags
        or any(isinstance(b, dict) and b.get("marker") for b in assessment.get("banners") or [])
    ):
        flags.append("MARKER")
    return flags


def risk_summary(incident) -> dict:
    """What a supervisor must see before signing off a decision about an incident (a downgrade,
    the DA qualifier): its flags and grades, each warning once (live orders, MARAC, markers in
    force or withdrawn, people's warnings, risks heard on the call), and the evidence the
    handler saw: the DA indicators and risk factors with the words or records behind them.

    Returns {"flags", "domestic_abuse", "minimum_grade", "recommended_grade", "context_floor",
    "warnings": [warning], "evidence": [{"kind", "label", "evidence", "source"}], "reasons"}."""
    assessment = incident.assessment or {}
    evidence = [
        {
            "kind": kind,
            "label": plain(finding.get("label")),
            "evidence": plain(finding.get("evidence")),
            "source": finding.get("source", "narrative"),
        }
        for kind, key in (("indicator", "indicators"), ("risk_factor", "risk_factors"))
        for finding in assessment.get(key) or []
        if isinstance(finding, dict)
    ]
    return {
        "flags": incident_risk_flags(incident),
        "domestic_abuse": bool(incident.domestic_abuse),
        "assessed_domestic_abuse": bool(assessment.get("domestic_abuse")),
        "minimum_grade": incident.minimum_grade,
        "recommended_grade": incident.recommended_grade,
        "context_floor": assessment.get("context_floor", ""),
        "warnings": incident_warnings(incident),
        "evidence": evidence,
        "reasons": [plain(r) for r in assessment.get("reasons") or []],
    }
