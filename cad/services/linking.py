"""Linking a call to an incident already open about the same event.

At call taking the handler is offered the open incidents at the same premises, from the same
number or naming the same people (`cad.selectors.possible_duplicates`). Attaching the call to
one records it as a further contact on that incident; recording a new incident anyway declines
the offer. Both choices are on the record (audit), on every incident that was offered, so a
reviewer can see which calls were linked, and which were not, and by whom.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import InvalidTransition, ValidationFailed
from cad.models import Contact, Incident
from cad.services.contacts import carrying_incident, contact_create
from cad.services.da_answers import incident_da_answers_record
from cad.services.da_floor import clean_da_answers
from cad.services.trail import incident_system_log
from core.audit import audit_record

# At most this many incidents are offered (and so recorded as offered) for one call.
MAX_OFFERED = 20


def offered_incidents(ids: Iterable[int] | None) -> list[Incident]:
    """The incidents offered to the handler as possibly the same, in the order given.

    Raises ValidationFailed naming any id that is not an incident, or when there are too many."""
    wanted = list(dict.fromkeys(int(i) for i in ids or ()))
    if len(wanted) > MAX_OFFERED:
        raise ValidationFailed(
            f"At most {MAX_OFFERED} incidents can be offered for one call.", code="too_many"
        )
    found = Incident.objects.in_bulk(wanted)
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(
            f"Offered incident(s) {', '.join(missing)} do not exist.", code="unknown_incident"
        )
    return [found[i] for i in wanted]


def call_attach(
    *,
    actor,
    incident: Incident,
    channel: str,
    summary: str = "",
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    uprn: str = "",
    offered: Iterable[int] = (),
    da_answers: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Contact:
    """Attach a call to an open incident instead of creating a new one: the call is recorded
    as a further contact on it (see `contact_create`: log line, reassessment, push; `uprn` is
    the premises the handler picked), and the choice is audited: `incident.call_attached` on
    the incident, `incident.duplicate_declined` on every other incident that was `offered`
    (ids). `da_answers` given on the call
    ({code: "yes"|"no"|"unknown"}) are about the same incident: they are recorded on it
    (`incident_da_answers_record`: replacing earlier answers to the same questions, and the
    minimum grade can only rise).

    Raises NotFound, ValidationFailed (bad input, unknown offered id, a bad DA answer) and
    InvalidTransition (the incident is closed: a new call is never hidden on a closed
    incident)."""
    now = now or timezone.now()
    others = offered_incidents(offered)
    answers = clean_da_answers(da_answers)
    target = carrying_incident(incident)
    if not target.is_open:
        raise InvalidTransition(
            f"{target.reference} is closed: record the call as a new incident.",
            code="incident_closed",
        )
    with transaction.atomic():
        contact = contact_create(
            actor=actor,
            channel=channel,
            summary=summary,
            caller_phone=caller_phone,
            caller_name=caller_name,
            address=address,
            uprn=uprn,
            incident=target,
            now=now,
        )
        audit_record(
            actor=actor,
            action="incident.call_attached",
            obj=target,
            at=now,
            summary=f"{channel} call attached as possibly the same incident",
            data={
                "contact": contact.pk,
                "channel": channel,
                "offered": [o.pk for o in others],
            },
        )
        for other in others:
            if other.pk != target.pk:
                _decline_on(actor=actor, offered=other, now=now, data={"attached_to": target.pk})
        if answers:
            incident_da_answers_record(actor=actor, incident=target, da_answers=answers, now=now)
    return contact


def duplicates_declined_record(
    *, actor, incident: Incident, offered: list[Incident], now: datetime
) -> None:
    """Inside `incident_create`'s transaction: the handler recorded `incident` as new although
    `offered` were shown as possibly the same. A log line and an audit event on the new
    incident, and an audit event on each offered one."""
    if not offered:
        return
    references = ", ".join(o.reference for o in offered)
    incident_system_log(
        incident=incident,
        now=now,
        text=f"Offered at call taking as possibly the same incident: {references}. "
        "Recorded as a new incident.",
    )
    audit_record(
        actor=actor,
        action="incident.duplicates_declined",
        obj=incident,
        at=now,
        summary=f"Recorded as new; possibly the same as {references}",
        data={"offered": [o.pk for o in offered], "references": [o.reference for o in offered]},
    )
    for other in offered:
        _decline_on(
            actor=actor,
            offered=other,
            now=now,
            data={"new_incident": incident.pk, "new_reference": incident.reference},
        )


def _decline_on(*, actor, offered: Incident, now: datetime, data: dict) -> None:
    audit_record(
        actor=actor,
        action="incident.duplicate_declined",
        obj=offered,
        at=now,
        summary="Offered as possibly the same incident for a new call; the handler declined",
        data=data,
    )
