"""Live payloads for intelligence: a `type` and ids; screens re-fetch the rest from the API."""

from core.live import publish_event


def publish_check(check) -> None:
    """To the roles that read intelligence, never an attending officer (`core.live.ROUTES`)."""
    publish_event({"type": "intel.check_ran", "check": check.pk, "incident": check.incident_id})


def publish_request(kind: str, request) -> None:
    payload = {
        "type": f"intel.request.{kind}",
        "request": request.pk,
        "incident": request.incident_id,
        "status": request.status,
    }
    publish_event(payload)  # the deeper-check queue's readers
