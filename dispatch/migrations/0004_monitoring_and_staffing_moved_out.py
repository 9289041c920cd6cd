"""Alerts, the scan cursor and staffing now belong to the `monitoring` and `staffing` apps.

Their tables stay where they are (those apps name them in `Meta.db_table`), so dispatch only
forgets the models: no table is dropped and no row is copied.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0003_staffing_minimum_defaults"),
        ("monitoring", "0001_initial"),
        ("staffing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SignOn"),
                migrations.DeleteModel(name="ShiftRequirement"),
                migrations.DeleteModel(name="Shift"),
                migrations.DeleteModel(name="StaffingMinimum"),
                migrations.DeleteModel(name="MonitorCursor"),
                migrations.DeleteModel(name="Alert"),
            ],
            database_operations=[],
        ),
    ]
