"""The response clock never loses (or doubles) a warning while its policy changes: scans,
grade policy updates and regrades interleaved on real PostgreSQL, in many random orders.

Each seed plays a few simulated minutes of a control room: incidents received at T0, a scan
every few simulated seconds, and at random moments a policy update (a longer or shorter
due-soon lead) or a regrade running at the same moment as one or two scans. Those concurrent
rounds are ordered on purpose: the test holds the scan cursor's row lock, starts each thread in a
random order and waits until it is blocked (or finished) before starting the next, then lets
them all go, so PostgreSQL hands the lock on in that order. Time is injected (`now`), so the
outcome depends only on the order, never on how fast the machine is.

At the end every incident must have, for its final target, exactly one BREACHED and exactly one
DUE_SOON (the warning its final policy implies, given once per target even when the lead
changed after it was raised), and no unsettled alert about a target it no longer has.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from cad import services as cad_services
from cad.models import Grade, GradePolicy
from cad.policies import grade_policy_update
from monitoring.models import RESPONSE_TIME_KINDS, Alert, AlertKind, AlertStatus, MonitorCursor
from monitoring.services import CURSOR_NAME, scan_response_times
from tests.factories import staff
from tests.monitoring.factories import make_incident

SEEDS = range(12)
INCIDENTS = 6
# Targets (urban = rural) and the due-soon leads a policy update may choose, in minutes.
TARGETS = {Grade.IMMEDIATE: 3, Grade.PRIORITY: 6}
LEADS = {Grade.IMMEDIATE: (1, 2), Grade.PRIORITY: (1, 2, 3, 4, 5)}
START_LEADS = {Grade.IMMEDIATE: 1, Grade.PRIORITY: 2}
END = timedelta(minutes=8)
# A regrade comes early (before any target's warning can fall), so its new target's warning is
# always still ahead of it; policy updates come while warnings are falling.
REGRADE_WINDOW = (timedelta(seconds=0), timedelta(seconds=50))
POLICY_WINDOW = (timedelta(seconds=20), timedelta(seconds=170))
RETARGET_REASONS = ("regraded", "area changed")
WAIT = 15.0  # seconds: a thread that neither blocks nor finishes by then is a hang


def _reset(t0: datetime) -> None:
    for grade, minutes in TARGETS.items():
        GradePolicy.objects.update_or_create(
            grade=grade,
            defaults={
                "urban_target_minutes": minutes,
                "rural_target_minutes": minutes,
                "due_soon_minutes": START_LEADS[grade],
            },
        )
    MonitorCursor.objects.update_or_create(
        name=CURSOR_NAME, defaults={"scanned_through_at": t0 - timedelta(seconds=1)}
    )


def _schedule(rng: random.Random, t0: datetime, incidents) -> dict[datetime, list]:
    """{simulated time: [operation, ...]}: the policy updates and regrades of one seed."""
    events: dict[datetime, list] = {}

    def at(window) -> datetime:
        low, high = (int(w.total_seconds()) for w in window)
        return t0 + timedelta(seconds=rng.randrange(low, high))

    leads = dict(START_LEADS)
    for _ in range(4):
        grade = rng.choice(list(LEADS))
        leads[grade] = rng.choice([m for m in LEADS[grade] if m != leads[grade]])
        events.setdefault(at(POLICY_WINDOW), []).append(("policy", grade, leads[grade]))
    for _ in range(3):
        events.setdefault(at(REGRADE_WINDOW), []).append(("regrade", rng.choice(incidents)))
    return events


def _operation(op, *, now, admin, supervisor):
    if op[0] == "scan":
        return lambda: scan_response_times(now=now)
    if op[0] == "policy":
        _, grade, lead = op
        return lambda: grade_policy_update(actor=admin, grade=grade, due_soon_minutes=lead, now=now)
    incident = op[1]

    def regrade():
        current = incident.__class__.objects.get(pk=incident.pk)
        to = Grade.PRIORITY if current.grade == Grade.IMMEDIATE else Grade.IMMEDIATE
        cad_services.incident_grade(
            actor=supervisor, incident=current, grade=to, reason="race test", now=now
        )

    return regrade


class _Runner(threading.Thread):
    """Runs one operation on its own connection and says which backend it is."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.pid, self.error = fn, None, None
        self.started_query = threading.Event()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started_query.set()
            self.fn()
        except Exception as exc:  # reported by the test, with the seed
            self.error = exc
        finally:
            self.started_query.set()
            connection.close()


def _blocked(pid: int) -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps its first view of the activity: refresh it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def _wait_blocked_or_done(runner: _Runner) -> None:
    pause = threading.Event()
    for _ in range(int(WAIT / 0.005)):
        if not runner.is_alive() or (runner.pid and _blocked(runner.pid)):
            return
        pause.wait(0.005)
    pytest.fail("an operation neither waited for a lock nor finished")


def _run_in_order(operations) -> list[Exception]:
    """Start each operation while the test holds the cursor, each only once the one before
    is waiting for a lock (or done), then release them all: they take the lock in this order."""
    runners = [_Runner(fn) for fn in operations]
    with transaction.atomic():
        MonitorCursor.objects.select_for_update().get(name=CURSOR_NAME)
        for runner in runners:
            runner.start()
            assert runner.started_query.wait(WAIT)
            _wait_blocked_or_done(runner)
    for runner in runners:
        runner.join(WAIT)
        assert not runner.is_alive(), "an operation hung after the cursor was released"
    return [r.error for r in runners if r.error is not None]


def _play(seed: int) -> list[str]:
    """One simulated control room; returns what went wrong (nothing, when all is well)."""
    rng = random.Random(seed)
    t0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC) + timedelta(days=seed)
    _reset(t0)
    admin, supervisor = staff("ADMIN"), staff("SUPERVISOR")
    incidents = [
        make_incident(
            received_at=t0 + timedelta(seconds=rng.randrange(0, 20)),
            grade=rng.choice(list(TARGETS)),
        )
        for _ in range(INCIDENTS)
    ]
    events = _schedule(rng, t0, incidents)
    problems: list[str] = []
    now = t0
    while now < t0 + END:
        due = [op for at, ops in sorted(events.items()) if at <= now for op in ops]
        events = {at: ops for at, ops in events.items() if at > now}
        if due:
            ops = due + [("scan",)] * rng.randint(1, 2)
            rng.shuffle(ops)
            fns = [_operation(op, now=now, admin=admin, supervisor=supervisor) for op in ops]
            errors = _run_in_order(fns)
            problems += [f"{now:%H:%M:%S} {type(e).__name__}: {e}" for e in errors]
        else:
            scan_response_times(now=now)
        now += timedelta(seconds=rng.randint(2, 5))
    scan_response_times(now=t0 + END)
    for incident in incidents:
        problems += _check(incident)
    return problems


def _check(incident) -> list[str]:
    """Exactly one BREACHED and one DUE_SOON for the final target; nothing else unsettled."""
    incident.refresh_from_db()
    target = incident.target_response_at
    alerts = list(Alert.objects.filter(incident=incident, kind__in=RESPONSE_TIME_KINDS))

    def current(alert) -> bool:
        retargeted = alert.status == AlertStatus.SETTLED and alert.settled_reason.startswith(
            RETARGET_REASONS
        )
        return not retargeted and (alert.data or {}).get("target_response_at") == (
            target.isoformat()
        )

    breaches = [a for a in alerts if a.kind == AlertKind.BREACHED and current(a)]
    warnings = [a for a in alerts if a.kind == AlertKind.DUE_SOON and current(a)]
    stale = [
        a
        for a in alerts
        if a.status != AlertStatus.SETTLED
        and (a.data or {}).get("target_response_at")
        and not current(a)
    ]
    found = []
    name = f"{incident.reference} {incident.grade} target {target:%H:%M:%S}"
    if len(breaches) != 1:
        found.append(f"{name}: {len(breaches)} BREACHED (want 1)")
    if len(warnings) != 1:
        shown = [f"{a.threshold_at:%H:%M:%S} {a.status}" for a in warnings]
        found.append(f"{name}: {len(warnings)} DUE_SOON {shown} (want 1)")
    if stale:
        found.append(f"{name}: unsettled alerts for an old target: {stale}")
    return found


@pytest.mark.django_db(transaction=True)
def test_no_interleaving_of_policy_updates_regrades_and_scans_loses_or_doubles_an_alert():
    failures = {seed: problems for seed in SEEDS if (problems := _play(seed))}

    assert not failures, "\n".join(
        f"seed {seed}: {problem}" for seed, problems in failures.items() for problem in problems
    )


# --- A change made while a scan is deciding about the same incident ----------------------------


def _arrive(incident, now):
    from dispatch import services as dispatch_services
    from dispatch.models import UnitStatus
    from tests.dispatch import unit_factories as units

    unit = units.unit(now=now)
    dispatcher = units.dispatcher()
    dispatch_services.unit_assign(actor=dispatcher, unit=unit, incident=incident, now=now)
    return lambda: dispatch_services.unit_set_status(
        actor=dispatcher, unit=unit, status=UnitStatus.AT_SCENE, now=now
    )


def _regrade(incident, now):
    supervisor = staff("SUPERVISOR")
    return lambda: cad_services.incident_grade(
        actor=supervisor, incident=incident, grade=Grade.PRIORITY, reason="race test", now=now
    )


@pytest.mark.parametrize("change", [_arrive, _regrade], ids=["arrival", "regrade"])
@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_a_scan_decides_about_its_incident_leaves_no_stale_alert(change):
    t0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    incident = make_incident(received_at=t0, grade=Grade.IMMEDIATE)
    scan_response_times(now=t0)
    now = incident.target_response_at + timedelta(seconds=1)
    make_change = change(incident, now)
    scan = _Runner(lambda: scan_response_times(now=now))
    changer = _Runner(make_change)

    # The scan has read the incident (its clock still running) and is about to record the
    # breach: it waits behind an uncommitted row with the same key, which is then rolled back.
    with transaction.atomic():
        Alert.objects.create(
            kind=AlertKind.BREACHED,
            subject=f"incident:{incident.pk}",
            incident=incident,
            threshold_at=incident.target_response_at,
            raised_at=now,
        )
        for runner in (scan, changer):
            runner.start()
            assert runner.started_query.wait(WAIT)
            _wait_blocked_or_done(runner)
        transaction.set_rollback(True)
    for runner in (scan, changer):
        runner.join(WAIT)
        assert runner.error is None, runner.error

    unsettled = Alert.objects.filter(incident=incident).exclude(status=AlertStatus.SETTLED)
    incident.refresh_from_db()
    assert [a for a in unsettled if a.threshold_at <= incident.target_response_at] == []
