"""The outstanding list's index: its ORDER BY over the incidents that can be on it (issue 14)."""

from django.conf import settings
from django.db import migrations, models


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """The outstanding list's index orders NULLS LAST, which SQLite (the embedded demo) cannot
    put in an index: the demo's small lists sort without it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("cad", "0010_reference_data_version"),
        ("premises", "0002_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="incident",
            index=models.Index(
                models.F("grade_rank"),
                models.OrderBy(models.F("divert_tagged"), descending=True),
                models.OrderBy(models.F("target_response_at"), nulls_last=True),
                models.F("received_at"),
                models.F("id"),
                condition=models.Q(
                    ("status__in", ["OPEN", "RESOURCED"]),
                    models.Q(("divert_tagged", True), ("status", "AT_SCENE")),
                    _connector="OR",
                ),
                name="cad_incident_outstanding_idx",
            ),
        ),
    ]
