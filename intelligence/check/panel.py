"""The call-taking context panel for a check, self-describing: counts by kind first (most
serious first), then one line per item with its severity and why it matched."""

from __future__ import annotations

from cad.context import MARKER_IN_FORCE
from core.labels import code_label
from intelligence.check.result import KIND_RANK, SEVERITY_RANK

# Where counts of things that are not records sit among the record kinds.
_OTHER_KIND_ORDER = {"MARKER": 1.5, "INCIDENT": 8, "CONTACT": 9}


def panel_for(result: dict, *, check_id: int | None = None, ran_at: str | None = None) -> dict:
    """The call-taking context panel for a stored check result (`CheckResult.as_dict()`):
    counts by kind first (most serious first), then one line per item with its severity and
    why it matched. `check_id` links the panel to the stored check."""
    lines = [
        *(_record_line(r) for r in result.get("records", [])),
        *(_pattern_line(p) for p in result.get("patterns", [])),
        *(_marker_line(m) for m in result.get("markers", [])),
        *(_incident_line(i) for i in result.get("previous_incidents", [])),
        *(_contact_line(c) for c in result.get("previous_contacts", [])),
    ]
    items = [item for item, _ in lines]
    items.sort(key=lambda i: SEVERITY_RANK[i["severity"]])
    return {
        "title": "Intelligence check",
        "provider": "intelligence",
        "check_id": check_id,
        "ran_at": ran_at,
        "ran_by": "system",
        "counts": _counts(lines),
        "banners": result.get("banners", []),
        "items": items,
        "older": _older(result.get("older", {})),
        "empty": not items,
        "empty_text": "No intelligence, previous contacts, incidents or markers found.",
        "truncated": result.get("truncated", False),
        "links": (
            [{"label": "Open check", "url": f"/intel/checks/{check_id}/"}] if check_id else []
        ),
    }


def _line(kind, label, severity, text, why, at, ref, *, counted_as: str | None):
    """One panel item, and the label it is counted under (None: not counted)."""
    item = {
        "kind": kind,
        "label": label,
        "severity": severity,
        "text": text,
        "why": why,
        "at": at,
        "ref": ref,
    }
    return item, counted_as


def _record_line(record: dict):
    state = ""
    if record["live"] is True:
        state = " LIVE" + (f" until {record['expires_at'][:10]}" if record["expires_at"] else "")
    elif record["live"] is False:
        state = f" ended {record['expires_at'][:10]}"
    return _line(
        record["kind"],
        record["kind_label"] + state,
        record["severity"],
        record["summary"],
        "; ".join(record["why"]),
        record["occurred_at"],
        f"record #{record['id']}",
        counted_as=record["kind_label"],
    )


def _pattern_line(pattern: dict):
    return _line(
        "PATTERN",
        "Repeat contacts",
        "warning",
        pattern["text"],
        pattern["evidence"],
        pattern["since"],
        "",
        counted_as=None,
    )


def _marker_line(marker: dict):
    return _line(
        "MARKER",
        f"Marker {marker.get('status')}"
        + (f" (floor {marker['grade_floor']})" if marker.get("grade_floor") else ""),
        "danger" if marker.get("status") in MARKER_IN_FORCE else "warning",
        marker.get("reason", ""),
        marker.get("why_matched", ""),
        marker.get("starts_at"),
        f"marker #{marker.get('id')}",
        counted_as="Location marker",
    )


def _incident_line(incident: dict):
    return _line(
        "INCIDENT",
        f"Incident {incident['reference']}" + (" DA" if incident["domestic_abuse"] else ""),
        "warning" if incident["domestic_abuse"] else "info",
        incident["narrative"],
        "; ".join(incident["why"]),
        incident["received_at"],
        incident["reference"],
        counted_as="Previous incident",
    )


def _contact_line(contact: dict):
    return _line(
        "CONTACT",
        f"{code_label(contact['channel'], 'channel')} contact",
        "info",
        contact["summary"],
        "; ".join(contact["why"]),
        contact["received_at"],
        contact["incident_reference"] or f"contact #{contact['id']}",
        counted_as="Previous contact",
    )


def _counts(lines) -> list[dict]:
    """How many of each kind, at the most serious severity seen; most serious kinds first."""
    counts: dict[str, dict] = {}
    for item, label in lines:
        if label is None:
            continue
        kind, severity = item["kind"], item["severity"]
        entry = counts.setdefault(kind, {"kind": kind, "label": label, "count": 0, "severity": ""})
        entry["count"] += 1
        if not entry["severity"] or SEVERITY_RANK[severity] < SEVERITY_RANK[entry["severity"]]:
            entry["severity"] = severity
    kind_order = {k.value: rank for k, rank in KIND_RANK.items()} | _OTHER_KIND_ORDER
    return sorted(
        counts.values(), key=lambda c: (SEVERITY_RANK[c["severity"]], kind_order.get(c["kind"], 99))
    )


def _older(older: dict) -> str:
    parts = [f"{b['count']} {b['label']}" for b in older.get("records", [])]
    if older.get("incidents"):
        parts.append(f"{older['incidents']} incidents")
    if older.get("contacts"):
        parts.append(f"{older['contacts']} contacts")
    return "Older than 12 months: " + ", ".join(parts) if parts else ""
