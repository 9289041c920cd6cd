"""Live payloads for units, assignments, diverts and inspector tasks."""

from core.live import publish_event, rescope


def unit_event(kind: str, unit, **extra) -> dict:
    return {
        "type": f"unit.{kind}",
        "unit": unit.pk,
        "call_sign": unit.call_sign,
        "status": unit.status,
        **extra,
    }


def publish_unit(kind: str, unit, **extra) -> None:
    """kind: "created", "status", "assigned", "released", "diverted", "recalled", "crew".

    To the control room, the unit's crew and the officers on the incident it names
    (`core.live.ROUTES`). Any unit change may change what its crew follows (a commitment
    begins or ends, officers join or leave): the crew's sockets, and a new crew's, are told to
    rescope, in the same message."""
    crew = list(unit.officers.values_list("pk", flat=True)) if kind == "crew" else ()
    rescope(units=[unit.pk], users=crew)
    # A new crew member's socket is not in the unit's group yet: they hear it as themselves.
    publish_event(unit_event(kind, unit, **extra), users=crew)


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
    publish_event(divert_event(kind, divert))


def publish_inspector_task(kind: str, task) -> None:
    """kind: "opened", "resolved" or "escalated"."""
    publish_event(
        {
            "type": f"inspector_task.{kind}",
            "inspector_task": task.pk,
            "incident": task.incident_id,
            "divert": task.divert_id,
            "status": task.status,
        },
    )
