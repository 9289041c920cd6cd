"""Shared fixtures: staff with roles, API clients, and a clean Redis channel layer."""

import asyncio
import asyncio.runners
import sys

import pytest
from rest_framework.test import APIClient

from tests.factories import staff

# How long the tasks an async test left behind get to finish once cancelled.
LEFTOVER_TASK_SECONDS = 10


def _cancel_all_tasks_bounded(loop):
    """`asyncio.Runner.close` (pytest-asyncio's per-test loop) cancels the tasks a test left and
    then waits for them without a limit. Seen about once in five full runs: one task that did
    not finish after its cancellation hung the whole suite in teardown (CI would wait out its
    90 minutes). Here they get LEFTOVER_TASK_SECONDS, then are abandoned with their stacks
    printed (so the run says which task it was) and the suite goes on. Known, not yet fixed:
    which task it is (a live consumer's or channels_redis's)."""
    tasks = asyncio.all_tasks(loop)
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    _, pending = loop.run_until_complete(asyncio.wait(tasks, timeout=LEFTOVER_TASK_SECONDS))
    for task in pending:
        print(
            f"\nA task left by a test did not finish {LEFTOVER_TASK_SECONDS} s after being "
            f"cancelled; abandoned: {task!r}",
            file=sys.stderr,
        )
        task.print_stack(file=sys.stderr)
    for task in tasks - pending:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception in a task left by a test",
                    "exception": task.exception(),
                    "task": task,
                }
            )


asyncio.runners._cancel_all_tasks = _cancel_all_tasks_bounded


@pytest.fixture
def make_staff(db):
    """make_staff("CALL_HANDLER", username="ann") -> a user holding those roles."""
    return staff


@pytest.fixture
def api(db):
    """api("DISPATCHER") -> an APIClient authenticated (by token) as a new user with that role."""

    def _client(*roles, user=None):
        from core.services import token_for

        user = user or staff(*roles)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + token_for(user=user))
        client.user = user
        return client

    return _client


@pytest.fixture
def anon_api():
    return APIClient()


def _reseed_reference_data():
    """Roles and reference data come from data migrations; a transactional test's flush wipes
    them, so put them back (the same functions the migrations run)."""
    import importlib

    from django.apps import apps

    for module, function in [
        ("core.migrations.0001_roles", "create_roles"),
        ("cad.migrations.0002_reference_data", "seed"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if transactional or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        _reseed_reference_data()
    yield


@pytest.fixture
def channel_layer_flush(settings):
    """Empty the Redis channel layer before a test that listens to it."""
    import redis

    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield


@pytest.fixture(autouse=True, scope="session")
def _grading_models_waited_for():
    """A test's first assessment in a worker waits for the grading text models to be trained
    (about 4 s) instead of the production 3 s, after which it would be graded on the rules
    alone and the outcome would depend on which test ran first. A test that wants the rules-only
    path sets `GRADING_MODEL_WAIT_SECONDS` to 0 itself (test_statistical_layer.py)."""
    from django.conf import settings

    settings.GRADING_MODEL_WAIT_SECONDS = 120
    yield
