from core.models import Notification
from core.navigation import screens_for
from core.roles import ALERT_READERS, Role, has_role, user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "unread_notifications": Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count(),
        "nav_screens": [s for s in screens_for(roles, superuser=user.is_superuser) if s.url],
        "user_role_labels": [Role(r).label for r in sorted(roles)],
        "user_role_names": sorted(roles),
        # The alert banner and its polling of the open alerts are for the roles that read
        # alerts (core.roles.ALERT_READERS): any other role would only be refused (403).
        "can_read_alerts": has_role(user, *ALERT_READERS),
    }
