"""The response-time scan: every second it records the DUE_SOON, BREACHED and ESCALATED alerts
whose time has come, so nobody has to watch the clock (DESIGN.md rule 9).

It selects, through the partial index on open unattended incidents
(`cad_incident_unattended_idx`), the incidents whose next threshold fell since the previous scan,
and records each alert exactly once: the unique constraint on (kind, subject, threshold_at)
decides, so overlapping scans, a retried task or a second beat process create nothing twice.
Only newly recorded alerts are published, after commit.

The scan keeps a cursor (`MonitorCursor`): the `now` of the latest committed scan. It looks at
thresholds after the cursor less a short lookback, so its cost depends on how many thresholds
fell in the last second or so, not on how many incidents are open or already alerted. A stopped
worker resumes from the cursor and catches up everything that fell while it was down. How the
scan and the changes that move thresholds (policy updates, regrades, arrivals...) agree through
the cursor's row lock, so that no interleaving skips a threshold: see `cursor`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef
from django.db.models.fields.json import KT, KeyTextTransform
from django.utils import timezone

from cad import clock
from cad.models import Incident
from monitoring.models import Alert, AlertKind, AlertStatus
from monitoring.services.alerts import incident_subject
from monitoring.services.cursor import cursor_claim, cursor_rewind
from monitoring.services.response import (
    ALERT_FIELDS,
    DueAlert,
    breaches_escalate,
    escalate_after,
    response_alerts_record,
    settled_by_retarget,
)

logger = logging.getLogger(__name__)
# What an escalation needs of the breach it escalates.
BREACH_FIELDS = ("id", "kind", "subject", "incident", "threshold_at", "raised_at", "status", "data")


def lookback() -> timedelta:
    """How far before the cursor each scan looks again: covers clock skew between hosts and a
    row committed just after the previous scan read. Anything already recorded is skipped.
    Kept short because every scan re-reads what fell in this window; changes that put a
    threshold in the past (regrades, new incidents) are checked at once, not left to the scan."""
    return timedelta(seconds=float(getattr(settings, "CAD_SCAN_LOOKBACK_SECONDS", 5)))


@dataclass
class ScanResult:
    """What one scan did. `raised` holds only alerts this scan recorded (or reopened)."""

    now: datetime
    since: datetime | None
    candidates: int = 0
    raised: list[Alert] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for a in self.raised if a.kind == kind)


def _clock_running():
    """Incidents whose clock runs, with what an alert needs (and the marker floor)."""
    return (
        Incident.objects.filter(clock.clock_running_q())
        .only(*ALERT_FIELDS)
        .annotate(context_floor=KT("assessment__context_floor"))
    )


def candidates_query(*, since: datetime | None, now: datetime, policies: dict):
    """Incidents whose clock runs with a threshold in (since, now], through the partial index
    (see `cad.clock.thresholds_between_q`)."""
    leads = clock.due_soon_leads(policies)
    return (
        _clock_running()
        .filter(clock.thresholds_between_q(since=since, now=now, leads=leads))
        .order_by("target_response_at", "id")
    )


def _recorded_rows(subjects) -> list[tuple]:
    """The DUE_SOON and BREACHED alerts about `subjects`: (kind, subject, threshold_at, status,
    settled_reason, data's target_response_at) each, in one query."""
    if not subjects:
        return []
    return list(
        Alert.objects.filter(
            kind__in=[AlertKind.DUE_SOON, AlertKind.BREACHED], subject__in=list(subjects)
        ).values_list(
            "kind",
            "subject",
            "threshold_at",
            "status",
            "settled_reason",
            KT("data__target_response_at"),
        )
    )


def _may_come_due_again(recorded: tuple[str, str] | None) -> bool:
    """A recorded key comes due again only when a regrade or an area change settled it and a
    later one brought the same target back."""
    return recorded is None or settled_by_retarget(*recorded)


def on_grade_policy_changed(sender, policy, changes=None, **kwargs):
    """`cad.signals.grade_policy_changed` receiver (inside the update's transaction): a longer
    due-soon lead puts warnings of open incidents up to that much earlier, perhaps behind the
    cursor, so the cursor moves back by the difference (holding it until the update commits)
    and the next scan, reading the new lead, raises them. A shorter lead only moves warnings
    later: the scan reaches them in turn."""
    before, after = (changes or {}).get("due_soon_minutes", (None, None))
    cursor_rewind(timedelta(minutes=(after or 0) - (before or 0)))


# --- The scan ------------------------------------------------------------------------------------


def _raise_thresholds(result: ScanResult, *, policies: dict) -> None:
    """Record DUE_SOON and BREACHED for every candidate whose threshold has passed."""
    now = result.now
    incidents = list(candidates_query(since=result.since, now=now, policies=policies))
    result.candidates = len(incidents)
    due = []
    for incident in incidents:
        lead = clock.due_soon_lead(policies.get(incident.grade))
        passed = clock.passed_threshold(target_at=incident.target_response_at, lead=lead, now=now)
        if passed:
            due.append((incident, AlertKind(passed[0]), passed[1]))
    if not due:
        return
    rows = _recorded_rows({incident_subject(i) for i, _, _ in due})
    recorded = {(k, s, t): (status, reason) for k, s, t, status, reason, _ in rows}
    due_soon_recorded = defaultdict(list)
    for kind, subject, threshold_at, status, reason, target in rows:
        if kind == AlertKind.DUE_SOON:
            due_soon_recorded[subject].append((threshold_at, target, status, reason))
    due_soon_open = {
        subject
        for (kind, subject, _), (status, _) in recorded.items()
        if kind == AlertKind.DUE_SOON and status != AlertStatus.SETTLED
    }
    result.raised += response_alerts_record(
        [
            DueAlert(
                kind=kind,
                incident=incident,
                threshold_at=threshold_at,
                due_soon_open=incident_subject(incident) in due_soon_open,
            )
            for incident, kind, threshold_at in due
            if _may_come_due_again(recorded.get((kind, incident_subject(incident), threshold_at)))
        ],
        now=now,
        due_soon_recorded=due_soon_recorded,
    )


def _breaches_to_escalate(*, since: datetime | None, now: datetime) -> list[Alert]:
    """Open (unacknowledged) BREACHED alerts raised at least `escalate_after` ago, whose
    escalation time fell in (since, now], not yet escalated, about an incident whose clock still
    runs (one attended or closed meanwhile is having its alerts settled), each with that
    incident (`context_floor` set): one query, through the partial index on open alerts."""
    after = escalate_after()
    qs = Alert.objects.filter(
        status=AlertStatus.OPEN, kind=AlertKind.BREACHED, raised_at__lte=now - after
    )
    if since is not None:
        qs = qs.filter(raised_at__gt=since - after)
    escalated = Alert.objects.filter(
        kind=AlertKind.ESCALATED,
        subject=OuterRef("subject"),
        threshold_at=ExpressionWrapper(OuterRef("raised_at") + after, output_field=DateTimeField()),
    )
    running = {f"incident__{name}": value for name, value in clock.clock_running_q().children}
    breaches = list(
        qs.filter(**running)
        .exclude(Exists(escalated))
        .select_related("incident")
        .only(*[f"incident__{name}" for name in ALERT_FIELDS], *BREACH_FIELDS)
        .annotate(incident_context_floor=KeyTextTransform("context_floor", "incident__assessment"))
        .order_by("raised_at", "id")
    )
    for breach in breaches:
        breach.incident.context_floor = breach.incident_context_floor
    return breaches


def _escalate_breaches(result: ScanResult) -> None:
    """Record ESCALATED for every breach left unacknowledged for `escalate_after`."""
    breaches = _breaches_to_escalate(since=result.since, now=result.now)
    if breaches:
        result.raised += breaches_escalate([(b, b.incident) for b in breaches], now=result.now)


def _log_raised(result: ScanResult) -> None:
    if not result.raised:
        return
    # Bounded: a catch-up after an outage may raise hundreds at once.
    shown = ", ".join(f"{a.kind} {a.subject}" for a in result.raised[:20])
    more = len(result.raised) - 20
    logger.info(
        "response-time scan raised %d alert(s): %s%s",
        len(result.raised),
        shown,
        f" and {more} more" if more > 0 else "",
    )


def scan_response_times(*, now: datetime | None = None) -> ScanResult:
    """Record every DUE_SOON, BREACHED and ESCALATED alert whose time has come, exactly once.

    Idempotent: running it again (or twice at once) records nothing new. Safe to run every
    second. Everything it decides with is read inside its transaction after it holds the
    cursor. Returns what this scan recorded."""
    now = now or timezone.now()
    with transaction.atomic():  # core.live sends the scan's pushes together, after commit
        # The cursor first: every read below sees the changes committed before it, and no
        # change that moves a threshold commits until this scan does (see `cursor`).
        since = cursor_claim(now)
        result = ScanResult(now=now, since=since - lookback() if since else None)
        _raise_thresholds(result, policies=clock.policies_by_grade())
        _escalate_breaches(result)
        if connection.vendor == "postgresql" and not result.raised:
            # A quiet scan only moved the cursor: no need to wait for the disk. Should the
            # database crash before it is flushed, the next scan simply looks again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
    _log_raised(result)
    return result
