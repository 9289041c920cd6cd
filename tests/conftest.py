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


@pytest.fixture(autouse=True)
def _fresh_role_cache():
    yield


@pytest.fixture
def channel_layer_flush(settings):
    """Empty the Redis channel layer before a test that listens to it."""
    import redis

    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield
