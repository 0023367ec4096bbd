"""Database triggers that make the audit log append-only even for raw SQL.

PostgreSQL refuses row updates and deletes (TRUNCATE, an administrator's explicit reset, is
still possible). SQLite refuses updates; it cannot refuse deletes without also breaking
`flush` (which resets with DELETE), so there the model layer refuses them.
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON core_auditlog BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON core_auditlog FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();",
]
POSTGRES_REVERSE = ["DROP TRIGGER IF EXISTS audit_no_update ON core_auditlog;", "DROP FUNCTION IF EXISTS core_audit_append_only();"]


def forwards(apps, schema_editor):
    statements = SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = SQLITE_REVERSE if schema_editor.connection.vendor == "sqlite" else POSTGRES_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
