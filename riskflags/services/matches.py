"""A probable marker match dismissed by a handler: the marker was found at an incident's address
only probably (a flat given on one side only, a street spelt differently), its floor applied, and
the handler who knows the premises says it is not this address, with the reason."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cad.exceptions import Conflict, NotFound
from cad.models import Incident
from cad.services import incident_context_withdrawn, incident_system_log
from core.audit import audit_record
from core.exceptions import Forbidden
from core.locks import lock_row
from core.roles import MARKER_MATCH_DISMISSERS, has_role
from core.validation import clean_text
from premises.addressing import address_query_of
from riskflags import events
from riskflags.models import Marker, MarkerMatchDismissal
from riskflags.selectors import is_probable, markers_matching


def marker_match_dismiss(
    *, actor, marker_id: int, incident_id: int, reason: str, now: datetime | None = None
) -> MarkerMatchDismissal:
    """Dismiss the probable address match between a marker and an open incident, with a
    written reason. From then on the marker's floor no longer applies to that incident: it is
    assessed again and its minimum grade may fall (its grade stays until a handler grades
    it). The marker's history and the incident's log and audit trail record who, when and why.

    Raises ValidationFailed (no reason), Forbidden (a role that does not grade incidents),
    NotFound, and Conflict when the incident is closed or the marker is not a probable match
    for it (an exact match, a match on the caller's number, or one already dismissed)."""
    now = now or timezone.now()
    if not has_role(actor, *MARKER_MATCH_DISMISSERS):
        raise Forbidden("Only the desks that grade incidents may dismiss a marker match.")
    reason = clean_text(reason, "reason", 2000, required=True)
    incident = Incident.objects.filter(pk=incident_id).first()
    marker = Marker.objects.filter(pk=marker_id).first()
    if incident is None or marker is None:
        raise NotFound("No such incident or marker.")
    with transaction.atomic():
        incident = lock_row(Incident, incident.pk)
        if not incident.is_open:
            raise Conflict(f"{incident.reference} is closed.", code="invalid_transition")
        match = _probable_match(incident, marker)
        try:
            with transaction.atomic():
                dismissal = MarkerMatchDismissal.objects.create(
                    marker=marker,
                    incident=incident,
                    reason=reason,
                    match_reason=match[:300],
                    dismissed_by=actor,
                    dismissed_at=now,
                )
        except IntegrityError:
            raise Conflict("This match was already dismissed.", code="already_dismissed") from None
        text = (
            f"Probable match with marker #{marker.pk} ({marker.address}) dismissed by "
            f"{actor.get_username()}: {reason}"
        )
        incident_system_log(incident=incident, now=now, text=text)
        audit_record(
            actor=actor,
            action="marker.match_dismissed",
            obj=marker,
            at=now,
            summary=f"Probable match with incident {incident.reference} dismissed: {reason}",
            data={"incident": incident.pk, "reason": reason, "match": match},
        )
        incident_context_withdrawn(
            actor=actor,
            incident=incident,
            why=f"the probable match with marker #{marker.pk} was dismissed",
            now=now,
        )
        events.publish_marker("updated", marker)
    return dismissal


def _probable_match(incident: Incident, marker: Marker) -> str:
    """Why the marker probably matches the incident; Conflict when it is not a probable match."""
    items = markers_matching(
        phone=incident.caller_phone, place=address_query_of(incident), incident_id=incident.pk
    )
    item = next((i for i in items if i["id"] == marker.pk), None)
    if item is None or not is_probable(item):
        raise Conflict(
            "Only a probable address match can be dismissed; an exact match or a match on the "
            "caller's number stands.",
            code="not_probable",
        )
    return item["address_match"]["reason"]
