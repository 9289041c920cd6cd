import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.roles import Role
from core.staff import staff_create


class Command(BaseCommand):
    help = "Create (or update) a member of staff with one or more control-room roles."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            metavar="ROLE",
            help=f"one of: {', '.join(Role.values)} (repeat for several)",
        )
        parser.add_argument(
            "--password",
            help="the password (prompted for when omitted, which keeps it out of the shell's "
            "history and the process list); checked by the password validators",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--full-name", default="")

    def handle(self, *args, username, role, password, email, full_name, **options):
        unknown = [r for r in role if r.upper() not in Role.values]
        if unknown:
            raise CommandError(
                f"Unknown role {', '.join(unknown)}. Roles are: {', '.join(Role.values)}."
            )
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords did not match.")
        if not password:
            raise CommandError("A password is required.")
        try:
            # The same rules as every other password (settings.AUTH_PASSWORD_VALIDATORS).
            validate_password(password, user=get_user_model()(username=username, email=email))
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        user, created = staff_create(
            username=username,
            roles=[r.upper() for r in role],
            password=password,
            email=email,
            full_name=full_name,
            via=f"create_staff by {_os_user()}",
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {user.username} with roles {', '.join(sorted(set(r.upper() for r in role)))}"
            )
        )


def _os_user() -> str:
    """Who ran the command on the machine: the audit's only trace of a command-line change."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a container): say so rather than fail
        return "unknown"
