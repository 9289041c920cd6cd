"""The embedded scheduler runs Celery beat's own table in-process when there is no Redis."""

import pytest
from celery import shared_task

from core.scheduler import run_due

# run_due closes stale database connections between ticks, as the embedded scheduler does.
pytestmark = pytest.mark.django_db

RUNS = []


@shared_task(name="tests.core.tick")
def tick(label):
    RUNS.append(label)


def test_each_entry_runs_when_its_interval_has_passed(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "fast": {"task": "tests.core.tick", "schedule": 1.0, "args": ("fast",)},
        "slow": {"task": "tests.core.tick", "schedule": 60.0, "args": ("slow",)},
    }
    RUNS.clear()
    last_run = {}
    run_due(last_run, now=1000.0)
    run_due(last_run, now=1000.5)
    run_due(last_run, now=1001.0)
    assert RUNS == ["fast", "slow", "fast"]


def test_a_failing_task_does_not_stop_the_others(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": "tests.core.tick", "schedule": 1.0, "args": ()},  # missing argument
        "fine": {"task": "tests.core.tick", "schedule": 1.0, "args": ("fine",)},
    }
    RUNS.clear()
    run_due({}, now=5.0)
    assert RUNS == ["fine"]
