"""`python manage.py db_app_role`: create or update the app's least-privilege database role.

Runs as the owner of the tables (`MIGRATE_DATABASE_URL`, as `migrate` does). The role's name
and password come from `DATABASE_URL` (what web, worker and beat connect with), or from
`--role` / `--password`. Idempotent: run it after every `migrate`.
"""

import os

import environ
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core.dbroles import grant_app_role


class Command(BaseCommand):
    help = "Create or update the app's database role with only the rights the app needs."

    def add_arguments(self, parser):
        parser.add_argument("--role", help="role name (default: the user in DATABASE_URL)")
        parser.add_argument("--password", help="its password (default: from DATABASE_URL)")

    def handle(self, *args, role=None, password=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL.")
        app = environ.Env.db_url_config(os.environ.get("DATABASE_URL", "")) or {}
        role = role or app.get("USER")
        password = password if password is not None else app.get("PASSWORD")
        owner = connection.settings_dict["USER"]
        if not role:
            raise CommandError("Give --role, or set DATABASE_URL to the app's role.")
        if role == owner:
            raise CommandError(
                f"DATABASE_URL's user is {owner}, the owner that runs migrations: give the app "
                "its own role (e.g. cad_app) and run migrations with MIGRATE_DATABASE_URL."
            )
        with transaction.atomic(), connection.cursor() as cursor:
            narrowed = grant_app_role(
                cursor, role=role, password=password, database=connection.settings_dict["NAME"]
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role}: read and write on the tables, read and insert only on "
                f"{', '.join(narrowed) or 'no append-only table'}; no TRUNCATE, ALTER or DDL."
            )
        )
