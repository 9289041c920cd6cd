from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.demo import DEMO_PASSWORD, seed
from core.roles import Role


class Command(BaseCommand):
    help = "Create demo users (one per role, password 'demo') and demo data. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="allow demo logins with a known password when DEBUG is off",
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with a known password while DEBUG is off. "
                "Use --force if this really is a demo system."
            )
        with transaction.atomic():
            seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password '{DEMO_PASSWORD}'):"))
        for role in Role:
            self.stdout.write(f"  {role.value.lower():<18} {role.label}")
