"""THRIVE on an incident: the engine's suggestion, the handler's confirmation or edit, and its
history (DESIGN.md section 1: the call handler assesses the call with THRIVE).

Every change is a new `ThriveAssessment` version (append-only), audited with who and when, and
announced to the screens. The system records the engine's suggestion (`thrive_suggest`) when a
call is taken and keeps it in step with new evidence for as long as no person has confirmed it;
once a person has confirmed or edited THRIVE, only a person changes it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import InvalidTransition, ValidationFailed
from cad.grading.thrive import thrive_suggest
from cad.models import THRIVE_HEADINGS, THRIVE_LEVELLED, Incident, ThriveAssessment, ThriveLevel
from cad.services.trail import held_add, incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_text

MAX_THRIVE_TEXT = 2_000
_HEADING_NAMES = [h for h, _ in THRIVE_HEADINGS]
_LABELS = dict(THRIVE_HEADINGS)
Status = ThriveAssessment.Status


def clean_thrive_panel(panel, *, partial: bool = False) -> dict[str, dict[str, str]]:
    """A THRIVE panel `{heading: {"text": str, "level": "HIGH"|"MEDIUM"|"LOW"|""}}`, checked:
    every heading present (unless `partial`), each text non-empty and at most 2,000
    characters, a level only on threat, harm, risk and vulnerability.

    Raises ValidationFailed naming the heading at fault."""
    if not isinstance(panel, dict):
        raise ValidationFailed(
            "THRIVE is an object with one entry per heading: " + ", ".join(_HEADING_NAMES) + ".",
            code="invalid_thrive",
        )
    unknown = sorted(set(panel) - set(_HEADING_NAMES))
    if unknown:
        raise ValidationFailed(
            f"Unknown THRIVE heading '{unknown[0]}'. Use: " + ", ".join(_HEADING_NAMES) + ".",
            code="invalid_thrive",
        )
    missing = [h for h in _HEADING_NAMES if h not in panel]
    if missing and not partial:
        raise ValidationFailed(
            "THRIVE needs every heading; missing: " + ", ".join(missing) + ".",
            code="invalid_thrive",
        )
    return {
        heading: _clean_heading(heading, panel[heading])
        for heading in _HEADING_NAMES
        if heading in panel
    }


def _clean_heading(heading: str, value) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) - {"text", "level"}:
        raise ValidationFailed(
            f'THRIVE {heading}: give {{"text": ..., "level": ...}}.', code="invalid_thrive"
        )
    # Browsers send a textarea's lines with CRLF: one line ending, so an unchanged suggestion
    # confirmed from a page compares equal to the engine's.
    raw = str(value.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    text = clean_text(raw, f"THRIVE {heading}", MAX_THRIVE_TEXT)
    if not text:
        raise ValidationFailed(
            f"THRIVE {heading}: the text is empty; say what was assessed.",
            code="invalid_thrive",
        )
    level = str(value.get("level") or "").strip().upper()
    if heading not in THRIVE_LEVELLED:
        if level:
            raise ValidationFailed(f"THRIVE {heading} has no level.", code="invalid_thrive")
        return {"text": text}
    if level and level not in ThriveLevel.values:
        raise ValidationFailed(
            f"THRIVE {heading}: unknown level '{level}'. Use one of: "
            + ", ".join(ThriveLevel.values)
            + ".",
            code="invalid_thrive",
        )
    return {"text": text, "level": level}


def thrive_record_first(
    *, actor, incident: Incident, panel: dict | None, now: datetime
) -> ThriveAssessment:
    """THRIVE version 1 of a call being taken, inside the caller's transaction. `panel` None:
    the engine's suggestion, recorded by the system as SUGGESTED. Otherwise the headings given
    replace the suggestion's and the rest are the suggestion confirmed by `actor` (CONFIRMED
    when nothing differs from the suggestion, EDITED when something does).

    Raises ValidationFailed for a bad panel (checked before anything is written by the caller:
    see `clean_thrive_panel`)."""
    suggested = thrive_suggest(incident.assessment or {})
    if panel is None:
        return _write(
            incident=incident,
            actor=None,
            panel=suggested,
            status=Status.SUGGESTED,
            now=now,
            previous=None,
        )
    merged = {**suggested, **clean_thrive_panel(panel, partial=True)}
    status = Status.CONFIRMED if merged == suggested else Status.EDITED
    return _write(
        incident=incident, actor=actor, panel=merged, status=status, now=now, previous=None
    )


def incident_thrive_record(
    *, actor, incident: Incident, panel: dict, now: datetime | None = None
) -> ThriveAssessment:
    """A person records the incident's THRIVE: all six headings (see `clean_thrive_panel`).
    The same text as the engine's suggestion is CONFIRMED, anything else EDITED. The same
    panel as the current version records nothing and returns the current one.

    Raises ValidationFailed, NotFound and InvalidTransition (a closed incident)."""
    now = now or timezone.now()
    cleaned = clean_thrive_panel(panel)
    with transaction.atomic():
        incident = lock_row(Incident, incident.pk)
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; its THRIVE cannot change.")
        current = incident.thrive_current
        if current is not None and current.as_panel() == cleaned and current.recorded_by_id:
            return current
        suggested = thrive_suggest(incident.assessment or {})
        status = Status.CONFIRMED if cleaned == suggested else Status.EDITED
        record = _write(
            incident=incident, actor=actor, panel=cleaned, status=status, now=now, previous=current
        )
        events.publish_incident("updated", incident, change="thrive")
    return record


def thrive_follow_assessment(*, incident: Incident, now: datetime) -> ThriveAssessment | None:
    """After a reassessment of a locked incident: a suggestion nobody has confirmed follows the
    new assessment (a new SUGGESTED version when it reads differently). Never touches what a
    person recorded. Returns the new version or None."""
    current = incident.thrive_current
    if current is None or current.status != Status.SUGGESTED:
        return None
    suggested = thrive_suggest(incident.assessment or {})
    if current.as_panel() == suggested:
        return None
    return _write(
        incident=incident,
        actor=None,
        panel=suggested,
        status=Status.SUGGESTED,
        now=now,
        previous=current,
    )


def _write(*, incident, actor, panel, status, now, previous) -> ThriveAssessment:
    """One new version, its audit event (who, when, what changed) and a log line when a person
    recorded it. The caller's service sends the one live push of its transaction."""
    record = ThriveAssessment.objects.create(
        incident=incident,
        version=(previous.version + 1) if previous else 1,
        status=status,
        recorded_by=actor,
        recorded_at=now,
        **{heading: value["text"] for heading, value in panel.items()},
        **{f"{h}_level": panel[h].get("level", "") for h in THRIVE_LEVELLED},
    )
    held_add(incident, "thrive_assessments", record)
    before = previous.as_panel() if previous else {}
    changed = {
        heading: {"from": before.get(heading), "to": value}
        for heading, value in panel.items()
        if before.get(heading) != value
    }
    names = ", ".join(_LABELS[h] for h in changed) or "nothing"
    verb = {Status.SUGGESTED: "suggested", Status.CONFIRMED: "confirmed", Status.EDITED: "edited"}[
        status
    ]
    summary = f"THRIVE v{record.version} {verb}" + (f" ({names} changed)" if previous else "")
    audit_record(
        actor=actor,
        action="incident.thrive_recorded",
        obj=incident,
        at=now,
        summary=summary,
        data={"version": record.version, "status": status, "changed": changed},
    )
    if actor is not None:
        incident_system_log(incident=incident, now=now, text=f"{summary} by {actor.get_username()}")
    return record
