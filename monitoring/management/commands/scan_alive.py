"""`python manage.py scan_alive [--max-age 30]`: exit 0 when the response-time scan ran in the
last `--max-age` seconds, 1 otherwise. The scan runs every second only while beat schedules it
and a worker runs it, so this is the health check of both (docker-compose uses it)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.services import cursor_at


class Command(BaseCommand):
    help = "Exit 1 unless the response-time scan ran recently (beat and a worker are alive)."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=float, default=30.0, help="seconds")

    def handle(self, *args, max_age: float, **options):
        scanned = cursor_at()
        if scanned is None:
            raise CommandError("The response-time scan has never run.")
        age = (timezone.now() - scanned).total_seconds()
        if age > max_age:
            raise CommandError(f"The response-time scan last ran {age:.0f} s ago.")
        self.stdout.write(f"The response-time scan ran {age:.1f} s ago.")
