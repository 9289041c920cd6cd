"""The embedded scheduler: without Redis there is no Celery beat, so the ASGI process runs the
same CELERY_BEAT_SCHEDULE in a daemon thread. Production runs `celery beat` instead."""

import logging
import threading
import time

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
_started = threading.Event()


def run_due(last_run: dict[str, float], now: float) -> None:
    """Run every schedule entry whose interval has passed since it last ran."""
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        interval = (
            schedule.total_seconds() if hasattr(schedule, "total_seconds") else float(schedule)
        )
        if now - last_run.get(name, 0.0) < interval:
            continue
        last_run[name] = now
        try:
            current_app.tasks[entry["task"]].apply(args=entry.get("args", ()))
        except Exception:
            logger.exception("scheduled task %s failed", entry["task"])
        finally:
            close_old_connections()


def _loop() -> None:
    last_run: dict[str, float] = {}
    while True:
        run_due(last_run, time.monotonic())
        time.sleep(0.5)


def start() -> None:
    """Start the scheduler thread once per process."""
    if _started.is_set():
        return
    _started.set()
    current_app.loader.import_default_modules()
    threading.Thread(target=_loop, name="embedded-beat", daemon=True).start()
    logger.info("embedded scheduler started with %d entries", len(settings.CELERY_BEAT_SCHEDULE))
