"""Downgrades: gradings below the recommended or minimum grade (applied, or asked of a
supervisor and not applied), and DA calls whose grade is below Immediate."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThan

from cad.models import Grade, GradeChange, GradeRequest, Incident
from reports.filters import ReportFilters
from reports.queries.common import grade_rank, incident_filter_q, incidents_in_range, page, username


@dataclass
class DowngradeCounts:
    """`changes`: {total, below_minimum, signed_off, self_approved, da} over applied gradings; `requests`:
    {total, refused, pending} over sign-off requests not applied; `by_grade`: {grade given:
    {n, below_minimum}}."""

    changes: dict
    requests: dict
    by_grade: dict


def downgrade_changes(filters: ReportFilters) -> QuerySet[GradeChange]:
    """Gradings in the range below the recommended or the minimum grade."""
    changes = (
        GradeChange.objects.filter(at__gte=filters.start_at, at__lt=filters.end_at)
        .filter(incident_filter_q(filters, "incident__"))
        .filter(Q(_below("to_grade", "minimum_grade")) | Q(_below("to_grade", "recommended_grade")))
    )
    if filters.grade:
        changes = changes.filter(to_grade=filters.grade)
    return changes


def downgrade_requests_not_applied(filters: ReportFilters) -> QuerySet[GradeRequest]:
    """Downgrades asked of a supervisor in the range that were not applied (pending, refused,
    withdrawn): an approved one appears as its GradeChange."""
    requests = (
        GradeRequest.objects.filter(
            requested_at__gte=filters.start_at, requested_at__lt=filters.end_at
        )
        .exclude(status=GradeRequest.Status.APPROVED)
        .filter(incident_filter_q(filters, "incident__"))
    )
    if filters.grade:
        requests = requests.filter(requested_grade=filters.grade)
    return requests


# The counts of applied downgrades, per grade given; `downgrade_counts` adds them up.
_CHANGE_COUNTS = ("n", "below_minimum", "signed_off", "self_approved", "da")


def downgrade_counts(filters: ReportFilters) -> DowngradeCounts:
    """The counts, the applied gradings' in one pass over the range: per grade given (the
    chart), added up for the totals. DA is read by the incident's primary key for each
    downgrade, not by joining every incident of the table (a year: a scan of all of them)."""
    da_incident = Incident.objects.filter(pk=OuterRef("incident_id"), domestic_abuse=True)
    per_grade = list(
        downgrade_changes(filters)
        .values("to_grade")
        .annotate(
            n=Count("id"),
            below_minimum=Count("id", filter=Q(_below("to_grade", "minimum_grade"))),
            signed_off=Count("id", filter=Q(approved_by__isnull=False)),
            self_approved=Count("id", filter=Q(approved_by__isnull=False, approved_by=F("by"))),
            da=Count("id", filter=Q(Exists(da_incident))),
        )
        .order_by()
    )
    totals = {name: sum(row[name] for row in per_grade) for name in _CHANGE_COUNTS}
    totals["total"] = totals.pop("n")
    return DowngradeCounts(
        changes={
            key: totals[key]
            for key in ("total", "below_minimum", "signed_off", "self_approved", "da")
        },
        requests=downgrade_requests_not_applied(filters).aggregate(
            total=Count("id"),
            refused=Count("id", filter=Q(status=GradeRequest.Status.REFUSED)),
            pending=Count("id", filter=Q(status=GradeRequest.Status.PENDING)),
        ),
        by_grade={
            row["to_grade"]: {key: row[key] for key in ("to_grade", "n", "below_minimum")}
            for row in per_grade
        },
    )


def downgrade_rows(filters: ReportFilters, *, limit: int | None, offset: int) -> list[dict]:
    """One page of applied gradings and unapplied requests, merged newest first. Each source is
    fetched only as far as the page needs."""
    depth = None if limit is None else offset + limit
    changes = (
        downgrade_changes(filters)
        .select_related("incident", "by", "approved_by")
        .order_by("-at", "-id")
    )
    requests = (
        downgrade_requests_not_applied(filters)
        .select_related("incident", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )
    merged = [_change_row(c) for c in page(changes, depth, 0)]
    merged += [_request_row(r) for r in page(requests, depth, 0)]
    merged.sort(key=lambda row: row["at"], reverse=True)
    return page(merged, limit, offset)


def da_below_immediate(filters: ReportFilters) -> QuerySet[Incident]:
    """DA incidents received in the range whose current grade is below Immediate."""
    latest = GradeChange.objects.filter(incident=OuterRef("pk")).order_by("-at", "-id")
    return (
        incidents_in_range(filters)
        .filter(domestic_abuse=True)
        .exclude(grade=Grade.IMMEDIATE)
        .annotate(
            grade_reason=Subquery(latest.values("reason")[:1]),
            signed_off_by=Subquery(latest.values("approved_by__username")[:1]),
        )
        .select_related("graded_by")
        .order_by("-received_at", "-id")
    )


def da_below_immediate_rows(filters: ReportFilters, *, limit: int | None, offset: int):
    """(one page of rows, how many in all) of `da_below_immediate`."""
    incidents = da_below_immediate(filters)
    rows = [
        {
            "incident_id": incident.pk,
            "reference": incident.reference,
            "received_at": incident.received_at,
            "grade": incident.grade,
            "recommended_grade": incident.recommended_grade,
            "minimum_grade": incident.minimum_grade,
            "graded_by": username(incident.graded_by),
            "graded_at": incident.graded_at,
            "reason": incident.grade_reason or "",
            "signed_off_by": incident.signed_off_by or "",
        }
        for incident in page(incidents, limit, offset)
    ]
    return rows, incidents.count()


def _below(field: str, floor: str) -> GreaterThan:
    """`field`'s grade is less urgent than `floor`'s (false when `floor` is blank)."""
    return GreaterThan(grade_rank(field), grade_rank(floor))


def _change_row(change: GradeChange) -> dict:
    incident = change.incident
    self_approved = bool(change.approved_by_id) and change.approved_by_id == change.by_id
    if self_approved:
        decision = f"Self-approved by {username(change.approved_by)} (their own grading)"
    elif change.approved_by_id:
        decision = f"Signed off by {username(change.approved_by)}"
    else:
        decision = "No sign-off required"
    return _row(
        incident,
        at=change.at,
        from_grade=change.from_grade,
        to_grade=change.to_grade,
        recommended_grade=change.recommended_grade,
        minimum_grade=change.minimum_grade,
        applied=True,
        reason=change.reason,
        by=username(change.by),
        supervisor_decision=decision,
        decided_at=change.at if change.approved_by_id else None,
        self_approved=self_approved,
    )


def _request_row(request: GradeRequest) -> dict:
    label = GradeRequest.Status(request.status).label
    if request.status == GradeRequest.Status.PENDING:
        decision = "Pending: awaiting a supervisor"
    elif request.decided_by_id:
        decision = f"{label} by {username(request.decided_by)}"
    else:
        decision = label
    if request.decision_note:
        decision += f": {request.decision_note}"
    return _row(
        request.incident,
        at=request.requested_at,
        from_grade=request.from_grade,
        to_grade=request.requested_grade,
        recommended_grade=request.incident.recommended_grade,
        minimum_grade=request.incident.minimum_grade,
        applied=False,
        reason=request.reason,
        by=username(request.requested_by),
        supervisor_decision=decision,
        decided_at=request.decided_at,
    )


def _row(
    incident: Incident,
    *,
    at,
    from_grade: str,
    to_grade: str,
    recommended_grade: str,
    minimum_grade: str,
    applied: bool,
    reason: str,
    by: str,
    supervisor_decision: str,
    decided_at,
    self_approved: bool = False,
) -> dict:
    """A downgrade row, applied or not, in column order."""
    return {
        "at": at,
        "incident_id": incident.pk,
        "reference": incident.reference,
        "domestic_abuse": incident.domestic_abuse,
        "from_grade": from_grade,
        "to_grade": to_grade,
        "recommended_grade": recommended_grade,
        "minimum_grade": minimum_grade,
        "below": "Minimum" if Grade.is_below(to_grade, minimum_grade) else "Recommended",
        "applied": applied,
        "reason": reason,
        "by": by,
        "supervisor_decision": supervisor_decision,
        "self_approved": self_approved,
        "decided_at": decided_at,
    }
