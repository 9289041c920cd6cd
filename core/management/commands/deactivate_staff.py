from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.staff import staff_deactivate


class Command(BaseCommand):
    help = (
        "Deactivate a member of staff at once: no more logins, API calls or live updates "
        "(their open sockets close)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", default="")

    def handle(self, *args, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}.")
        staff_deactivate(actor=None, user=user, reason=reason)
        self.stdout.write(self.style.SUCCESS(f"Deactivated {username}."))
