"""The members' rights endpoints for every role: exports (list, create, one), account
deletion and its cancel. The rules are the "Your data" page's (tests/privacy)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken, User
from privacy.models import DataExport
from tests.api.clients import ROLES
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# Exporting and closing one's account are rights over one's own data: suspended members
# keep them. Every signed-in role acts on its own account ("owner" is simply the artist).
CAN = {"anonymous": False, "member": True, "owner": True, "trusted_reviewer": True,
       "moderator": True, "suspended": True}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_export_create_and_list_by_role(client_for, role, django_capture_on_commit_callbacks):
    client = client_for(role)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/me/exports/")
    listed = client.get("/api/v1/me/exports/")
    if not CAN[role]:
        assert created.status_code == 401 and listed.status_code == 401
        assert not DataExport.objects.exists()
        return
    assert created.status_code == 202, created.content
    body = listed.json()["results"]
    assert len(body) == 1 and body[0]["status"] == "done" and body[0]["progress"] == 100
    assert body[0]["download_url"].startswith("http")
    detail = client.get(f"/api/v1/me/exports/{body[0]['id']}/")
    assert detail.status_code == 200 and detail.json()["id"] == body[0]["id"]
    assert DataExport.objects.get().user_id == client.user.pk


def test_someone_elses_export_is_a_404_even_for_moderators(
    client_for, artist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = client_for("owner").post("/api/v1/me/exports/").json()
    for role in ("member", "moderator", "suspended"):
        assert client_for(role).get(f"/api/v1/me/exports/{mine['id']}/").status_code == 404
    assert client_for("owner").get("/api/v1/me/exports/99999/").status_code == 404


def test_read_only_token_cannot_export_or_delete(client_for, artist):
    client = client_for("owner", ApiToken.Scope.READ)
    assert client.post("/api/v1/me/exports/").status_code == 403
    response = client.post("/api/v1/me/deletion/", {"confirmation": "ana"}, format="json")
    assert response.status_code == 403
    assert User.objects.get(pk=artist.pk).is_active


def test_second_export_is_409_then_429(client_for, django_capture_on_commit_callbacks):
    client = client_for("owner")
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post("/api/v1/me/exports/").status_code == 202
        second = client.post("/api/v1/me/exports/")
    assert second.status_code == 409 and "already" in second.json()["detail"]
    DataExport.objects.update(status="done", expires_at=timezone.now() + timedelta(days=1))
    third = client.post("/api/v1/me/exports/")
    assert third.status_code == 429 and int(third["Retry-After"]) > 0


@pytest.mark.parametrize("role", ROLES)
def test_deletion_by_role(client_for, role):
    client = client_for(role)
    handle = client.user.handle if client.user else "x"
    response = client.post("/api/v1/me/deletion/", {"confirmation": handle}, format="json")
    if not CAN[role]:
        assert response.status_code == 401
        return
    assert response.status_code == 202, response.content
    assert response.json()["purge_on"]
    user = User.objects.get(pk=client.user.pk)
    assert not user.is_active and user.deletion_requested_at is not None
    # The token stops working at once, this one included.
    assert client.get("/api/v1/me/").status_code == 401


def test_deletion_needs_the_handle_typed(client_for, artist):
    client = client_for("owner")
    response = client.post("/api/v1/me/deletion/", {"confirmation": "bruno"}, format="json")
    assert response.status_code == 400 and "confirmation" in response.json()["errors"]
    assert client.post("/api/v1/me/deletion/", {}, format="json").status_code == 400
    assert User.objects.get(pk=artist.pk).is_active


def test_cancel_with_password_within_grace_restores_the_token(client_for, api, artist):
    client = client_for("owner")
    client.post("/api/v1/me/deletion/", {"confirmation": "ANA"}, format="json")
    wrong = api.post(
        "/api/v1/me/deletion/cancel/", {"login": "ana", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    unknown = api.post(
        "/api/v1/me/deletion/cancel/", {"login": "nobody", "password": "x"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["detail"] == wrong.json()["detail"]
    ok = api.post(
        "/api/v1/me/deletion/cancel/", {"login": "ana@example.com", "password": PASSWORD},
        format="json",
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["deletion_requested_at"] is None
    assert client.get("/api/v1/me/").status_code == 200
    again = api.post(
        "/api/v1/me/deletion/cancel/", {"login": "ana", "password": PASSWORD}, format="json"
    )
    assert again.status_code == 409


def test_cancel_after_grace_is_409(client_for, api, artist):
    client_for("owner").post("/api/v1/me/deletion/", {"confirmation": "ana"}, format="json")
    User.objects.filter(pk=artist.pk).update(
        deletion_requested_at=timezone.now()
        - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS, seconds=1)
    )
    response = api.post(
        "/api/v1/me/deletion/cancel/", {"login": "ana", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 409
    assert not User.objects.get(pk=artist.pk).is_active
