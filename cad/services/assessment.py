"""Assessing a call with its context, and reassessing an incident when something new is learnt.

Nothing the system learns later (a log line, a corrected address) ever lowers the minimum grade
on its own; it can only raise it (DESIGN.md section 2, rule 3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import context as call_context
from cad.grading import Assessment, assess
from cad.grading.domestic import NOT_DOMESTIC_PREFIXES
from cad.models import Channel, Grade, Incident, IncidentLogEntry
from cad.normalise import normalise_address, normalise_name, normalise_phone
from cad.services.da_floor import answers_context, clean_da_answers
from cad.services.grade import apply_grade
from cad.services.inputs import MAX_ADDRESS, MAX_NARRATIVE, MAX_PHONE, clean_names
from cad.services.thrive import thrive_follow_assessment
from cad.services.trail import incident_system_log
from core.audit import audit_record
from core.validation import clean_choice, clean_text
from premises.addressing import AddressQuery, address_query, address_query_of

logger = logging.getLogger(__name__)


def call_query(
    *,
    phone: str = "",
    address: str = "",
    names=(),
    channel: str = Channel.EMERGENCY,
    silent: bool = False,
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
    uprn: str = "",
    place: AddressQuery | None = None,
) -> call_context.CallQuery:
    """What the context providers are asked about a call: its number in E.164, its address and
    names normalised, and the address resolved to the premises register (`place`, resolved
    here from `address` and the `uprn` the handler picked unless given), at `now` (default:
    the wall clock)."""
    if place is None and (address or uprn):
        place = address_query(address, uprn=uprn or None)
    return call_context.CallQuery(
        phone=normalise_phone(phone).e164,
        address=normalise_address(address),
        names=tuple(n for n in (normalise_name(x) for x in names) if n),
        channel=channel,
        silent=silent,
        now=now or timezone.now(),
        exclude_incident_id=exclude_incident_id,
        place=place,
    )


def call_assess(
    *,
    narrative: str = "",
    channel: str = Channel.EMERGENCY,
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    named_people: Iterable[str] = (),
    silent: bool = False,
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
    da_answers: dict[str, str] | None = None,
    uprn: str = "",
    place: AddressQuery | None = None,
) -> tuple[Assessment, list[call_context.ContextResult]]:
    """Assess a call with its context (markers, intelligence, previous contacts). Records
    nothing. `da_answers` are the handler's answers to the DA questions ({code: "yes" | "no" |
    "unknown"}, codes from `cad.grading.questions.QUESTIONS`). Raises ValidationFailed for an
    unknown channel, an over-long narrative or an unknown question or answer."""
    clean_choice(channel, Channel, "channel")
    da_answers = clean_da_answers(da_answers)
    narrative = clean_text(narrative, "narrative", MAX_NARRATIVE)
    names = ([caller_name] if caller_name else []) + clean_names(named_people)
    query = call_query(
        phone=clean_text(caller_phone, "caller_phone", MAX_PHONE),
        address=clean_text(address, "address", MAX_ADDRESS),
        names=names,
        channel=channel,
        silent=silent or (channel == Channel.EMERGENCY and not narrative.strip()),
        now=now,
        exclude_incident_id=exclude_incident_id,
        uprn=clean_text(uprn, "uprn", 12),
        place=place,
    )
    results = call_context.gather_context(query)
    assessment = assess(
        narrative=narrative,
        channel=channel,
        silent=silent,
        context=results + _answers_context(da_answers),
        da_answers=da_answers,
    )
    return assessment, results


def _answers_context(da_answers: dict[str, str]) -> list[call_context.ContextResult]:
    """The handler's answers as context, so answers confirming DA set a floor the way a marker
    does (see `cad.services.da_floor`)."""
    found = answers_context(da_answers)
    return [found] if found is not None else []


def narrative_assess(incident: Incident) -> dict:
    """The engine's reading of everything people have said about the incident (its narrative
    and every note) and the handler's DA answers, without gathering context again."""
    answers = incident.da_answers or {}
    return assess(
        narrative=assessment_text(incident),
        channel=incident.channel,
        silent=incident.silent,
        context=_answers_context(answers),
        da_answers=answers,
    ).as_dict()


def assessment_text(incident: Incident) -> str:
    """Everything people have said about the incident: the narrative, every note and the words
    of every further contact (those copied from a merged incident included)."""
    lines = incident.log_entries.filter(
        kind__in=(IncidentLogEntry.Kind.NOTE, IncidentLogEntry.Kind.CONTACT)
    ).values_list("text", flat=True)
    return "\n".join(lines) or incident.narrative


def context_assess(
    *,
    incident: Incident,
    extra_text: str,
    channel: str,
    caller_phone: str,
    caller_name: str,
    address: str,
    now: datetime,
    place: AddressQuery | None = None,
) -> tuple[dict, list[call_context.ContextResult]]:
    """Read `incident` again as a call: everything said about it (`assessment_text`) plus
    `extra_text`, with the context gathered for `caller_phone`, `address` (resolved as `place`
    when given), `caller_name` and the
    incident's named people (its own records left out), and the handler's DA answers recorded on
    it, on `channel`. Records nothing. The text is what was already recorded, so it has no
    length limit here. Returns (the assessment as a dict, the context results)."""
    query = call_query(
        phone=caller_phone,
        address=address,
        names=[caller_name, *(incident.named_people or [])],
        channel=channel,
        silent=incident.silent,
        now=now,
        exclude_incident_id=incident.pk,
        place=place,
    )
    results = call_context.gather_context(query)
    text = "\n".join(part for part in (assessment_text(incident), extra_text) if part)
    answers = incident.da_answers or {}
    assessment = assess(
        narrative=text,
        channel=channel,
        silent=incident.silent,
        context=results + _answers_context(answers),
        da_answers=answers,
    )
    return assessment.as_dict(), results


def merge_assessment(stored: dict, fresh: dict, *, replace_context: bool) -> dict:
    """Fold a fresh assessment into the stored one without ever lowering anything: findings
    and reasons accumulate, DA stays DA, grades only become more urgent. With
    `replace_context` the context panel and banners are the fresh ones (the details changed)."""
    merged = {**fresh, **stored}
    for key in ("indicators", "risk_factors"):
        old = list(stored.get(key) or [])
        seen = {(f.get("code"), f.get("evidence")) for f in old}
        merged[key] = old + [
            f for f in fresh.get(key) or [] if (f.get("code"), f.get("evidence")) not in seen
        ]
    old_reasons = list(stored.get("reasons") or [])
    merged["reasons"] = old_reasons + [
        r for r in fresh.get("reasons") or [] if r not in old_reasons
    ]
    merged["domestic_abuse"] = bool(stored.get("domestic_abuse") or fresh.get("domestic_abuse"))
    if merged["domestic_abuse"]:
        # "A relationship is mentioned but no abusive behaviour" no longer holds once the words,
        # the text model or the handler's answers make it DA.
        merged["reasons"] = [
            r for r in merged["reasons"] if not r.startswith(NOT_DOMESTIC_PREFIXES)
        ]
    merged["present_danger"] = bool(stored.get("present_danger") or fresh.get("present_danger"))
    # The DA questions are what to ask now: the fresh reading (with the answers so far) says,
    # and a call already DA needs none.
    questions = fresh.get("da_questions") or stored.get("da_questions")
    if questions:
        merged["da_questions"] = (
            {**questions, "needed": False, "why": ""} if merged["domestic_abuse"] else questions
        )
    for key in ("minimum_grade", "recommended_grade", "context_floor"):
        merged[key] = Grade.more_urgent(stored.get(key) or "", fresh.get(key) or "")
    if replace_context:
        merged["context"] = fresh.get("context") or {}
        merged["banners"] = fresh.get("banners") or []
    return merged


def reassess(
    *, actor, incident: Incident, fresh: dict, now: datetime, why: str, replace_context: bool
) -> list[str]:
    """Merge `fresh` into a locked incident. Raises the DA qualifier when new evidence shows
    DA, and the grade itself when it has fallen below the new minimum. Returns what changed."""
    stored = incident.assessment or {}
    merged = merge_assessment(stored, fresh, replace_context=replace_context)
    changed = []
    if merged["minimum_grade"] != incident.minimum_grade:
        changed.append(f"minimum grade {incident.minimum_grade} -> {merged['minimum_grade']}")
    if merged["recommended_grade"] != incident.recommended_grade:
        changed.append(
            f"recommended grade {incident.recommended_grade} -> {merged['recommended_grade']}"
        )
    newly_da = bool(fresh.get("domestic_abuse")) and not stored.get("domestic_abuse")
    if newly_da and not incident.domestic_abuse:
        incident.domestic_abuse = True
        incident.domestic_abuse_removed_reason = ""
        changed.append("DA qualifier added (new evidence of domestic abuse)")
    incident.assessment = merged
    incident.minimum_grade = merged["minimum_grade"] or incident.minimum_grade
    incident.recommended_grade = merged["recommended_grade"] or incident.recommended_grade
    incident.save(
        update_fields=[
            "assessment",
            "minimum_grade",
            "recommended_grade",
            "domestic_abuse",
            "domestic_abuse_removed_reason",
            "updated_at",
        ]
    )
    if changed:
        _record_reassessment(actor=actor, incident=incident, now=now, why=why, changed=changed)
    thrive_follow_assessment(incident=incident, now=now)
    if incident.is_open and Grade.is_below(incident.grade, incident.minimum_grade):
        apply_grade(
            actor=None,
            incident=incident,
            grade=incident.minimum_grade,
            reason=f"Raised to the new minimum grade after {why}",
            now=now,
        )
        changed.append(f"grade raised to {incident.minimum_grade}")
    return changed


def _record_reassessment(
    *, actor, incident: Incident, now: datetime, why: str, changed: list[str]
) -> None:
    text = f"Reassessed after {why}: " + "; ".join(changed)
    incident_system_log(incident=incident, now=now, text=text)
    audit_record(
        actor=actor,
        action="incident.reassessed",
        obj=incident,
        at=now,
        summary=text,
        data={
            "why": why,
            "changes": changed,
            "minimum_grade": incident.minimum_grade,
            "recommended_grade": incident.recommended_grade,
            "domestic_abuse": incident.domestic_abuse,
        },
    )


def isolated(what: str, fn: Callable[[], None], *, incident: Incident, now: datetime) -> bool:
    """Run another app's hook (context attach, signal receivers) in a savepoint. A failing hook
    must not stop a call being recorded: it is logged and flagged on the incident so the
    handler knows to check by hand."""
    try:
        with transaction.atomic():
            fn()
        return True
    except Exception:
        logger.exception("%s failed for incident %s", what, incident.pk)
        incident_system_log(
            incident=incident, now=now, text=f"Warning: {what} failed; check manually."
        )
        incident.flags = [*incident.flags, {"code": "hook_failed", "text": f"{what} failed"}]
        incident.save(update_fields=["flags"])
        return False


def context_hooks(*, incident: Incident, results, actor) -> list[tuple[str, Callable[[], None]]]:
    """Each provider's `attach` of what it found, as (what, hook) for `isolated_all`."""
    return [
        (
            f"{result.provider} context",
            lambda result=result: call_context.attach_context(
                incident=incident, results=[result], actor=actor
            ),
        )
        for result in results
    ]


def attach_context(*, incident: Incident, results, actor, now: datetime) -> None:
    """Let each provider persist what it found (e.g. the intelligence check), so that one
    provider's failure cannot undo another's record (`isolated_all`)."""
    isolated_all(context_hooks(incident=incident, results=results, actor=actor), incident, now)


def isolated_all(
    hooks: list[tuple[str, Callable[[], None]]], incident: Incident, now: datetime
) -> None:
    """Run other apps' hooks in one savepoint. Should one fail, that savepoint is rolled back
    (with what the instance held of their work) and each hook runs again in a savepoint of its
    own (`isolated`), so a failing hook loses only its own record. One savepoint when all is
    well rather than one per hook."""
    if not hooks:
        return
    snapshot = _held_snapshot(incident)
    try:
        with transaction.atomic():
            for _, fn in hooks:
                fn()
        return
    except Exception:
        logger.info("a hook failed for incident %s: running each in its own savepoint", incident.pk)
    _held_restore(incident, snapshot)
    for what, fn in hooks:
        isolated(what, fn, incident=incident, now=now)


def _held_snapshot(incident: Incident) -> dict:
    """What the instance holds (related rows, providers' findings, tags, flags) before hooks
    run, so a rolled-back attempt leaves no trace on it."""
    cache = getattr(incident, "_prefetched_objects_cache", {})
    return {
        "rows": {name: len(qs._result_cache or []) for name, qs in cache.items()},
        "held": dict(incident.__dict__.get(call_context.HELD_ATTR, {})),
        "flags": list(incident.flags or []),
        "divert_tagged": incident.divert_tagged,
    }


def _held_restore(incident: Incident, snapshot: dict) -> None:
    cache = getattr(incident, "_prefetched_objects_cache", {})
    for name, count in snapshot["rows"].items():
        if name in cache and cache[name]._result_cache is not None:
            del cache[name]._result_cache[count:]
    incident.__dict__[call_context.HELD_ATTR] = snapshot["held"]
    incident.flags = snapshot["flags"]
    incident.divert_tagged = snapshot["divert_tagged"]


def incident_context_withdrawn(*, actor, incident: Incident, why: str, now: datetime) -> list[str]:
    """Assess a locked incident again after a handler withdrew the context behind its floor (a
    probable marker match dismissed with a reason). Unlike `reassess`, the fresh assessment
    replaces the stored floor, minimum and recommended grades and the context, so they may
    fall: the withdrawn context was never this incident's. DA stays DA, and a call with the DA
    qualifier stays at least PRIORITY. The grade itself is left to the handler (a downgrade
    still follows the usual rules). Logged and audited. Returns what changed."""
    assessed, _ = call_assess(
        narrative=assessment_text(incident),
        channel=incident.channel,
        caller_phone=incident.caller_phone,
        caller_name=incident.caller_name,
        address=incident.address,
        named_people=incident.named_people,
        silent=incident.silent,
        now=now,
        exclude_incident_id=incident.pk,
        place=address_query_of(incident),
    )
    fresh, stored = assessed.as_dict(), incident.assessment or {}
    minimum = fresh["minimum_grade"]
    if incident.domestic_abuse:
        minimum = Grade.more_urgent(minimum, Grade.PRIORITY)
    recommended = Grade.more_urgent(fresh["recommended_grade"], minimum)
    changed = [
        f"{label} {old} -> {new}"
        for label, old, new in (
            ("minimum grade", incident.minimum_grade, minimum),
            ("recommended grade", incident.recommended_grade, recommended),
        )
        if old != new
    ]
    incident.assessment = {
        **stored,
        **fresh,
        "domestic_abuse": bool(stored.get("domestic_abuse") or fresh.get("domestic_abuse")),
        "minimum_grade": minimum,
        "recommended_grade": recommended,
    }
    incident.minimum_grade, incident.recommended_grade = minimum, recommended
    incident.save(update_fields=["assessment", "minimum_grade", "recommended_grade", "updated_at"])
    _record_reassessment(
        actor=actor, incident=incident, now=now, why=why, changed=changed or ["no grade changed"]
    )
    return changed
