"""The Celery app. Beat's schedule lives in settings (CELERY_BEAT_SCHEDULE); run beat with
`--max-interval 1` so one-second entries fire on time."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")

app = Celery("controlroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
