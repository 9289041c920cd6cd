"""Read queries for intelligence: stored checks, records and the check queue."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse

from cad.exceptions import NotFound, ValidationFailed
from cad.models import Grade
from intelligence.check import panel_for
from intelligence.models import CheckRequest, IntelCheck, IntelRecord


def check_dict(check: IntelCheck) -> dict:
    """A stored check in the API's shape (API.md: id, ran_at, records, previous_contacts,
    previous_incidents, markers), plus who ran it, why, and the context panel."""
    result = check.result or {}
    ran_at = check.ran_at.isoformat()
    panel = panel_for(result, check_id=check.pk, ran_at=ran_at)
    panel["ran_by"] = check.ran_by_label
    if check.incident_id:
        panel["links"].append(
            {
                "label": "All checks, run a further check",
                "url": reverse("intel-incident", args=[check.incident_id]),
            }
        )
    return {
        "id": check.pk,
        "ran_at": ran_at,
        "ran_by": check.ran_by_label,
        "ran_by_system": check.ran_by_id is None,
        "trigger": check.trigger,
        "incident": check.incident_id,
        "query": result.get("query", {}),
        "records": result.get("records", []),
        "previous_contacts": result.get("previous_contacts", []),
        "previous_incidents": result.get("previous_incidents", []),
        "markers": result.get("markers", []),
        "older": result.get("older", {}),
        "patterns": result.get("patterns", []),
        "risk_factors": result.get("risk_factors", []),
        "banners": result.get("banners", []),
        "markers_checked": result.get("markers_checked", True),
        "truncated": result.get("truncated", False),
        "duration_ms": check.duration_ms,
        "panel": panel,
    }


def incident_latest_check(incident) -> IntelCheck | None:
    return (
        IntelCheck.objects.filter(incident=incident)
        .select_related("ran_by")
        .order_by("-ran_at", "-id")
        .first()
    )


def incident_intel_check(incident) -> dict | None:
    """The incident's latest check, or None when no check has run."""
    check = incident_latest_check(incident)
    return check_dict(check) if check else None


def incident_checks(incident_id: int) -> QuerySet[IntelCheck]:
    return (
        IntelCheck.objects.filter(incident_id=incident_id)
        .select_related("ran_by")
        .order_by("-ran_at", "-id")
    )


def check_get(check_id: int) -> IntelCheck:
    try:
        return IntelCheck.objects.select_related("ran_by", "incident").get(pk=check_id)
    except IntelCheck.DoesNotExist:
        raise NotFound(f"Intelligence check {check_id} does not exist.") from None


def record_get(record_id: int) -> IntelRecord:
    try:
        return IntelRecord.objects.prefetch_related(
            "person_links__person", "phones", "addresses"
        ).get(pk=record_id)
    except IntelRecord.DoesNotExist:
        raise NotFound(f"Intel record {record_id} does not exist.") from None


def record_dict(record: IntelRecord) -> dict:
    return {
        "id": record.pk,
        "kind": record.kind,
        "summary": record.summary,
        "occurred_at": record.occurred_at.isoformat(),
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "risk_level": record.risk_level,
        "conditions": record.conditions,
        "source_reference": record.source_reference or "",
        "people": [
            {
                "id": link.person_id,
                "name": link.person.display_name,
                "role": link.role,
                "date_of_birth": (
                    link.person.date_of_birth.isoformat() if link.person.date_of_birth else None
                ),
            }
            for link in record.person_links.all()
        ],
        "names": [link.person.display_name for link in record.person_links.all()],
        "phones": [p.phone for p in record.phones.all()],
        "addresses": [a.address for a in record.addresses.all()],
        "created_at": record.created_at.isoformat(),
    }


def _priority():
    """Most urgent grade first; requests with no incident after every graded one."""
    whens = [When(incident__grade=grade, then=Value(rank)) for rank, grade in enumerate(Grade)]
    return Case(*whens, default=Value(len(Grade.values)), output_field=IntegerField())


def check_requests(*, status: str | None = None) -> QuerySet[CheckRequest]:
    """The queue: open work first, by priority (the incident's grade now), then oldest first."""
    if status and status not in CheckRequest.Status.values:
        raise ValidationFailed(f"Unknown status '{status}'.", code="unknown_status")
    qs = CheckRequest.objects.select_related(
        "incident", "requested_by", "assigned_to", "completed_by"
    ).annotate(priority=_priority())
    if status:
        qs = qs.filter(status=status)
    open_first = Case(
        When(status__in=["OPEN", "IN_PROGRESS"], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(open_first=open_first).order_by(
        "open_first", "priority", "requested_at", "id"
    )


def check_request_get(request_id: int) -> CheckRequest:
    try:
        return check_requests().get(pk=request_id)
    except CheckRequest.DoesNotExist:
        raise NotFound(f"Check request {request_id} does not exist.") from None
