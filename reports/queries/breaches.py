"""Breached incidents: how late, whether a divert came before the breach, and who acknowledged
the BREACHED alert and when."""

from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from cad.models import Incident
from dispatch.models import Divert
from monitoring.models import Alert, AlertKind
from reports.filters import ReportFilters
from reports.queries.common import (
    PercentileCont,
    breached_q,
    incidents_in_range,
    is_postgres,
    minutes_between,
    page,
    percentile,
    response_end,
    seconds_between,
)

# Minutes late: each bucket is (above, up to and including); None is open-ended.
LATENESS_BUCKETS = [(0, 15), (15, 30), (30, 60), (60, 120), (120, None)]


def breached_incidents(
    filters: ReportFilters, *, now: datetime, annotate: bool = True
) -> QuerySet[Incident]:
    """Incidents received in the range whose response clock ran past the target (see
    `breached_q`). `annotate` adds what a row shows: the clock's end, the divert before it,
    and the BREACHED alert's acknowledgement."""
    incidents = incidents_in_range(filters).filter(breached_q(now))
    if not annotate:
        return incidents
    breached_alert = Alert.objects.filter(
        incident=OuterRef("pk"), kind=AlertKind.BREACHED
    ).order_by("-threshold_at", "-id")
    return incidents.annotate(
        response_end_at=response_end(now),
        divert_before=_divert_before(),
        alert_acknowledged_at=Subquery(breached_alert.values("acknowledged_at")[:1]),
        alert_acknowledged_by=Subquery(breached_alert.values("acknowledged_by__username")[:1]),
        alert_raised_at=Subquery(breached_alert.values("raised_at")[:1]),
        escalated=Exists(Alert.objects.filter(incident=OuterRef("pk"), kind=AlertKind.ESCALATED)),
    )


def breach_totals(filters: ReportFilters, *, now: datetime) -> dict:
    """{breached, divert_before, acknowledged, domestic_abuse, not_attended, bucket_<low> for
    each of LATENESS_BUCKETS, median_late_seconds, max_late_seconds} over the whole range."""
    target = F("target_response_at")
    end = response_end(now)
    breached_alerts = Alert.objects.filter(incident=OuterRef("pk"), kind=AlertKind.BREACHED)
    # Conditions are spelled out here rather than referring to the row annotations: an
    # aggregate over subquery annotations would make Django wrap the query in a subquery.
    aggregates = {
        "breached": Count("id"),
        "divert_before": Count("id", filter=Q(_divert_before())),
        "acknowledged": Count(
            "id", filter=Q(Exists(breached_alerts.filter(acknowledged_at__isnull=False)))
        ),
        "domestic_abuse": Count("id", filter=Q(domestic_abuse=True)),
        "not_attended": Count("id", filter=Q(first_arrived_at__isnull=True)),
    }
    for low, high in LATENESS_BUCKETS:
        condition = GreaterThan(end, target + timedelta(minutes=low))
        if high is not None:
            condition = Q(condition) & Q(LessThanOrEqual(end, target + timedelta(minutes=high)))
        aggregates[f"bucket_{low}"] = Count("id", filter=Q(condition))
    if is_postgres():
        lateness = seconds_between(end, target)
        aggregates["median_late_seconds"] = PercentileCont(lateness, 0.5)
        aggregates["max_late_seconds"] = Max(lateness)
    totals = breached_incidents(filters, now=now, annotate=False).aggregate(**aggregates)
    if not is_postgres():
        late = [
            (stopped - due).total_seconds()
            for stopped, due in breached_incidents(filters, now=now).values_list(
                "response_end_at", "target_response_at"
            )
        ]
        totals["median_late_seconds"] = percentile(late, 0.5)
        totals["max_late_seconds"] = max(late) if late else None
    return totals


def breach_rows(
    filters: ReportFilters, *, now: datetime, limit: int | None, offset: int
) -> list[dict]:
    """One page of breached incidents, newest first."""
    incidents = (
        breached_incidents(filters, now=now)
        .select_related("opening_code")
        .order_by("-received_at", "-id")
    )
    return [_breach_row(incident) for incident in page(incidents, limit, offset)]


def _breach_row(incident: Incident) -> dict:
    if incident.first_arrived_at:
        state = "Arrived late"
    elif incident.closed_at:
        state = "Closed without attendance after the target"
    else:
        state = "Not attended: still open"
    return {
        "incident_id": incident.pk,
        "reference": incident.reference,
        "grade": incident.grade,
        "area": incident.area,
        "domestic_abuse": incident.domestic_abuse,
        "opening_code": incident.opening_code_id or "",
        "received_at": incident.received_at,
        "target_response_at": incident.target_response_at,
        "first_arrived_at": incident.first_arrived_at,
        "minutes_late": minutes_between(incident.response_end_at, incident.target_response_at),
        "state": state,
        "divert_before": incident.divert_before,
        "alert_raised_at": incident.alert_raised_at,
        "acknowledged_by": incident.alert_acknowledged_by or "",
        "acknowledged_at": incident.alert_acknowledged_at,
        "escalated": incident.escalated,
    }


def _divert_before() -> Exists:
    """A divert away from the incident at or before its target time."""
    return Exists(
        Divert.objects.filter(
            from_incident=OuterRef("pk"), requested_at__lte=OuterRef("target_response_at")
        )
    )
