"""The audit log cannot be changed or deleted: not by code, a page, the admin or SQL."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from moderation.models import AuditEntry
from moderation.services.decisions import case_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(moderator, flagged):
    case_decide(moderator=moderator, case_id=flagged.pk, action="warn", reason="Careful.")
    return AuditEntry.objects.get(action="warn")


def test_model_refuses_save_and_delete(entry):
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_database_refuses_update_and_delete(entry):
    for sql in (
        "UPDATE moderation_auditentry SET reason = 'changed' WHERE id = %s",
        "DELETE FROM moderation_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Careful."


def test_admin_cannot_change_or_delete(client, entry, admin_user):
    client.force_login(admin_user)
    change = reverse("admin:moderation_auditentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # readable
    assert client.post(change, {"reason": "changed"}).status_code == 403
    delete = reverse("admin:moderation_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Careful."


def test_no_page_changes_it(client, moderator, entry):
    client.force_login(moderator)
    assert client.post(reverse("moderation:audit"), {"reason": "x"}).status_code == 405
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Careful."
