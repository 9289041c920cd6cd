"""Live payloads for units, assignments, diverts and inspector tasks."""

from core.live import ALL, publish


def unit_event(kind: str, unit, **extra) -> dict:
    return {
        "type": f"unit.{kind}",
        "unit": unit.pk,
        "call_sign": unit.call_sign,
        "status": unit.status,
        **extra,
    }


def publish_unit(kind: str, unit, **extra) -> None:
    """kind: "created", "status", "assigned", "released", "diverted", "recalled"."""
    publish(ALL, unit_event(kind, unit, **extra))


def divert_event(kind: str, divert) -> dict:
    return {
        "type": f"divert.{kind}",
        "divert": divert.pk,
        "unit": divert.unit_id,
        "from_incident": divert.from_incident_id,
        "to_incident": divert.to_incident_id,
        "status": divert.status,
    }


def publish_divert(kind: str, divert) -> None:
    """kind: "created" or "reviewed"."""
    publish(ALL, divert_event(kind, divert))


def publish_inspector_task(kind: str, task) -> None:
    """kind: "opened", "resolved" or "escalated"."""
    publish(
        ALL,
        {
            "type": f"inspector_task.{kind}",
            "inspector_task": task.pk,
            "incident": task.incident_id,
            "divert": task.divert_id,
            "status": task.status,
        },
    )
