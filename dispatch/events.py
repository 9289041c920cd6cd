"""Live payloads for dispatch (alerts here; units, assignments and diverts add theirs)."""

from core.live import ALL, publish


def alert_payload(alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "incident": alert.incident_id,
        "subject": alert.subject,
        "status": alert.status,
        "message": alert.message,
        "raised_at": alert.raised_at.isoformat(),
        "threshold_at": alert.threshold_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        # The roles that must see it (banner and sound); everyone may read the board.
        "roles": list(alert.audience),
        "reference": (alert.data or {}).get("reference", ""),
        "high_risk": alert.high_risk,
    }


def publish_alert(kind: str, alert) -> None:
    """kind: "raised", "acknowledged" or "settled"."""
    publish(ALL, {"type": f"alert.{kind}", "alert": alert_payload(alert), **alert_payload(alert)})


# --- Units, assignments, diverts and inspector tasks (issue 6) --------------------------------


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
