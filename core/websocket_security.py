from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Refuse cross-site browser sockets (they would carry the session cookie), allow clients
    that send no Origin at all: integrations, which authenticate with a single-use ticket.
    Allowed origins are ALLOWED_HOSTS, read on every connection."""

    def __init__(self, application):
        super().__init__(application, [])

    @property
    def allowed_origins(self):
        hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not hosts:
            hosts = ["localhost", "127.0.0.1", "[::1]"]
        return hosts

    @allowed_origins.setter
    def allowed_origins(self, value):
        pass  # always read from settings

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)


def browser_origin_validator(application):
    return BrowserOriginValidator(application)
