"""Live payloads for incidents: a `type` and ids; screens re-fetch the rest from the API."""

from core.live import ALL, publish


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
