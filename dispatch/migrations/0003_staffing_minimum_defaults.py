"""Default staffing minimums per shift (ADMIN changes them on the staffing screen)."""

from django.db import migrations

DEFAULTS = {
    "CALL_HANDLER": 2,
    "SUPPORT_OPERATOR": 2,
    "DISPATCHER": 1,
    "CONTROLLER": 1,
    "INSPECTOR": 1,
    "SUPERVISOR": 1,
}


def add_defaults(apps, schema_editor):
    StaffingMinimum = apps.get_model("dispatch", "StaffingMinimum")
    for role, minimum in DEFAULTS.items():
        StaffingMinimum.objects.get_or_create(role=role, defaults={"minimum": minimum})


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_units_assignments_diverts")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
