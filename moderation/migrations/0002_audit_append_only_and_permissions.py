"""The audit log refuses UPDATE and DELETE in the database itself (PostgreSQL), and the
Moderators group gets moderation's permissions explicitly.

TRUNCATE is left alone: the test runner empties tables with it between transactional tests,
and a role that may TRUNCATE can drop the trigger anyway.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_auditentry_no_change
    BEFORE UPDATE OR DELETE ON moderation_auditentry
    FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS moderation_auditentry_no_change ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_append_only();
"""

MODERATOR_PERMISSIONS = [
    "view_case", "change_case", "view_flag", "change_flag", "view_decision", "add_decision",
    "view_auditentry", "view_appeal", "change_appeal", "view_strike", "view_reviewvote",
    "view_report",
]  # fmt: skip


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS
        )
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial"), ("accounts", "0002_moderators_group")]
    operations = [migrations.RunPython(forwards, backwards)]
