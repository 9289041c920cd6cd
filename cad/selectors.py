"""Read queries for incidents, contacts, downgrade requests and reference data."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from cad import clock
from cad import context as call_context
from cad.exceptions import NotFound, ValidationFailed
from cad.grading.thrive import thrive_suggest
from cad.models import (
    Area,
    Channel,
    ClosingCode,
    Contact,
    Grade,
    GradeChange,
    GradeRequest,
    Incident,
    IncidentLogEntry,
    IncidentStatus,
    OpeningCode,
    ThriveAssessment,
)
from cad.normalise import normalise_phone
from core.audit import audit_trail
from core.validation import clean_choice


def _check(value: str | None, choices, what: str) -> str | None:
    """A filter's value if it is one of `choices`, None when not given (400 when unknown)."""
    return clean_choice(value, choices, what) if value else None


def _flag(value) -> bool | None:
    """Query-string booleans: true/false/1/0/yes/no; anything else is a 400."""
    if value in (None, ""):
        return None
    text = str(value).lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"Expected true or false, got '{value}'.", code="invalid_boolean")


def incident_detail_queryset() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "opening_code", "closing_code", "created_by", "graded_by"
    ).prefetch_related(
        "tags",
        Prefetch("log_entries", queryset=IncidentLogEntry.objects.select_related("author")),
        Prefetch("grade_changes", queryset=GradeChange.objects.select_related("by", "approved_by")),
        Prefetch(
            "grade_requests",
            queryset=GradeRequest.objects.select_related("requested_by", "decided_by"),
        ),
        Prefetch(
            "thrive_assessments",
            queryset=ThriveAssessment.objects.select_related("recorded_by"),
        ),
    )


def incident_get(incident_id: int) -> Incident:
    try:
        return incident_detail_queryset().get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


def incident_list(
    *,
    status: str | None = None,
    grade: str | None = None,
    channel: str | None = None,
    area: str | None = None,
    domestic_abuse=None,
    tag: str | None = None,
    open_only=None,
    q: str | None = None,
) -> QuerySet[Incident]:
    """Incidents, newest first, filtered. `q` matches the reference, address, caller name or
    number, or the narrative. Raises ValidationFailed for an unknown filter value."""
    qs = Incident.objects.select_related("opening_code").prefetch_related("tags")
    if _check(status, IncidentStatus, "status"):
        qs = qs.filter(status=status)
    if _check(grade, Grade, "grade"):
        qs = qs.filter(grade=grade)
    if _check(channel, Channel, "channel"):
        qs = qs.filter(channel=channel)
    if _check(area, Area, "area"):
        qs = qs.filter(area=area)
    da = _flag(domestic_abuse)
    if da is not None:
        qs = qs.filter(domestic_abuse=da)
    if _flag(open_only):
        qs = qs.exclude(status=IncidentStatus.CLOSED)
    if tag:
        qs = qs.filter(tags__tag=tag.upper())
    q = (q or "").strip()[:200]
    if q:
        match = (
            Q(reference__iexact=q)
            | Q(address__icontains=q)
            | Q(caller_name__icontains=q)
            | Q(narrative__icontains=q)
        )
        phone = normalise_phone(q)
        if phone.e164:
            match |= Q(caller_phone=phone.e164)
        qs = qs.filter(match)
    return qs.order_by("-received_at", "-id")


def contact_list(
    *,
    phone: str | None = None,
    channel: str | None = None,
    incident_id: int | None = None,
    handler=None,
) -> QuerySet[Contact]:
    """Contacts, newest first. `phone` in any format matches its E.164 form."""
    qs = Contact.objects.select_related("handler", "incident")
    if phone:
        parsed = normalise_phone(phone)
        qs = qs.filter(caller_phone=parsed.stored)
    if _check(channel, Channel, "channel"):
        qs = qs.filter(channel=channel)
    if incident_id:
        qs = qs.filter(incident_id=incident_id)
    if handler is not None:
        qs = qs.filter(handler=handler)
    return qs.order_by("-received_at", "-id")


def grade_requests(*, status: str | None = None) -> QuerySet[GradeRequest]:
    qs = GradeRequest.objects.select_related(
        "incident", "incident__opening_code", "requested_by", "decided_by"
    )
    if _check(status, GradeRequest.Status, "status"):
        qs = qs.filter(status=status)
    return qs


def grade_request_queue() -> dict[str, list[GradeRequest]]:
    """The supervisor's queue: pending requests oldest first, and the latest decisions."""
    return {
        "pending": list(
            grade_requests(status=GradeRequest.Status.PENDING).order_by("requested_at")
        ),
        "decided": list(
            grade_requests()
            .exclude(status=GradeRequest.Status.PENDING)
            .order_by("-decided_at", "-id")[:25]
        ),
    }


def grade_request_get(request_id: int) -> GradeRequest:
    try:
        return grade_requests().get(pk=request_id)
    except GradeRequest.DoesNotExist:
        raise NotFound(f"Grade request {request_id} does not exist.") from None


def opening_codes() -> QuerySet[OpeningCode]:
    return OpeningCode.objects.filter(active=True)


def closing_codes() -> QuerySet[ClosingCode]:
    return ClosingCode.objects.filter(active=True)


def incident_timeline(incident: Incident):
    """The incident's audit trail, oldest first: the timeline that cannot be altered."""
    return audit_trail(incident)


def incident_page(incident_id: int, *, reader: call_context.Reader | None) -> dict:
    """Everything the incident page shows: the record, its assessment and other apps' panels
    (intelligence check, markers, assignments...) as `reader` may read them, and the audit
    timeline."""
    incident = incident_get(incident_id)
    return {
        "incident": incident,
        "assessment": call_context.assessment_for(incident.assessment, reader=reader),
        "panels": call_context.incident_fields(incident, reader=reader),
        "timeline": list(incident_timeline(incident)),
        "pending_request": next(
            (r for r in incident.grade_requests.all() if r.status == GradeRequest.Status.PENDING),
            None,
        ),
    }


def thrive_view(incident: Incident) -> dict:
    """An incident's THRIVE: `{"current": version | None, "suggested": panel, "history":
    [version, oldest first]}`, each version as `ThriveAssessment.as_dict()` and the suggestion
    the engine's reading of the incident's current assessment (`cad.grading.thrive`)."""
    history = sorted(incident.thrive_assessments.all(), key=lambda v: v.version)
    return {
        "current": history[-1].as_dict() if history else None,
        "suggested": thrive_suggest(incident.assessment or {}),
        "history": [version.as_dict() for version in history],
    }


def incident_due_soon_at(incident: Incident):
    """When the incident's countdown turns amber, or None (see `cad.clock`)."""
    return clock.incident_due_soon_at(incident)
