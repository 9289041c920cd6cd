"""An incident's timeline for QA review: its audit trail and its log, merged."""

from datetime import datetime

from cad.exceptions import NotFound
from cad.models import Incident
from core.audit import audit_trail
from reports.queries.common import username
from reports.queries.diverts import incident_diverts


def incident_qa_timeline(incident_id: int, *, now: datetime) -> dict:
    """What a QA reviewer needs to judge a divert: {incident, diverts (QA rows), timeline}, the
    timeline being the audit trail and the log merged oldest first, each entry {at, source
    ("audit" or "log"), who, what, text}. Raises NotFound."""
    incident = (
        Incident.objects.select_related("opening_code", "graded_by").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound(f"Incident {incident_id} does not exist.", code="incident_not_found")
    entries = [
        {
            "at": event.at,
            "source": "audit",
            "who": username(event.actor) or "system",
            "what": event.action,
            "text": event.summary,
        }
        for event in audit_trail(incident)
    ]
    entries += [
        {
            "at": line.at,
            "source": "log",
            "who": username(line.author) or "system",
            "what": line.kind.lower(),
            "text": line.text,
        }
        for line in incident.log_entries.select_related("author")
    ]
    entries.sort(key=lambda e: (e["at"], e["source"]))
    return {
        "incident": incident,
        "diverts": incident_diverts(incident.pk, now=now),
        "timeline": entries,
    }
