"""Every status change has a receipt time (a migration of its own: PostgreSQL cannot alter a
table in the transaction that just updated its rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0005_status_device_time")]

    operations = [
        migrations.AlterField(
            model_name="unitstatuschange",
            name="received_at",
            field=models.DateTimeField(),
        ),
    ]
