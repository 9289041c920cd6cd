"""Live payloads for intelligence: a `type` and ids; screens re-fetch the rest from the API."""

from core.live import ALL, publish, role_group
from core.roles import Role


def publish_check(check) -> None:
    publish(
        ALL,
        {"type": "intel.check_ran", "check": check.pk, "incident": check.incident_id},
    )


def publish_request(kind: str, request) -> None:
    payload = {
        "type": f"intel.request.{kind}",
        "request": request.pk,
        "incident": request.incident_id,
        "status": request.status,
    }
    for role in (Role.SUPPORT_OPERATOR, Role.SUPERVISOR):
        publish(role_group(role), payload)
