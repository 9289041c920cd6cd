"""WSGI entry point: plain HTTP (the pages, the API, static files) under gunicorn, as `make stack`
and docker-compose serve it behind nginx. A gunicorn thread lives as long as its process, so it
keeps its database connection between requests (`CONN_MAX_AGE`). The live socket `/ws/live/` is
ASGI only (controlroom/asgi.py, daphne)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")
application = get_wsgi_application()

from controlroom.startup import server_started  # noqa: E402

server_started()
