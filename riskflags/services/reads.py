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


def marker_list_viewed(*, actor, marker_ids, via: str, now: datetime | None = None) -> None:
    """Record that `actor` saw a list of markers (names, reasons): one audit event naming the
    markers shown, not one per marker, so a refreshed list does not flood each history."""
    marker_ids = list(dict.fromkeys(marker_ids))
    if not marker_ids or actor is None or not getattr(actor, "is_authenticated", False):
        return
    audit_record(
        actor=actor,
        action="marker.list_viewed",
        object_type="riskflags.marker_list",
        object_id="",
        at=now or timezone.now(),
        summary=f"{len(marker_ids)} markers listed ({via})",
        data={"via": via, "markers": marker_ids},
    )
