from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core.models import Notification
from core.navigation import screens_for
from core.notifications import notification_mark_read
from core.roles import Role, user_roles
from core.unavailable import retry_after_seconds


class HomeView(TemplateView):
    """Each role's home page: the screens that role works in."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        roles = user_roles(user)
        ctx["sections"] = [
            {"role": Role(role), "screens": screens_for({role})} for role in sorted(roles)
        ]
        ctx["no_role"] = not roles and not user.is_superuser
        return ctx


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Ready to serve: the database answers and, when configured, Redis answers."""
    checks, ok = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        ok, checks["database"] = False, f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
            ).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            ok, checks["redis"] = False, f"error: {type(exc).__name__}"
    response = JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
    if not ok:
        response["Retry-After"] = str(retry_after_seconds())
    return response


class NotificationsView(TemplateView):
    template_name = "core/notifications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["notifications"] = Notification.objects.filter(user=self.request.user)[:200]
        return ctx

    def post(self, request):
        try:
            notification_id = int(request.POST.get("id", ""))
        except ValueError:
            return redirect("notifications")
        notification_mark_read(actor=request.user, notification_id=notification_id)
        return redirect("notifications")
