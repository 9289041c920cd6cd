"""Shared fixtures: staff with roles, API clients, and a clean Redis channel layer."""

import pytest
from rest_framework.test import APIClient

from tests.factories import staff


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
