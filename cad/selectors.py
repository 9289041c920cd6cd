"""Read queries for incidents and contacts."""

from django.db.models import Prefetch, QuerySet

from cad.models import GradeRequest, Incident, IncidentLogEntry


def incident_detail_queryset() -> QuerySet[Incident]:
    return Incident.objects.select_related("opening_code").prefetch_related(
        "tags", Prefetch("log_entries", queryset=IncidentLogEntry.objects.select_related("author"))
    )


def incident_get(incident_id: int) -> Incident:
    from cad.exceptions import NotFound

    try:
        return incident_detail_queryset().get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


def incident_list(*, status: str | None = None) -> QuerySet[Incident]:
    qs = Incident.objects.prefetch_related("tags").order_by("-received_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def grade_requests(*, status: str | None = None) -> QuerySet[GradeRequest]:
    qs = GradeRequest.objects.select_related("incident", "requested_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def grade_request_get(request_id: int) -> GradeRequest:
    from cad.exceptions import NotFound

    try:
        return grade_requests().get(pk=request_id)
    except GradeRequest.DoesNotExist:
        raise NotFound(f"Grade request {request_id} does not exist.") from None
