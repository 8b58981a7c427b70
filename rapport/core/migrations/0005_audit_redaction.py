"""The audit table also allows UPDATE inside `audit_unlocked` (a privacy erasure blanks the
erased person's values in the trail: rapport.core.audit.redact_audit_events); everything else is
still refused. Adds the Erase action."""

from django.db import migrations, models

from rapport.core.migration_sql import run_for_vendor

SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    WHEN rapport_audit_locked()
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END""",
]
POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION core_auditevent_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF {refuse_update}coalesce(current_setting('rapport.audit_unlocked', true), '') <> 'on'
        THEN
            RAISE EXCEPTION 'audit events cannot be changed or deleted';
        END IF;
        IF TG_LEVEL = 'ROW' THEN
            IF TG_OP = 'UPDATE' THEN
                RETURN NEW;
            END IF;
            RETURN OLD;
        END IF;
        RETURN NULL;
    END $$"""
POSTGRES_FORWARD = [POSTGRES_FUNCTION.format(refuse_update="")]
POSTGRES_BACKWARD = [POSTGRES_FUNCTION.format(refuse_update="TG_OP = 'UPDATE' OR ")]


def forward(apps, schema_editor):
    run_for_vendor(schema_editor, sqlite=SQLITE_FORWARD, postgresql=POSTGRES_FORWARD)


def backward(apps, schema_editor):
    run_for_vendor(schema_editor, sqlite=SQLITE_BACKWARD, postgresql=POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_events")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Create"),
                    ("change", "Change"),
                    ("delete", "Delete"),
                    ("cancel", "Cancel"),
                    ("restore", "Restore"),
                    ("log", "Log"),
                    ("purge", "Purge"),
                    ("run", "Run"),
                    ("record", "Record"),
                    ("import", "Import"),
                    ("revoke", "Revoke"),
                    ("erase", "Erase"),
                ],
                max_length=20,
                verbose_name="Action",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
