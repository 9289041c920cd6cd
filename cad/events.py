"""Live payloads for incidents, contacts and downgrade requests: a `type` and ids; screens
re-fetch the rest from the API. Published after commit (`core.live.publish`)."""

from core.live import ALL, publish, role_group
from core.roles import Role


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
    publish(ALL, incident_event(kind, incident, **extra))


def contact_event(kind: str, contact) -> dict:
    return {
        "type": f"contact.{kind}",
        "contact": contact.pk,
        "channel": contact.channel,
        "incident": contact.incident_id,
    }


def publish_contact(kind: str, contact) -> None:
    publish(ALL, contact_event(kind, contact))


def grade_request_event(kind: str, grade_request) -> dict:
    return {
        "type": f"grade_request.{kind}",
        "grade_request": grade_request.pk,
        "incident": grade_request.incident_id,
        "status": grade_request.status,
    }


def publish_grade_request(kind: str, grade_request) -> None:
    """Supervisors' queue updates live; the requester hears the decision on the incident."""
    publish(role_group(Role.SUPERVISOR), grade_request_event(kind, grade_request))
