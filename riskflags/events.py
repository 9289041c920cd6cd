"""Live payloads for markers: a `type` and ids; screens re-fetch the rest from the API."""

from core.live import publish_event


def marker_event(kind: str, marker, **extra) -> dict:
    return {
        "type": f"marker.{kind}",
        "marker": marker.pk,
        "status": marker.status,
        "oic": marker.oic_id,
        **extra,
    }


def publish_marker(kind: str, marker, **extra) -> None:
    publish_event(marker_event(kind, marker, **extra))
