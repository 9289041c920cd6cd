from datetime import UTC, datetime, timedelta

import pytest

from riskflags import services

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"


@pytest.fixture
def oic(make_staff):
    return make_staff("OIC", username="oic_smith")


@pytest.fixture
def supervisor(make_staff):
    return make_staff("SUPERVISOR", username="sup_jones")


@pytest.fixture
def create_marker(oic):
    """create_marker(**overrides) -> a marker made through the service at T0 by default."""

    def _create(**overrides):
        now = overrides.pop("now", T0)
        fields = {
            "actor": oic,
            "address": ADDRESS,
            "phone": "07700 900123",
            "victim_name": "Anne Example",
            "perpetrator_name": "Brian Example",
            "reason": "Ex-husband threatened to kill her",
            "oic": oic.username,
            "starts_at": now,
            "expires_at": now + timedelta(days=90),
            "now": now,
        }
        fields.update(overrides)
        return services.marker_create(**fields)

    return _create
