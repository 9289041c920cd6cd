"""Live payloads for incidents, contacts and downgrade requests: a `type` and ids; screens
re-fetch the rest from the API. Published after commit (`core.live.publish`)."""

from core.live import publish_event


def incident_event(kind: str, incident, **extra) -> dict:
    return {
        "type": f"incident.{kind}",
        "incident": incident.pk,
        "reference": incident.reference,
        "status": incident.status,
        "grade": incident.grade,
        **extra,
    }


def publish_incident(kind: str, incident, **extra) -> None:
    """To the operational picture's readers and the officers whose unit is on the incident
    (`core.live.ROUTES`)."""
    publish_event(incident_event(kind, incident, **extra))


def contact_event(kind: str, contact) -> dict:
    return {
        "type": f"contact.{kind}",
        "contact": contact.pk,
        "channel": contact.channel,
        "incident": contact.incident_id,
    }


def publish_contact(kind: str, contact) -> None:
    publish_event(contact_event(kind, contact))


def grade_request_event(kind: str, grade_request) -> dict:
    return {
        "type": f"grade_request.{kind}",
        "grade_request": grade_request.pk,
        "incident": grade_request.incident_id,
        "status": grade_request.status,
    }


def publish_grade_request(kind: str, grade_request) -> None:
    """The downgrade queue's readers update live; the requester hears the decision on the
    incident."""
    publish_event(grade_request_event(kind, grade_request))
