"""ASGI entry point: HTTP through Django, `/ws/live/` through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from controlroom.startup import server_started  # noqa: E402
from core.routing import websocket_urlpatterns  # noqa: E402
from core.websocket_security import browser_origin_validator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

server_started()

if settings.EMBEDDED_SCHEDULER and os.environ.get("CAD_EMBEDDED_SCHEDULER") == "1":
    from core import scheduler

    scheduler.start()
