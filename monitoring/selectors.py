"""Read queries for alerts: the alert list, the alert board and the demand counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from cad import clock
from cad.exceptions import NotFound, ValidationFailed
from cad.models import Grade, Incident, IncidentStatus
from monitoring.models import Alert, AlertKind, AlertStatus

# Most serious first: escalations, then breaches of DA and marker incidents, then other breaches.
_RANK = {
    (AlertKind.ESCALATED, True): 0,
    (AlertKind.ESCALATED, False): 1,
    (AlertKind.BREACHED, True): 2,
    (AlertKind.BREACHED, False): 3,
    (AlertKind.DIVERT_UNRESOURCED, True): 4,
    (AlertKind.DIVERT_UNRESOURCED, False): 5,
    (AlertKind.STAFFING_GAP, False): 6,
    (AlertKind.DUE_SOON, True): 7,
    (AlertKind.DUE_SOON, False): 8,
}

_KIND_ORDER = [
    AlertKind.ESCALATED,
    AlertKind.BREACHED,
    AlertKind.DIVERT_UNRESOURCED,
    AlertKind.STAFFING_GAP,
    AlertKind.DUE_SOON,
]
LIVE_LIMIT = 500


def alerts(*, status: str | None = None, kind: str | None = None) -> QuerySet[Alert]:
    """Alerts, newest first, optionally of one status and kind. Raises ValidationFailed for an
    unknown status or kind."""
    if status and status not in AlertStatus.values:
        raise ValidationFailed(
            f"Unknown status '{status}'. Use one of: {', '.join(AlertStatus.values)}.",
            code="unknown_status",
        )
    if kind and kind not in AlertKind.values:
        raise ValidationFailed(
            f"Unknown kind '{kind}'. Use one of: {', '.join(AlertKind.values)}.",
            code="unknown_kind",
        )
    qs = Alert.objects.select_related("incident", "acknowledged_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-raised_at", "-id")


def alert_get(alert_id: int) -> Alert:
    """One alert with its incident. Raises NotFound."""
    try:
        return Alert.objects.select_related("incident").get(pk=alert_id)
    except Alert.DoesNotExist:
        raise NotFound(f"Alert {alert_id} does not exist.") from None


def alert_is_high_risk(alert: Alert) -> bool:
    """A domestic-abuse incident or one at a marked address or number."""
    if alert.high_risk:
        return True
    incident = alert.incident
    if incident is None:
        return False
    return bool(incident.domestic_abuse or (incident.assessment or {}).get("context_floor"))


def alert_rank(alert: Alert) -> tuple:
    return (
        0 if alert.status == AlertStatus.OPEN else 1,
        _RANK.get((alert.kind, alert_is_high_risk(alert)), 9),
        alert.threshold_at,
        alert.pk,
    )


def alerts_live() -> list[Alert]:
    """Alerts not yet settled (open, then acknowledged), most serious first."""
    # The cap is taken after ordering by seriousness in SQL (open first, then the most serious
    # kind, newest first), so a new escalation is never cut off by a pile of older warnings.
    kind_rank = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(_KIND_ORDER)],
        default=Value(len(_KIND_ORDER)),
        output_field=IntegerField(),
    )
    status_rank = Case(
        When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    alerts = list(
        Alert.objects.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
        .select_related("incident", "acknowledged_by")
        .order_by(status_rank, kind_rank, "-raised_at", "-id")[:LIVE_LIMIT]
    )
    leads = clock.due_soon_leads()
    for alert in alerts:
        alert.is_high_risk = alert_is_high_risk(alert)
        incident = alert.incident
        alert.due_soon_at = clock.incident_due_soon_at(incident, leads) if incident else None
    return sorted(alerts, key=alert_rank)


@dataclass
class DemandCounts:
    """Open incidents by grade and state, plus how many are due soon or breached."""

    states: list[str]
    rows: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def demand_counts(*, now: datetime | None = None) -> DemandCounts:
    """Open incidents per grade and state, and per grade how many clocks are due soon or
    breached at `now` (the rules of `cad.clock`). Two queries."""
    now = now or timezone.now()
    states = [IncidentStatus.OPEN, IncidentStatus.RESOURCED, IncidentStatus.AT_SCENE]
    counts = {
        (r["grade"], r["status"]): r["n"]
        for r in Incident.objects.filter(status__in=states)
        .values("grade", "status")
        .annotate(n=Count("id"))
    }
    leads = clock.due_soon_leads()
    aggregates = {}
    for grade in Grade.values:
        aggregates[f"due_{grade}"] = Count(
            "id", filter=clock.due_soon_q(grade, leads.get(grade), now)
        )
        aggregates[f"breached_{grade}"] = Count("id", filter=clock.breached_q(now) & Q(grade=grade))
    timing = Incident.objects.filter(clock.clock_running_q()).aggregate(**aggregates)
    result = DemandCounts(states=[s.value for s in states])
    for grade in Grade.values:
        row = {"grade": grade, "label": Grade(grade).label}
        for state in states:
            row[state.value] = counts.get((grade, state.value), 0)
        row["total"] = sum(row[s.value] for s in states)
        row["due_soon"] = timing[f"due_{grade}"]
        row["breached"] = timing[f"breached_{grade}"]
        result.rows.append(row)
    result.totals = {
        key: sum(r[key] for r in result.rows)
        for key in [*result.states, "total", "due_soon", "breached"]
    }
    return result
