"""Live payloads for alerts: one shape for the push, the API and the banner."""

from core.live import publish_event


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
    """kind: "raised", "acknowledged" or "settled". To the alert board's readers only
    (`core.live.ROUTES`): never an officer, a call handler or a support operator."""
    publish_event({"type": f"alert.{kind}", "alert": alert_payload(alert), **alert_payload(alert)})
