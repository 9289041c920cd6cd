"""Read queries for dispatch."""

from django.db.models import QuerySet

from cad.exceptions import NotFound, ValidationFailed
from dispatch.models import Alert, AlertKind, AlertStatus


def alerts(*, status: str | None = None, kind: str | None = None) -> QuerySet[Alert]:
    if status and status not in AlertStatus.values:
        raise ValidationFailed(
            f"Unknown status '{status}'. Use one of: {', '.join(AlertStatus.values)}.",
            code="unknown_status",
        )
    if kind and kind not in AlertKind.values:
        raise ValidationFailed(
            f"Unknown kind '{kind}'. Use one of: {', '.join(AlertKind.values)}.",
            code="unknown_kind",
        )
    qs = Alert.objects.select_related("incident", "acknowledged_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-raised_at", "-id")


def alert_get(alert_id: int) -> Alert:
    try:
        return Alert.objects.select_related("incident").get(pk=alert_id)
    except Alert.DoesNotExist:
        raise NotFound(f"Alert {alert_id} does not exist.") from None
