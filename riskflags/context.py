"""The markers' part of call-time context (registered with `cad.context` from `apps.py`).

A marker in force (ACTIVE, or REVIEW_OVERDUE: expiry reached, victim not yet told) at the
caller's address or number sets the grade floor, marks the call and raises a danger banner. A
marker there that expired or was withdrawn in the last 12 months is a risk factor with its
evidence and a warning banner. A silent or abandoned 999 call from a number or address with
either is IMMEDIATE (`ContextResult.silent_call_reasons`). A marker elsewhere whose victim or
perpetrator is named on the call is shown, with why, but sets no floor. Older markers show in
the panel as history only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse

from cad import context as call_context
from cad.context import CallQuery, ContextResult, Finding, FindingCategory, Reader
from cad.models import Grade
from core.roles import MARKER_READERS, has_role
from core.timefmt import DATE, local_display
from premises.addressing import address_query_of
from riskflags.models import IN_FORCE, MarkerStatus, RiskLevel
from riskflags.selectors import is_probable, markers_matching, markers_named

RECENT_HISTORY = timedelta(days=365)
INCIDENT_TAG = "MARKER"


def ago(delta: timedelta) -> str:
    """A short, plain "how long ago": "today", "5 days ago", "3 weeks ago", "4 months ago"."""
    days = max(0, delta.days)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 61:
        return f"{days // 7} weeks ago"
    months = days // 30
    return f"{months} month{'s' if months != 1 else ''} ago"


def _sentence(text: str) -> str:
    """The reason as a clause: "Ex-husband threatened..." -> "ex-husband threatened..."."""
    text = " ".join((text or "").split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def _ended(item: dict) -> datetime | None:
    return datetime.fromisoformat(item["ended_at"]) if item.get("ended_at") else None


def describe(item: dict, now: datetime) -> dict:
    """One marker for the context panel: status, a one-line text and a severity."""
    link = reverse("marker_detail", args=[item["id"]])
    base = {
        "id": item["id"],
        "status": item["status"],
        "victim_name": item["victim_name"],
        "reason": item["reason"],
        "grade_floor": item["grade_floor"],
        "oic": item["oic"],
        "why_matched": item["why_matched"],
        "link": link,
        # Found only by a probable address match: shown as such, dismissable with a reason.
        "probable": is_probable(item),
        "match_reason": (item.get("address_match") or {}).get("reason", ""),
    }
    if item["status"] in IN_FORCE:
        overdue = (
            f"expiry reached {local_display(item['expires_at'], DATE)}, victim not yet told"
            if item["status"] == MarkerStatus.REVIEW_OVERDUE
            else f"until {local_display(item['expires_at'], DATE)}"
        )
        text = (
            f"{item['status'].replace('_', ' ')} special scheme at {_where(item)}: "
            f"{item['victim_name']}, {_sentence(item['reason'])}. Floor {item['grade_floor']}; "
            f"OIC {item['oic']}; {overdue}."
        )
        return {**base, "text": text, "severity": "danger", "recent": True}
    ended = _ended(item)
    recent = ended is not None and now - ended <= RECENT_HISTORY
    text = (
        f"Special scheme {item['status'].lower()} {ago(now - ended) if ended else ''} at "
        f"{_where(item)}: {item['victim_name']}, {_sentence(item['reason'])}."
    )
    if item["status"] == MarkerStatus.WITHDRAWN and item.get("withdrawal_reason"):
        text += f" Withdrawn because: {_sentence(item['withdrawal_reason'])}."
    return {**base, "text": text, "severity": "warning" if recent else "info", "recent": recent}


def _where(item: dict) -> str:
    if is_probable(item):
        return f"{item['address']} (probable match: {item['address_match']['reason']})"
    why = item["why_matched"]
    if why.startswith(("victim name", "perpetrator name")):
        return item["address"]
    return {"address": "this address", "phone": "this number"}.get(why, "this address and number")


def _in_force(result: ContextResult, items: list[dict]) -> None:
    """Markers in force at the address or number: the floor, the silent-call rule, a finding
    and a danger banner each. A review-overdue marker says its expiry came with the victim not
    yet told."""
    for item in items:
        result.marked = True
        result.grade_floor = Grade.more_urgent(result.grade_floor, item["grade_floor"])
        overdue = item["status"] == MarkerStatus.REVIEW_OVERDUE
        state = "expiry reached, victim not yet told" if overdue else "active"
        ref = f"marker #{item['id']}"
        result.silent_call_reasons.append(f"{state} special scheme at {_where(item)} ({ref})")
        result.risk_factors.append(
            Finding(
                code="marker_review_overdue" if overdue else "marker_active",
                categories=frozenset({FindingCategory.RISK_MARKER}),
                label="Location risk marker (special scheme)"
                + (": expiry reached, victim not yet told" if overdue else ", active"),
                evidence=f"special scheme {state}: {_sentence(item['reason'])}",
                source="marker",
                weight="serious",
                ref=ref,
            )
        )
        result.banners.append(_in_force_banner(item, ref))
    if items:
        strongest = next(i for i in items if i["grade_floor"] == result.grade_floor)
        overdue = strongest["status"] == MarkerStatus.REVIEW_OVERDUE
        result.floor_reason = (
            f"{'Review-overdue (expiry reached, victim not yet told)' if overdue else 'Active'} "
            f"special scheme marker #{strongest['id']} at {_where(strongest)} "
            f"({strongest['victim_name']}: {_sentence(strongest['reason'])}): grade no lower "
            f"than {result.grade_floor}"
        )


def _recently_ended(result: ContextResult, items: list[dict], now: datetime) -> None:
    """Markers there that ended in the last 12 months: a risk factor, a warning banner, and a
    silent or abandoned 999 call from there is IMMEDIATE."""
    for item in items:
        ended = _ended(item)
        ref = f"marker #{item['id']}"
        evidence = (
            f"special scheme {item['status'].lower()} {ago(now - ended)}: "
            f"{_sentence(item['reason'])}"
        )
        result.silent_call_reasons.append(
            f"special scheme at {_where(item)} {item['status'].lower()} {ago(now - ended)} ({ref})"
        )
        result.risk_factors.append(
            Finding(
                code=f"marker_{item['status'].lower()}",
                categories=frozenset({FindingCategory.RISK_MARKER}),
                label=f"Special scheme {item['status'].lower()} in the last 12 months",
                evidence=evidence,
                source="marker",
                weight="serious" if item.get("risk_level") == RiskLevel.HIGH else "normal",
                ref=ref,
            )
        )
        result.banners.append(
            {
                "level": "warning",
                "text": (
                    f"History: {evidence[0].upper()}{evidence[1:]} (victim "
                    f"{item['victim_name']}, {_where(item)}). Treat the risk as current."
                ),
                "marker": item["id"],
                "ref": ref,
                "url": reverse("marker_detail", args=[item["id"]]),
            }
        )


def _named(result: ContextResult, items: list[dict]) -> None:
    """Markers elsewhere whose victim or perpetrator is named on the call: shown with why, as
    a risk factor; the floor belongs to the marked address or number, so none is set."""
    for item in items:
        if item["status"] not in IN_FORCE:
            continue
        ref = f"marker #{item['id']}"
        result.risk_factors.append(
            Finding(
                code="marker_person_named",
                categories=frozenset({FindingCategory.RISK_MARKER}),
                label="A person on a location risk marker is named on this call",
                evidence=f"{item['why_matched']}: special scheme at {item['address']}, "
                f"{_sentence(item['reason'])}",
                source="marker",
                ref=ref,
            )
        )
        result.banners.append(
            {
                "level": "warning",
                "text": f"Named on this call: {item['why_matched']} of the special scheme at "
                f"{item['address']} ({item['status'].replace('_', ' ').lower()}, OIC "
                f"{item['oic']}). {item['reason'].strip().rstrip('.')}.",
                "marker": item["id"],
                "ref": ref,
                "url": reverse("marker_detail", args=[item["id"]]),
            }
        )


class MarkerContextProvider:
    name = "riskflags"
    finding_sources = ("marker",)
    withheld_fields = {"markers": []}

    def gather(self, query: CallQuery) -> ContextResult:
        result = ContextResult(provider=self.name)
        # Through cad's seam, so the intelligence check's marker list is the same one look-up.
        items = call_context.markers_at(
            phone=query.phone,
            address_normalised=query.address.normalised,
            place=query.place,
            now=query.now,
            incident_id=query.exclude_incident_id,
        )
        named = markers_named(
            names=query.names, now=query.now, exclude_ids=[i["id"] for i in items]
        )
        panel_items = [describe(item, query.now) for item in items + named]
        _in_force(result, [i for i in items if i["status"] in IN_FORCE])
        recent = {d["id"] for d in panel_items if d["recent"]}
        _recently_ended(
            result,
            [i for i in items if i["status"] not in IN_FORCE and i["id"] in recent],
            query.now,
        )
        _named(result, named)
        result.panel = {
            "title": "Location risk markers",
            "empty": "No marker, live or past, at this address or number, or for anyone named.",
            "items": panel_items,
        }
        result.state = items
        return result

    def attach(self, *, incident, result: ContextResult, actor) -> None:
        """Put the markers found on the incident's log (every unit sent reads the whole log)
        and tag a marked incident, inside the incident's own transaction."""
        from cad.services import incident_system_log, incident_tag_add

        # The markers at the incident's number and address, as its `markers` field lists them:
        # the response to the create is built from them rather than a second look-up.
        call_context.hold(incident, self.name, result.state or [])
        items = [i for i in (result.panel or {}).get("items", []) if i.get("recent")]
        if not items:
            return
        now = result.gathered_at or incident.received_at
        for item in items:
            incident_system_log(
                incident=incident, text=f"Marker #{item['id']}: {item['text']}", now=now
            )
        # Tagged for a marker at its address or number, not for one whose person is named.
        here = {marker["id"] for marker in result.state or []}
        if any(i["status"] in IN_FORCE and i["id"] in here for i in items):
            incident_tag_add(actor=actor, incident=incident, tag=INCIDENT_TAG, now=now)

    def may_read(self, reader: Reader) -> bool:
        """The roles that read markers on their own screens, and the crew of a unit sent to
        the incident (its briefing warns them)."""
        return reader.crew or has_role(reader.user, *MARKER_READERS)

    def incident_fields(self, incident, *, reader: Reader | None) -> dict:
        """`markers` at the incident's number or address; the read is audited on each one."""
        from riskflags.services import markers_viewed

        found = call_context.held(incident, self.name)
        if found is None:
            found = markers_matching(
                phone=incident.caller_phone,
                place=address_query_of(incident),
                incident_id=incident.pk,
            )
        if found and reader is not None:
            markers_viewed(
                actor=reader.user,
                marker_ids=[m["id"] for m in found],
                via=reader.via,
                incident_id=incident.pk,
            )
        return {"markers": found}


def _in_force_banner(item: dict, ref: str) -> dict:
    """The danger banner of a marker in force; a review-overdue one says the victim was not yet
    told, a probable match says so and that its floor holds until a handler dismisses it."""
    overdue = item["status"] == MarkerStatus.REVIEW_OVERDUE
    text = (
        f"SPECIAL SCHEME MARKER at {_where(item)}"
        + (" (expiry reached, victim not yet told)" if overdue else "")
        + f": victim {item['victim_name']}. {item['reason'].strip().rstrip('.')}. "
        f"Grade no lower than {item['grade_floor']}. OIC {item['oic']}."
    )
    if is_probable(item):
        text = f"PROBABLE MATCH: {text} The floor applies until a handler dismisses the match."
    return {
        "level": "danger",
        "text": text,
        "marker": item["id"],
        "probable": is_probable(item),
        "ref": ref,
        "url": reverse("marker_detail", args=[item["id"]]),
    }
