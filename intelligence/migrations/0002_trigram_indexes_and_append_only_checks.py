"""PostgreSQL only: pg_trgm and the trigram (GIN) indexes the fuzzy fallback uses, on intelligence
tables and on cad's contacts and incidents; and a trigger making stored checks append-only.
SQLite (the embedded demo) matches exactly and skips all of this."""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS intel_address_trgm_idx
    ON intelligence_intelrecordaddress USING gin (address_normalised gin_trgm_ops);
CREATE INDEX IF NOT EXISTS intel_personname_trgm_idx
    ON intelligence_personname USING gin (name_normalised gin_trgm_ops);
CREATE INDEX IF NOT EXISTS intel_cad_contact_address_trgm_idx
    ON cad_contact USING gin (address_normalised gin_trgm_ops);
CREATE INDEX IF NOT EXISTS intel_cad_incident_address_trgm_idx
    ON cad_incident USING gin (address_normalised gin_trgm_ops);
CREATE OR REPLACE FUNCTION intelligence_intelcheck_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'intelligence_intelcheck is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS intelligence_intelcheck_no_update_delete ON intelligence_intelcheck;
CREATE TRIGGER intelligence_intelcheck_no_update_delete
    BEFORE UPDATE OR DELETE ON intelligence_intelcheck
    FOR EACH ROW EXECUTE FUNCTION intelligence_intelcheck_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS intelligence_intelcheck_no_update_delete ON intelligence_intelcheck;
DROP FUNCTION IF EXISTS intelligence_intelcheck_append_only();
DROP INDEX IF EXISTS intel_cad_incident_address_trgm_idx;
DROP INDEX IF EXISTS intel_cad_contact_address_trgm_idx;
DROP INDEX IF EXISTS intel_personname_trgm_idx;
DROP INDEX IF EXISTS intel_address_trgm_idx;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0001_initial"),
        ("cad", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
