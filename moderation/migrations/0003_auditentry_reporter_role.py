"""Audit entries written by the old flag service with the role "member" become "reporter",
before migration 0004 adds the check constraints on the audit log's vocabularies.

The audit log is append-only in PostgreSQL (migration 0002's trigger): the trigger is disabled
for this one UPDATE, inside this migration's transaction, and enabled again before it commits.
"""

from django.db import migrations

# Every free-text value the code before 0004 wrote that is not in today's vocabulary.
LEGACY_ROLES = {"member": "reporter"}
TRIGGER = "moderation_auditentry_no_change"


def _remap(apps, schema_editor, mapping: dict[str, str]) -> None:
    AuditEntry = apps.get_model("moderation", "AuditEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE moderation_auditentry DISABLE TRIGGER {TRIGGER}")
    for old, new in mapping.items():
        AuditEntry.objects.filter(actor_role=old).update(actor_role=new)
    if postgres:
        schema_editor.execute(f"ALTER TABLE moderation_auditentry ENABLE TRIGGER {TRIGGER}")


def forwards(apps, schema_editor):
    _remap(apps, schema_editor, LEGACY_ROLES)


def backwards(apps, schema_editor):
    _remap(apps, schema_editor, {new: old for old, new in LEGACY_ROLES.items()})


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_audit_append_only_and_permissions")]
    operations = [migrations.RunPython(forwards, backwards)]
