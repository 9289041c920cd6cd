"""Dispatch models, one module per feature: alerts, units and diverts, monitoring and staffing."""

from dispatch.models.alerts import (  # noqa: F401
    ALERT_AUDIENCE,
    RESPONSE_TIME_KINDS,
    Alert,
    AlertKind,
    AlertStatus,
)
from dispatch.models.monitoring import *  # noqa: F401,F403
from dispatch.models.units import *  # noqa: F401,F403
