"""Live payloads for QA review: a `type` and ids; the divert list re-fetches the rest."""

from core.live import publish_event


def divert_qa_event(kind: str, *, divert_id: int, incident_id: int, **extra) -> dict:
    return {"type": f"divert_qa.{kind}", "divert": divert_id, "incident": incident_id, **extra}


def publish_divert_qa(kind: str, *, divert_id: int, incident_id: int, **extra) -> None:
    """To the QA reviewers, after commit."""
    publish_event(divert_qa_event(kind, divert_id=divert_id, incident_id=incident_id, **extra))
