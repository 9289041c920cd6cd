"""A unit's status change keeps the crew's device time and its receipt time apart."""

from django.db import migrations, models


def receipt_was_the_time(apps, schema_editor):
    # Until now every status was stamped on receipt.
    apps.get_model("dispatch", "UnitStatusChange").objects.update(received_at=models.F("at"))


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_monitoring_and_staffing_moved_out")]

    operations = [
        migrations.AddField(
            model_name="unitstatuschange",
            name="device_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="unitstatuschange",
            name="received_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(receipt_was_the_time, migrations.RunPython.noop),
    ]
