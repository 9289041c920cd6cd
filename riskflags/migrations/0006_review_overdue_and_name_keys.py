"""A marker whose expiry comes with the victim not yet told is REVIEW_OVERDUE, not expired; and
victims' and perpetrators' names are kept in the one name matcher's forms (`cad.names`), so a
call naming either finds the marker through an index."""

from django.conf import settings
from django.db import migrations, models


def name_keys(apps, schema_editor):
    from cad.names import canonical_name, name_key

    Marker = apps.get_model("riskflags", "Marker")
    changed = []
    for marker in Marker.objects.only("id", "victim_name", "perpetrator_name").iterator(
        chunk_size=2000
    ):
        victim = canonical_name(marker.victim_name)[:200]
        perpetrator = canonical_name(marker.perpetrator_name)[:200]
        marker.victim_name_normalised, marker.victim_name_key = victim, name_key(victim)
        marker.perpetrator_name_normalised = perpetrator
        marker.perpetrator_name_key = name_key(perpetrator)
        changed.append(marker)
    Marker.objects.bulk_update(
        changed,
        [
            "victim_name_normalised",
            "victim_name_key",
            "perpetrator_name_normalised",
            "perpetrator_name_key",
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("riskflags", "0005_marker_match_dismissal"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="marker",
            name="riskflags_marker_status_valid",
        ),
        migrations.AddField(
            model_name="marker",
            name="perpetrator_name_key",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AddField(
            model_name="marker",
            name="perpetrator_name_normalised",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="marker",
            name="review_overdue_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="marker",
            name="victim_name_key",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AlterField(
            model_name="marker",
            name="status",
            field=models.CharField(
                choices=[
                    ("ACTIVE", "Active"),
                    ("REVIEW_OVERDUE", "Review overdue: expiry reached, victim not yet told"),
                    ("EXPIRED", "Expired"),
                    ("WITHDRAWN", "Withdrawn"),
                ],
                db_index=True,
                default="ACTIVE",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="markerreminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("START_CONTACT_OVERDUE", "No START contact within 72 hours"),
                    ("REVIEW_14_DAYS", "Review due: 14 days to expiry"),
                    ("REVIEW_3_DAYS", "Review due: 3 days to expiry"),
                    ("REVIEW_OVERDUE", "Review overdue: expiry reached, victim not yet told"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddConstraint(
            model_name="marker",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["ACTIVE", "REVIEW_OVERDUE", "EXPIRED", "WITHDRAWN"])
                ),
                name="riskflags_marker_status_valid",
            ),
        ),
        migrations.RunPython(name_keys, migrations.RunPython.noop, elidable=False),
    ]
