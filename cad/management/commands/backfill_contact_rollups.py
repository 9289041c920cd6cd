"""`python manage.py backfill_contact_rollups`: recompute the contacts pre-aggregated per day
(`ContactDemandHour`, `ContactKeyDay`) from every contact.

Run it once after the migration that adds them (contacts recorded before it are not counted
yet), and after loading contacts in bulk without the service. Idempotent; new contacts wait
for it (it holds a SHARE lock on the contacts for its one transaction)."""

from django.core.management.base import BaseCommand

from cad.services.rollups import contact_rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the contacts per day, hour and channel, and per number or address per day."

    def handle(self, *args, **options):
        made = contact_rollups_rebuild()
        self.stdout.write(
            f"Counted {made['contacts']} contact(s): {made['hours']} day-hour-channel row(s), "
            f"{made['key_days']} number or address day row(s)."
        )
