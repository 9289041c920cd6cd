"""Names in the one matcher's forms, and warning flags on records.

Every stored name is normalised again with `cad.names.canonical_name` (accents folded,
surname-first forms turned round, O'/Mc prefixes joined) and given its blocking key
(`cad.names.name_key`: first initial + Metaphone of the surname, and first initial + the
surname's first letters), indexed as plain columns.
It replaces the `intel_name_key` expression index, which keyed the surname as typed. Two names
of one person that now read the same keep the primary name (an alias that adds nothing goes).
"""

from django.db import migrations, models

BATCH = 5000


def renormalise(apps, schema_editor):
    from cad.names import canonical_name, name_key

    PersonName = apps.get_model("intelligence", "PersonName")
    rows = PersonName.objects.order_by("person_id", "kind", "id").values_list(
        "id", "person_id", "name"
    )
    person, seen = None, set()
    duplicates, changed = [], []
    for row_id, person_id, name in rows.iterator(chunk_size=BATCH):
        if person_id != person:
            person, seen = person_id, set()
        canonical = canonical_name(name)[:200]
        if canonical in seen:
            duplicates.append(row_id)
            continue
        seen.add(canonical)
        changed.append(
            PersonName(
                id=row_id,
                name_normalised=canonical,
                name_key=name_key(canonical),
                name_spelling_key=name_key(canonical, spelling=True),
            )
        )
    for start in range(0, len(duplicates), BATCH):
        PersonName.objects.filter(id__in=duplicates[start : start + BATCH]).delete()
    for start in range(0, len(changed), BATCH):
        PersonName.objects.bulk_update(
            changed[start : start + BATCH], ["name_normalised", "name_key", "name_spelling_key"]
        )


def drop_expression_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS intel_personname_key_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS intel_name_key(text)")


def restore_expression_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE, params=None)


RESTORE = """
CREATE OR REPLACE FUNCTION intel_name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(split_part(coalesce($1, ''), ' ', 1), 1) || '|'
        || public.dmetaphone(regexp_replace(coalesce($1, ''), '^.* ', ''))
$$;
CREATE INDEX IF NOT EXISTS intel_personname_key_idx
    ON intelligence_personname (intel_name_key(name_normalised));
"""


class Migration(migrations.Migration):
    dependencies = [("intelligence", "0005_addresses_resolved_to_premises")]

    operations = [
        migrations.AddField(
            model_name="personname",
            name="name_key",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AddField(
            model_name="personname",
            name="name_spelling_key",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AddField(
            model_name="intelrecord",
            name="warnings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(renormalise, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(drop_expression_key, restore_expression_key, elidable=False),
    ]
