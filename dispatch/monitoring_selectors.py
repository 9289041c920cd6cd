"""Read queries for response-time monitoring: the alert board, demand counts, grade policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from cad.exceptions import NotFound
from cad.models import Grade, GradePolicy, Incident, IncidentStatus, due_soon_at
from dispatch.models import Alert, AlertKind, AlertStatus

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


def policies_by_grade() -> dict[str, GradePolicy]:
    return {p.grade: p for p in GradePolicy.objects.all()}


def grade_policies() -> list[GradePolicy]:
    """Every grade, most urgent first (a grade with no row yet shows with no targets)."""
    found = policies_by_grade()
    return [found.get(g) or GradePolicy(grade=g) for g in Grade.values]


def grade_policy_get(grade: str) -> GradePolicy:
    if grade not in Grade.values:
        raise NotFound(f"Unknown grade '{grade}'. Use one of: {', '.join(Grade.values)}.")
    return GradePolicy.objects.filter(grade=grade).first() or GradePolicy(grade=grade)


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
    policies = policies_by_grade()
    for alert in alerts:
        alert.is_high_risk = alert_is_high_risk(alert)
        incident = alert.incident
        policy = policies.get(incident.grade) if incident is not None else None
        alert.due_soon_at = (
            due_soon_at(incident.target_response_at, policy.due_soon_minutes if policy else None)
            if incident is not None
            else None
        )
    return sorted(alerts, key=alert_rank)


@dataclass
class DemandCounts:
    """Open incidents by grade and state, plus how many are due soon or breached."""

    states: list[str]
    rows: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def demand_counts(*, now: datetime | None = None) -> DemandCounts:
    now = now or timezone.now()
    states = [IncidentStatus.OPEN, IncidentStatus.RESOURCED, IncidentStatus.AT_SCENE]
    counts = {
        (r["grade"], r["status"]): r["n"]
        for r in Incident.objects.filter(status__in=states)
        .values("grade", "status")
        .annotate(n=Count("id"))
    }
    policies = policies_by_grade()
    unattended = Incident.objects.filter(
        status__in=[IncidentStatus.OPEN, IncidentStatus.RESOURCED],
        first_arrived_at__isnull=True,
        target_response_at__isnull=False,
    )
    aggregates = {"breached": Count("id", filter=Q(target_response_at__lte=now))}
    for grade in Grade.values:
        policy = policies.get(grade)
        lead = (policy.due_soon_minutes or 0) if policy else 0
        aggregates[f"due_{grade}"] = Count(
            "id",
            filter=Q(
                grade=grade,
                target_response_at__gt=now,
                target_response_at__lte=now + timedelta(minutes=lead),
            ),
        )
        aggregates[f"breached_{grade}"] = Count(
            "id", filter=Q(grade=grade, target_response_at__lte=now)
        )
    timing = unattended.aggregate(**aggregates)
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
