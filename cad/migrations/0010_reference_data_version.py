"""Reference data's version number (`cad.refdata`): one row, changed by triggers on the grade
policy and opening/closing code tables in the transaction that changes them."""

from django.db import migrations, models

TABLES = ("cad_gradepolicy", "cad_openingcode", "cad_closingcode")

POSTGRES = [
    "CREATE SEQUENCE IF NOT EXISTS cad_refdata_version_seq",
    """
    CREATE OR REPLACE FUNCTION cad_refdata_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO cad_referencedataversion (id, version)
        VALUES (1, nextval('cad_refdata_version_seq'))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
        RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_refdata_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION cad_refdata_bump()"
        for table in TABLES
    ),
    "INSERT INTO cad_referencedataversion (id, version) "
    "VALUES (1, nextval('cad_refdata_version_seq')) ON CONFLICT (id) DO NOTHING",
]
POSTGRES_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_refdata_bump ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS cad_refdata_bump()",
    "DROP SEQUENCE IF EXISTS cad_refdata_version_seq",
]
# SQLite (the embedded demo) has no sequences: a random 62-bit number is as good as unique.
_SQLITE_BUMP = (
    "INSERT INTO cad_referencedataversion (id, version) VALUES (1, abs(random()) / 2) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version;"
)
SQLITE = [
    *(
        f"CREATE TRIGGER {table}_refdata_bump_{event.lower()} AFTER {event} ON {table} "
        f"BEGIN {_SQLITE_BUMP} END"
        for table in TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    "INSERT OR IGNORE INTO cad_referencedataversion (id, version) VALUES (1, abs(random()) / 2)",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_refdata_bump_{event.lower()}"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = statements.get(vendor, [])
        for sql in chosen:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cad", "0009_contacts_on_log_and_merges")]

    operations = [
        migrations.CreateModel(
            name="ReferenceDataVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
