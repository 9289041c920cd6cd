"""Alerts and the scan cursor, taken over from `dispatch` with their tables unchanged."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The models this app took over from `dispatch`, whose content types (and so any permissions
# granted on them) move with them.
MOVED = ["alert", "monitorcursor"]


def adopt_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="monitoring", model=model).exists():
            ContentType.objects.filter(app_label="dispatch", model=model).update(
                app_label="monitoring"
            )


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="monitoring", model__in=MOVED).update(app_label="dispatch")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cad", "0005_widen_phone_columns"),
        ("dispatch", "0003_staffing_minimum_defaults"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (`dispatch` created them and keeps their names): only
        # Django's idea of which app owns the models changes, so no row is copied.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MonitorCursor",
                    fields=[
                        (
                            "name",
                            models.CharField(max_length=40, primary_key=True, serialize=False),
                        ),
                        ("scanned_through_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "dispatch_monitorcursor",
                    },
                ),
                migrations.CreateModel(
                    name="Alert",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("DUE_SOON", "Due soon"),
                                    ("BREACHED", "Breached"),
                                    ("ESCALATED", "Escalated"),
                                    ("DIVERT_UNRESOURCED", "Divert unresourced"),
                                    ("STAFFING_GAP", "Staffing gap"),
                                ],
                                max_length=24,
                            ),
                        ),
                        ("subject", models.CharField(max_length=80)),
                        ("threshold_at", models.DateTimeField()),
                        ("raised_at", models.DateTimeField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("OPEN", "Open"),
                                    ("ACKNOWLEDGED", "Acknowledged"),
                                    ("SETTLED", "Settled"),
                                ],
                                default="OPEN",
                                max_length=14,
                            ),
                        ),
                        ("message", models.CharField(blank=True, max_length=300)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        ("settled_at", models.DateTimeField(blank=True, null=True)),
                        ("settled_reason", models.CharField(blank=True, max_length=200)),
                        (
                            "acknowledged_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "incident",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="alerts",
                                to="cad.incident",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dispatch_alert",
                        "ordering": ["-raised_at", "-id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status", "OPEN")),
                                fields=["raised_at"],
                                name="dispatch_alert_open_idx",
                            ),
                            models.Index(
                                fields=["incident", "status"], name="dispatch_al_inciden_d40308_idx"
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("kind", "subject", "threshold_at"),
                                name="dispatch_alert_once",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_types, return_content_types),
    ]
