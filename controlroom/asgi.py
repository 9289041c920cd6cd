"""ASGI entry point: HTTP through Django, `/ws/live/` through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from cad.grading import textmodel  # noqa: E402
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

# The grading text models train in a background thread as the server starts (about 4 s on
# 4,300 narratives on 2 cores), not when the first call comes in: a call in the first seconds is
# otherwise assessed on the rules alone (textmodel.models_within).
if settings.GRADING_TRAIN_AT_START:
    textmodel.models_within(0)

if settings.EMBEDDED_SCHEDULER and os.environ.get("CAD_EMBEDDED_SCHEDULER") == "1":
    from core import scheduler

    scheduler.start()
