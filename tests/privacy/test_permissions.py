"""The "Your data" pages for every role: who may open them, ask for an export, download,
and close an account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from privacy.models import DataExport
from privacy.services.export import export_link, export_request
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "owner", "trusted_reviewer", "moderator", "suspended", "unverified"]
PERSONA = {
    "member": "viewer", "owner": "artist", "trusted_reviewer": "trusted_reviewer",
    "moderator": "moderator", "suspended": "suspended_user", "unverified": "unverified_user",
}  # fmt: skip
# Suspended members keep their rights over their own data; unverified ones confirm first.
ALLOWED = {"member", "owner", "trusted_reviewer", "moderator", "suspended"}


def _sign_in(request, client, role):
    if role == "anonymous":
        return None
    user = request.getfixturevalue(PERSONA[role])
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_data_page_and_export_by_role(request, client, role, django_capture_on_commit_callbacks):
    user = _sign_in(request, client, role)
    page = client.get(reverse("privacy:data"))
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("privacy:export_request"))
    status = client.get(reverse("privacy:export_status"))
    if role not in ALLOWED:
        assert page.status_code == 302 and asked.status_code == 302 and status.status_code == 302
        assert not DataExport.objects.exists()
        return
    assert page.status_code == 200 and b"Delete your account" in page.content
    assert asked.status_code == 302
    assert DataExport.objects.get().user_id == user.pk
    assert b"Download your data" in status.content


@pytest.mark.parametrize("role", ROLES)
def test_delete_by_role(request, client, role):
    user = _sign_in(request, client, role)
    response = client.post(reverse("privacy:account_delete"), {"password": PASSWORD})
    if role not in ALLOWED:
        assert response.status_code == 302 and "deletion_requested" not in response.url
        assert User.objects.filter(deletion_requested_at__isnull=False).count() == 0
        return
    assert response.url == reverse("privacy:deletion_requested")
    assert not User.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("role", ROLES)
def test_download_link_is_the_credential(
    request, client, role, artist, django_capture_on_commit_callbacks
):
    # Documented choice: the emailed link works for whoever holds it (another device, signed
    # out) until it expires; it is unforgeable and names an unguessable file.
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(user=artist)
    export.refresh_from_db()
    _sign_in(request, client, role)
    url = "/settings/" + export_link(export=export).split("/settings/", 1)[1]
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    forged = client.get(url[:-3] + "abc/")
    assert forged.status_code == 404


def test_cancel_page_without_a_checked_password_sends_to_sign_in(client, artist):
    response = client.get(reverse("privacy:deletion_cancel"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert client.post(reverse("privacy:deletion_cancel")).status_code == 302


def test_data_page_queries_do_not_grow_with_exports(client, artist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(artist)
    DataExport.objects.create(user=artist, status="expired")
    client.get(reverse("privacy:data"))  # warm the session and the site row
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("privacy:data"))
    DataExport.objects.bulk_create(DataExport(user=artist, status="expired") for _ in range(4))
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("privacy:data")).status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries) <= 8
