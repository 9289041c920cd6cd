"""Shifts, minimums and sign-ons, taken over from `dispatch` with their tables unchanged."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The models this app took over from `dispatch`, whose content types (and so any permissions
# granted on them) move with them.
MOVED = ["staffingminimum", "shift", "shiftrequirement", "signon"]


def adopt_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="staffing", model=model).exists():
            ContentType.objects.filter(app_label="dispatch", model=model).update(
                app_label="staffing"
            )


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="staffing", model__in=MOVED).update(app_label="dispatch")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
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
                    name="StaffingMinimum",
                    fields=[
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("CALL_HANDLER", "Call handler"),
                                    ("SUPPORT_OPERATOR", "Support (intelligence) operator"),
                                    ("DISPATCHER", "Dispatcher"),
                                    ("CONTROLLER", "Controller"),
                                    ("INSPECTOR", "Control-room inspector"),
                                    ("SUPERVISOR", "Supervisor"),
                                    ("OIC", "Officer in charge"),
                                    ("OFFICER", "Attending officer"),
                                    ("QA_REVIEWER", "QA reviewer"),
                                    ("ADMIN", "Administrator"),
                                ],
                                max_length=20,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("minimum", models.PositiveSmallIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "dispatch_staffingminimum",
                        "ordering": ["role"],
                    },
                ),
                migrations.CreateModel(
                    name="Shift",
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
                        ("name", models.CharField(max_length=80)),
                        ("starts_at", models.DateTimeField()),
                        ("ends_at", models.DateTimeField()),
                        ("created_at", models.DateTimeField()),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dispatch_shift",
                        "ordering": ["-starts_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ShiftRequirement",
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
                            "role",
                            models.CharField(
                                choices=[
                                    ("CALL_HANDLER", "Call handler"),
                                    ("SUPPORT_OPERATOR", "Support (intelligence) operator"),
                                    ("DISPATCHER", "Dispatcher"),
                                    ("CONTROLLER", "Controller"),
                                    ("INSPECTOR", "Control-room inspector"),
                                    ("SUPERVISOR", "Supervisor"),
                                    ("OIC", "Officer in charge"),
                                    ("OFFICER", "Attending officer"),
                                    ("QA_REVIEWER", "QA reviewer"),
                                    ("ADMIN", "Administrator"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("minimum", models.PositiveSmallIntegerField()),
                        (
                            "shift",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="requirements",
                                to="staffing.shift",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dispatch_shiftrequirement",
                        "ordering": ["role"],
                    },
                ),
                migrations.CreateModel(
                    name="SignOn",
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
                            "role",
                            models.CharField(
                                choices=[
                                    ("CALL_HANDLER", "Call handler"),
                                    ("SUPPORT_OPERATOR", "Support (intelligence) operator"),
                                    ("DISPATCHER", "Dispatcher"),
                                    ("CONTROLLER", "Controller"),
                                    ("INSPECTOR", "Control-room inspector"),
                                    ("SUPERVISOR", "Supervisor"),
                                    ("OIC", "Officer in charge"),
                                    ("OFFICER", "Attending officer"),
                                    ("QA_REVIEWER", "QA reviewer"),
                                    ("ADMIN", "Administrator"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("position", models.CharField(max_length=40)),
                        ("signed_on_at", models.DateTimeField()),
                        ("signed_off_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "shift",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="sign_ons",
                                to="staffing.shift",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "dispatch_signon",
                        "ordering": ["signed_on_at", "id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="shift",
                    index=models.Index(
                        fields=["starts_at", "ends_at"], name="dispatch_sh_starts__a64e69_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="shift",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                        name="dispatch_shift_ends_after_start",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="shiftrequirement",
                    constraint=models.UniqueConstraint(
                        fields=("shift", "role"), name="dispatch_shift_role_once"
                    ),
                ),
                migrations.AddIndex(
                    model_name="signon",
                    index=models.Index(
                        fields=["shift", "role", "signed_off_at"],
                        name="dispatch_si_shift_i_dac494_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="signon",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("signed_off_at__isnull", True)),
                        fields=("user",),
                        name="dispatch_signon_one_open_per_user",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="signon",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("signed_off_at__isnull", True)),
                        fields=("shift", "position"),
                        name="dispatch_signon_one_open_per_position",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_content_types, return_content_types),
    ]
