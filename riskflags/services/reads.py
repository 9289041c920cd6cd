"""Reads of markers, audited: a marker names a victim and why they are at risk, so who read
it, when and through which screen is part of its history (like intelligence checks)."""

from datetime import datetime

from django.utils import timezone

from core.audit import audit_record


def markers_viewed(
    *, actor, marker_ids, via: str, incident_id: int | None = None, now: datetime | None = None
) -> None:
    """Record that `actor` saw these markers (`via`: "api", "page", "match api", "incident
    page", "briefing api", ...). One audit event per marker, on the marker, so its history
    says who read it. Nothing is written for no markers or no person."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    now = now or timezone.now()
    for marker_id in dict.fromkeys(marker_ids):
        audit_record(
            actor=actor,
            action="marker.viewed",
            object_type="riskflags.marker",
            object_id=marker_id,
            at=now,
            summary=f"Marker {marker_id} viewed ({via})",
            data={"via": via, "incident": incident_id},
        )
