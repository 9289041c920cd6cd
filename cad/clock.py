"""The response clock: the one place that says when a unit must reach an incident, when its
countdown turns amber (due soon), when it is breached, and when it has no target at all.

The rules (DESIGN.md, "the one response clock"):
- The target is `received_at` plus the grade policy's target for the incident's area (urban or
  rural). A grade with no target for that area has no clock: no countdown, no alert.
- The clock runs while the incident is OPEN or RESOURCED and no unit has arrived; the first
  arrival stops it for good.
- Due soon from `target - lead`, where the lead is the grade's `due_soon_minutes`. A grade with
  no lead has no due-soon warning at all: the countdown goes straight from plain to breached,
  and the scan raises no DUE_SOON.
- Breached from the target itself (`target <= now`).

The incident page, the outstanding list, the alert board, the demand counts and the scan all
ask this module, so they cannot disagree.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, TextChoices

from cad import refdata
from cad.models import GradePolicy, IncidentStatus

# While the clock runs (and no unit has arrived). The partial index `cad_incident_unattended_idx`
# covers exactly these statuses.
CLOCK_RUNNING_STATUSES = (IncidentStatus.OPEN, IncidentStatus.RESOURCED)


class ClockState(TextChoices):
    NO_TARGET = "NO_TARGET", "No target"
    STOPPED = "STOPPED", "Stopped (a unit arrived or the incident closed)"
    RUNNING = "RUNNING", "Running"
    DUE_SOON = "DUE_SOON", "Due soon"
    BREACHED = "BREACHED", "Breached"


def policies_by_grade() -> dict[str, GradePolicy]:
    """Every grade policy that has a row, by grade: this process's copy, read again when the
    reference data changed (`cad.refdata`: one small version read, or none inside a
    `refdata.scope()`). The policies are shared: never change or save them."""
    return dict(
        refdata.cached(
            "grade_policies", lambda: {policy.grade: policy for policy in GradePolicy.objects.all()}
        )
    )


def policy_for(grade: str) -> GradePolicy | None:
    """One grade's policy (None when it has no row), from `policies_by_grade`."""
    return policies_by_grade().get(grade)


def target_for(
    grade: str, area: str, received_at: datetime, policies: dict | None = None
) -> datetime | None:
    """When a unit must arrive: `received_at` + the grade's target for `area`, or None when the
    grade has no target there. `policies` ({grade: GradePolicy}) defaults to the cached ones."""
    policy = (policies or {}).get(grade) or policy_for(grade)
    minutes = policy.target_minutes(area) if policy else None
    return received_at + timedelta(minutes=minutes) if minutes else None


def due_soon_lead(policy: GradePolicy | None) -> timedelta | None:
    """How long before the target the warning starts, or None when the grade has none."""
    minutes = policy.due_soon_minutes if policy is not None else None
    return timedelta(minutes=minutes) if minutes else None


def due_soon_leads(policies: dict[str, GradePolicy] | None = None) -> dict[str, timedelta]:
    """{grade: lead} for every grade that has a due-soon warning; a grade missing has none."""
    policies = policies_by_grade() if policies is None else policies
    leads = {grade: due_soon_lead(policy) for grade, policy in policies.items()}
    return {grade: lead for grade, lead in leads.items() if lead}


def due_soon_at(target_at: datetime | None, lead: timedelta | None) -> datetime | None:
    """When the countdown turns amber: `target_at - lead`; None with no target or no lead."""
    if target_at is None or not lead:
        return None
    return target_at - lead


def incident_due_soon_at(incident, leads: dict[str, timedelta] | None = None) -> datetime | None:
    """When this incident's countdown turns amber (None: no target or its grade has no lead).
    `leads` (from `due_soon_leads`) saves a query per incident on a list."""
    if leads is None:
        lead = due_soon_lead(policy_for(incident.grade))
    else:
        lead = leads.get(incident.grade)
    return due_soon_at(incident.target_response_at, lead)


def clock_running(incident) -> bool:
    """True while the clock runs: a target, still OPEN or RESOURCED, and no unit arrived yet."""
    return (
        incident.target_response_at is not None
        and incident.status in CLOCK_RUNNING_STATUSES
        and incident.first_arrived_at is None
    )


def passed_threshold(
    *, target_at: datetime | None, lead: timedelta | None, now: datetime
) -> tuple[str, datetime] | None:
    """The latest threshold that has passed at `now`: (BREACHED, target) once the target has
    passed, else (DUE_SOON, target - lead) once that has, else None (also with no target).
    A breach makes the warning moot, so only the breach is returned."""
    if target_at is None:
        return None
    if target_at <= now:
        return ClockState.BREACHED, target_at
    warn_at = due_soon_at(target_at, lead)
    if warn_at is not None and warn_at <= now:
        return ClockState.DUE_SOON, warn_at
    return None


def clock_state(incident, *, lead: timedelta | None, now: datetime) -> str:
    """Where the incident's clock stands at `now` (a `ClockState` value)."""
    if incident.target_response_at is None:
        return ClockState.NO_TARGET
    if not clock_running(incident):
        return ClockState.STOPPED
    passed = passed_threshold(target_at=incident.target_response_at, lead=lead, now=now)
    return passed[0] if passed else ClockState.RUNNING


# --- The same rules as query filters (on cad.Incident) ---------------------------------------


def clock_running_q() -> Q:
    """Incidents whose clock runs (see `clock_running`), through the partial index."""
    return Q(
        status__in=CLOCK_RUNNING_STATUSES,
        first_arrived_at__isnull=True,
        target_response_at__isnull=False,
    )


def breached_q(now: datetime) -> Q:
    """Among running clocks: breached at `now`."""
    return Q(target_response_at__lte=now)


def due_soon_q(grade: str, lead: timedelta | None, now: datetime) -> Q:
    """Among running clocks of `grade`: due soon (amber, not yet breached) at `now`. Matches
    nothing for a grade with no lead."""
    if not lead:
        return Q(pk__in=[])
    return Q(grade=grade, target_response_at__gt=now, target_response_at__lte=now + lead)


def thresholds_between_q(
    *, since: datetime | None, now: datetime, leads: dict[str, timedelta]
) -> Q:
    """Among running clocks: a threshold (breach, or the due-soon warning of a grade with a
    lead) that fell in (since, now]. One range on `target_response_at` per threshold kind and
    grade, so the planner ORs narrow index ranges."""
    ranges = Q(target_response_at__lte=now)
    if since is not None:
        ranges &= Q(target_response_at__gt=since)
    for grade, lead in leads.items():
        due = Q(grade=grade, target_response_at__lte=now + lead)
        if since is not None:
            due &= Q(target_response_at__gt=since + lead)
        ranges |= due
    return ranges
