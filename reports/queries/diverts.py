"""QA review of diverts: each divert with what became of the incident it left (overridden,
re-resourced, never re-resourced), its latest QA finding and its urgent-review flag."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cad.exceptions import NotFound
from cad.models import Grade, Incident
from dispatch.models import Assignment, Divert, DivertStatus
from reports.filters import ReportFilters
from reports.models import DivertFinding, DivertOutcome, DivertUrgentFlag, FindingOutcome
from reports.queries.common import breached_q, minutes_between, page, username

# A high-risk divert (DA or Immediate) whose incident waited longer than this for another unit
# is suggested for urgent review.
URGENT_RESOURCE_MINUTES = 15
# What a divert row shows beyond the divert itself.
ROW_RELATIONS = ("unit", "from_incident", "to_incident", "requested_by", "reviewed_by")


def diverts_annotated(now: datetime) -> QuerySet[Divert]:
    """Every divert with its outcome for the original incident, the latest QA finding and the
    urgent-review flag (set by a reviewer, else suggested by the rule below)."""
    return with_outcome(_with_review(_with_resourcing(Divert.objects.all(), now)))


def with_outcome(diverts: QuerySet) -> QuerySet:
    """The outcome and urgent flag of diverts annotated with their resourcing and review."""
    overridden = Q(status=DivertStatus.OVERRIDDEN)
    never = ~overridden & Q(other_unit_on=False, next_assignment_at__isnull=True)
    slow = Q(
        other_unit_on=False,
        next_assignment_at__gt=F("requested_at") + timedelta(minutes=URGENT_RESOURCE_MINUTES),
    )
    high_risk = Q(from_domestic_abuse=True) | Q(from_grade=Grade.IMMEDIATE)
    return diverts.annotate(
        outcome=Case(
            When(overridden, then=Value(DivertOutcome.OVERRIDDEN.value)),
            When(never, then=Value(DivertOutcome.NEVER_RE_RESOURCED.value)),
            default=Value(DivertOutcome.RE_RESOURCED.value),
        ),
        urgent_suggested=Case(
            When(high_risk & (never | slow | Q(incident_breached=True)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        urgent=Coalesce("urgent_flag", "urgent_suggested", output_field=BooleanField()),
    )


def _with_resourcing(diverts: QuerySet, now: datetime) -> QuerySet:
    """Whether another unit was on the incident at the divert, when the next one was assigned,
    and whether the incident's response target was breached."""
    other_unit_on = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__lt=OuterRef("requested_at")
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("requested_at")))
    next_assignment = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__gte=OuterRef("requested_at")
    ).order_by("assigned_at", "id")
    return diverts.annotate(
        other_unit_on=Exists(other_unit_on.exclude(pk=OuterRef("from_assignment"))),
        next_assignment_at=Subquery(next_assignment.values("assigned_at")[:1]),
        # Read by primary key, not joined: joined (or as an EXISTS), PostgreSQL hashes every
        # incident of the table to find the few thousand a year of diverts left.
        incident_breached=Subquery(
            Incident.objects.filter(pk=OuterRef("from_incident"))
            .annotate(
                breached=Case(
                    When(breached_q(now), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
            .values("breached")[:1],
            output_field=BooleanField(),
        ),
    )


def _with_review(diverts: QuerySet) -> QuerySet:
    """The latest QA finding and the latest urgent flag set by a reviewer."""
    latest_finding = DivertFinding.objects.filter(divert=OuterRef("pk")).order_by(
        "-recorded_at", "-id"
    )
    latest_flag = DivertUrgentFlag.objects.filter(divert=OuterRef("pk")).order_by("-set_at", "-id")
    return diverts.annotate(
        finding=Subquery(latest_finding.values("outcome")[:1]),
        finding_notes=Subquery(latest_finding.values("notes")[:1]),
        finding_by=Subquery(latest_finding.values("recorded_by__username")[:1]),
        finding_at=Subquery(latest_finding.values("recorded_at")[:1]),
        urgent_flag=Subquery(latest_flag.values("urgent")[:1], output_field=BooleanField()),
        urgent_flag_reason=Subquery(latest_flag.values("reason")[:1]),
    )


def divert_list(filters: ReportFilters, *, now: datetime) -> QuerySet[Divert]:
    """The DIVERT tag list for QA: diverts requested in the range, filtered by the original
    incident's grade (at the divert), DA, area, opening code, outcome and urgent."""
    diverts = diverts_annotated(now).filter(
        requested_at__gte=filters.start_at, requested_at__lt=filters.end_at
    )
    if filters.grade:
        diverts = diverts.filter(from_grade=filters.grade)
    if filters.domestic_abuse is not None:
        diverts = diverts.filter(from_domestic_abuse=filters.domestic_abuse)
    if filters.area:
        diverts = diverts.filter(from_incident__area=filters.area)
    if filters.opening_code:
        diverts = diverts.filter(from_incident__opening_code_id=filters.opening_code)
    if filters.outcome:
        diverts = diverts.filter(outcome=filters.outcome)
    if filters.urgent is not None:
        diverts = diverts.filter(urgent=filters.urgent)
    return diverts


def divert_counts(filters: ReportFilters, *, now: datetime) -> dict:
    """{total, reviewed, urgent_unreviewed, <each DivertOutcome>, <each FindingOutcome>} over
    the list, whatever `reviewed` says."""
    # One narrow read of every divert in the range (thousands a year at most), counted here:
    # aggregating over the subquery annotations would make Django nest the query.
    counts = defaultdict(int)
    rows = divert_list(filters, now=now).values_list("outcome", "urgent", "finding")
    for outcome, urgent, finding in rows:
        counts["total"] += 1
        counts["reviewed"] += finding is not None
        counts["urgent_unreviewed"] += bool(urgent) and finding is None
        counts[outcome] += 1
        counts[finding] += finding is not None
    return counts


def divert_rows(
    filters: ReportFilters, *, now: datetime, limit: int | None, offset: int
) -> list[dict]:
    """One page of the list narrowed by `reviewed`: urgent unreviewed first, then newest
    first."""
    diverts = divert_list(filters, now=now)
    if filters.reviewed is not None:
        diverts = diverts.filter(finding__isnull=not filters.reviewed)
    ordered = diverts.order_by(
        Case(When(Q(urgent=True, finding__isnull=True), then=Value(0)), default=Value(1)),
        "-requested_at",
        "-id",
    )
    # The page's ids first, then those rows with what they show: ordering every divert of the
    # range joined to its incidents, units and users would read all of them.
    ids = page(ordered.values_list("pk", flat=True), limit, offset)
    rows = diverts_annotated(now).select_related(*ROW_RELATIONS).in_bulk(ids)
    return [divert_row(rows[pk]) for pk in ids]


def listed_total(counts: dict, reviewed: bool | None) -> int:
    """How many rows `divert_rows` lists in all, read from `divert_counts`."""
    if reviewed is None:
        return counts["total"]
    return counts["reviewed"] if reviewed else counts["total"] - counts["reviewed"]


def divert_get(divert_id: int, *, now: datetime) -> dict:
    """One divert as a QA row. Raises NotFound."""
    divert = diverts_annotated(now).select_related(*ROW_RELATIONS).filter(pk=divert_id).first()
    if divert is None:
        raise NotFound(f"Divert {divert_id} does not exist.", code="divert_not_found")
    return divert_row(divert)


def divert_qa_detail(divert_id: int, *, now: datetime) -> dict:
    """One divert as a QA row, with every finding and urgent flag recorded on it (newest
    first) under `findings` and `urgent_flags`. Raises NotFound."""
    row = divert_get(divert_id, now=now)
    row["findings"] = list(
        DivertFinding.objects.filter(divert_id=divert_id).select_related("recorded_by")
    )
    row["urgent_flags"] = list(
        DivertUrgentFlag.objects.filter(divert_id=divert_id).select_related("set_by")
    )
    return row


def incident_diverts(incident_id: int, *, now: datetime) -> list[dict]:
    """The diverts away from one incident as QA rows, oldest first."""
    diverts = (
        diverts_annotated(now)
        .filter(from_incident_id=incident_id)
        .select_related(*ROW_RELATIONS)
        .order_by("requested_at", "id")
    )
    return [divert_row(divert) for divert in diverts]


def divert_row(divert: Divert) -> dict:
    """A divert from `diverts_annotated` (with ROW_RELATIONS) as a QA row."""
    re_resourced_at = divert.requested_at if divert.other_unit_on else divert.next_assignment_at
    return {
        "divert_id": divert.pk,
        "incident_id": divert.from_incident_id,
        "reference": divert.from_incident.reference,
        "grade": divert.from_grade,
        "domestic_abuse": divert.from_domestic_abuse,
        "area": divert.from_incident.area,
        "unit": divert.unit.call_sign,
        "to_reference": divert.to_incident.reference,
        "to_grade": divert.to_grade,
        "requested_at": divert.requested_at,
        "requested_by": username(divert.requested_by),
        "reason": divert.reason,
        "controller_decision": DivertStatus(divert.status).label,
        "reviewed_by": username(divert.reviewed_by),
        "outcome": divert.outcome,
        "outcome_label": DivertOutcome(divert.outcome).label,
        "minutes_to_resource": minutes_between(re_resourced_at, divert.requested_at),
        "incident_breached": divert.incident_breached,
        "urgent": bool(divert.urgent),
        "urgent_reason": _urgent_reason(divert, re_resourced_at),
        "finding": divert.finding or "",
        "finding_label": FindingOutcome(divert.finding).label if divert.finding else "",
        "finding_notes": divert.finding_notes or "",
        "finding_by": divert.finding_by or "",
        "finding_at": divert.finding_at,
    }


def _urgent_reason(divert: Divert, re_resourced_at: datetime | None) -> str:
    """Why the divert is (or is not) urgent: the reviewer's reason, else the rule's."""
    if divert.urgent_flag is not None:
        return f"set by QA: {divert.urgent_flag_reason}"
    if not divert.urgent_suggested:
        return ""
    why = []
    if divert.outcome == DivertOutcome.NEVER_RE_RESOURCED:
        why.append("never re-resourced")
    elif (
        re_resourced_at
        and (re_resourced_at - divert.requested_at).total_seconds() > URGENT_RESOURCE_MINUTES * 60
    ):
        why.append(f"re-resourced after more than {URGENT_RESOURCE_MINUTES} min")
    if divert.incident_breached:
        why.append("response target breached")
    risk = "DA" if divert.from_domestic_abuse else Grade(divert.from_grade).label
    return f"{risk} call " + " and ".join(why)
