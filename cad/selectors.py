"""Read queries for incidents, contacts, downgrade requests and reference data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

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
from cad.normalise import normalise_address, normalise_name, normalise_phone
from cad.warnings import assessment_warnings, findings_not_warned, risk_summary
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
        "opening_code", "closing_code", "created_by", "graded_by", "merged_into"
    ).prefetch_related(
        "tags",
        Prefetch(
            "log_entries",
            queryset=IncidentLogEntry.objects.select_related(
                "author", "contact", "copied_from__incident"
            ),
        ),
        Prefetch(
            "contacts",
            queryset=Contact.objects.select_related("handler").order_by("received_at", "id"),
        ),
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
    """The supervisor's queue: pending requests oldest first, each with the risk summary it is
    signed off against (`risk_summary`), and the latest decisions."""
    pending = list(grade_requests(status=GradeRequest.Status.PENDING).order_by("requested_at"))
    for request in pending:
        request.risk_summary = risk_summary(request.incident)
    return {
        "pending": pending,
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


@dataclass(frozen=True)
class GradeHistoryRow:
    """One line of an incident's grade history: a grade change or a downgrade request."""

    at: datetime
    kind: str  # "change" or "request"
    row: GradeChange | GradeRequest


def grade_history(incident: Incident) -> list[GradeHistoryRow]:
    """Grade changes and downgrade requests in one list, oldest first (as the log and the
    timeline on the same page): a request made at 21:50 comes before a change at 22:00."""
    rows = [GradeHistoryRow(c.at, "change", c) for c in incident.grade_changes.all()]
    rows += [GradeHistoryRow(r.requested_at, "request", r) for r in incident.grade_requests.all()]
    return sorted(rows, key=lambda r: (r.at, r.kind == "request", r.row.pk))


def incident_page(incident_id: int, *, reader: call_context.Reader | None) -> dict:
    """Everything the incident page shows: the record, its assessment and other apps' panels
    (intelligence check, markers, assignments...) as `reader` may read them, and the audit
    timeline."""
    incident = incident_get(incident_id)
    panels = call_context.incident_fields(incident, reader=reader)
    assessment = call_context.assessment_for(incident.assessment, reader=reader)
    warnings = assessment_warnings(assessment, fields=panels, narrative=False)
    return {
        "incident": incident,
        "assessment": assessment,
        "panels": panels,
        "warnings": warnings,
        "risk_factors": findings_not_warned(assessment, warnings),
        # DA indicators likewise: a record already warned about at the top is not listed again.
        "indicators": findings_not_warned(
            {"risk_factors": (assessment or {}).get("indicators")}, warnings
        ),
        "timeline": list(incident_timeline(incident)),
        "grade_history": grade_history(incident),
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


# --- Possibly the same incident ------------------------------------------------------------------
# Which open incidents a new call may be about: the call-taking screen asks as the handler types,
# and the API. "The same premises" is answered by `same_premises_q` alone, from the address
# normalisation every app shares, so a premises register (UPRN) can take its place in one place.

# How far back an open incident is offered: received, or last called about, within this window.
DUPLICATE_WINDOW = timedelta(hours=24)
# At most this many are offered, most recent first.
DUPLICATE_LIMIT = 10
# A name alone offers an incident only when it has at least this many words: a lone first name
# ("Dean") would offer every open incident that mentions one.
NAME_MIN_WORDS = 2


@dataclass
class PossibleDuplicate:
    """An open incident a new call may be about, and why: `matched_on` is a subset of
    ["phone", "address", "name"], in that order; `why` says what matched, for the handler."""

    incident: Incident
    matched_on: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    last_contact_at: datetime | None = None


def same_premises_q(address: str, *, prefix: str = "") -> Q | None:
    """Rows at the same premises as `address` (None when the address says nothing): today the
    same normalised address (case, punctuation, abbreviations and postcode spacing folded; house
    and flat numbers kept apart). `prefix` names the relation, e.g. "contacts__"."""
    normalised = normalise_address(address).normalised
    if not normalised:
        return None
    return Q(**{f"{prefix}address_normalised": normalised})


def possible_duplicates(
    *,
    phone: str = "",
    address: str = "",
    names: Iterable[str] = (),
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
    limit: int = DUPLICATE_LIMIT,
) -> list[PossibleDuplicate]:
    """Open incidents received or called about in the `DUPLICATE_WINDOW` before `now` that share
    the caller's number (in E.164), the premises, or a named person (the incident's caller, named
    people, or any caller about it; two words or more, normalised) with this call. Most recent
    contact first, at most `limit`. Records nothing."""
    now = now or timezone.now()
    since = now - DUPLICATE_WINDOW
    open_incidents = Incident.objects.exclude(status=IncidentStatus.CLOSED).filter(
        received_at__lte=now
    )
    if exclude_incident_id:
        open_incidents = open_incidents.exclude(pk=exclude_incident_id)
    # Every incident has a contact from the moment it is taken, so "received or called about in
    # the window" is "a contact in the window". Each look-up starts from an indexed column
    # (the number or the address) so it stays cheap however many calls the day has had.
    recent = {"contacts__received_at__gte": since, "contacts__received_at__lte": now}
    e164 = normalise_phone(phone).e164
    wanted_names = {
        n for n in (normalise_name(x) for x in names) if len(n.split()) >= NAME_MIN_WORDS
    }
    matches: dict[int, set[str]] = {}
    lookups = []
    if e164:
        lookups.append(("phone", Q(caller_phone=e164), Q(contacts__caller_phone=e164)))
    if premises := same_premises_q(address):
        lookups.append(("address", premises, same_premises_q(address, prefix="contacts__")))
    for kind, on_incident, on_contact in lookups:
        ids = set(open_incidents.filter(on_incident).filter(**recent).values_list("pk", flat=True))
        ids |= set(open_incidents.filter(on_contact, **recent).values_list("pk", flat=True))
        for pk in ids:
            matches.setdefault(pk, set()).add(kind)
    if wanted_names:
        for pk in _named(open_incidents.filter(**recent), wanted_names):
            matches.setdefault(pk, set()).add("name")
    return _ranked(matches, e164=e164, address=address, names=wanted_names, limit=limit)


def incident_possible_duplicates(incident: Incident) -> list[PossibleDuplicate]:
    """Other open incidents that may be about the same event as `incident` (its number, address
    and names), e.g. to offer a merge."""
    return possible_duplicates(
        phone=incident.caller_phone,
        address=incident.address,
        names=[incident.caller_name, *(incident.named_people or [])],
        exclude_incident_id=incident.pk,
    )


def incident_by_reference(text: str) -> Incident:
    """The incident a person named by its reference (CAD-YYYYMMDD-NNNN, any case) or its id.

    Raises NotFound."""
    text = (text or "").strip()
    found = Incident.objects.filter(reference__iexact=text).first()
    if found is None and text.isdigit():
        found = Incident.objects.filter(pk=int(text)).first()
    if found is None:
        raise NotFound(f"No incident '{text[:40]}'.")
    return found


def _named(recent, wanted: set[str]) -> set[int]:
    """Ids among `recent` naming one of `wanted` (normalised): the incident's caller, its named
    people, or any caller about it. Names are stored as typed, so they are compared here."""
    ids = set(recent.values_list("pk", flat=True).distinct())
    found = set()
    for pk, caller, people in Incident.objects.filter(pk__in=ids).values_list(
        "pk", "caller_name", "named_people"
    ):
        if wanted & {normalise_name(n) for n in [caller, *(people or [])]}:
            found.add(pk)
    for pk, caller in (
        Contact.objects.filter(incident_id__in=ids).exclude(caller_name="")
    ).values_list("incident_id", "caller_name"):
        if normalise_name(caller) in wanted:
            found.add(pk)
    return found


def _ranked(
    matches: dict[int, set[str]], *, e164: str, address: str, names: set[str], limit: int
) -> list[PossibleDuplicate]:
    if not matches:
        return []
    incidents = Incident.objects.filter(pk__in=list(matches)).prefetch_related("contacts")
    order = ("phone", "address", "name")
    rows = []
    for incident in incidents:
        on = [kind for kind in order if kind in matches[incident.pk]]
        why = {
            "phone": f"same number {e164}",
            "address": f"same address {normalise_address(address).normalised}",
            "name": "names " + ", ".join(sorted(names)),
        }
        contacts = list(incident.contacts.all())
        rows.append(
            PossibleDuplicate(
                incident=incident,
                matched_on=on,
                why=[why[kind] for kind in on],
                last_contact_at=max([c.received_at for c in contacts] + [incident.received_at]),
            )
        )
    rows.sort(key=lambda r: (r.last_contact_at, r.incident.pk), reverse=True)
    return rows[:limit]


def incident_version(pk: int) -> str:
    """A short token that changes whenever what the incident page shows changes: the incident
    row (`updated_at`, touched by every save), its log (every action writes a line), calls,
    grade changes and downgrade requests (with their status) and THRIVE versions. The page
    renders it and, on a live push or a reconnect, compares it with a fresh one: "this
    incident has changed" only when it really has. Raises NotFound."""

    updated_at = Incident.objects.filter(pk=pk).values_list("updated_at", flat=True).first()
    if updated_at is None:
        raise NotFound(f"Incident {pk} not found.", code="incident_not_found")
    parts = {
        "log": IncidentLogEntry.objects.filter(incident_id=pk).aggregate(n=Max("id"))["n"],
        "contacts": Contact.objects.filter(incident_id=pk).count(),
        "grades": GradeChange.objects.filter(incident_id=pk).aggregate(n=Max("id"))["n"],
        "thrive": ThriveAssessment.objects.filter(incident_id=pk).count(),
    }
    requests = list(
        GradeRequest.objects.filter(incident_id=pk).order_by("id").values_list("id", "status")
    )
    return _digest(updated_at, parts, requests)


def _digest(*parts) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]
