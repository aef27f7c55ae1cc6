"""/api/v1/notifications/settings/ per role, and the notification list (site and API) at
10,000 rows in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, Notification, NotificationKind, NotificationSetting
from tests.api.clients import ROLES

pytestmark = pytest.mark.django_db

K = NotificationKind
API = "/api/v1/notifications/settings/"


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_settings_by_role(client_for, role):
    client = client_for(role)
    response = client.get(API)
    if role == "anonymous":
        assert response.status_code == 401
        assert client.patch(API, {"settings": []}, format="json").status_code == 401
        return
    assert response.status_code == 200
    by_kind = {s["kind"]: s for s in response.json()["settings"]}
    assert by_kind["like"] == {
        "kind": "like", "label": "Likes on your work", "in_site": True, "email": "weekly",
        "in_site_locked": False,
    }  # fmt: skip
    assert by_kind["decision"]["in_site_locked"] is True
    assert ("case-high-risk" in by_kind) is (role == "moderator")
    body = {"settings": [{"kind": "like", "email": "off"}, {"kind": "follow", "in_site": False}]}
    changed = client.patch(API, body, format="json")
    assert changed.status_code == 200  # suspended members too
    after = {s["kind"]: s for s in changed.json()["settings"]}
    assert after["like"]["email"] == "off" and after["like"]["in_site"] is True
    assert after["follow"]["in_site"] is False and after["follow"]["email"] == "weekly"
    assert NotificationSetting.objects.filter(user=client.user).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": [{"kind": "decision", "in_site": False}]}, "decision"),
        ({"settings": [{"kind": "case-high-risk", "email": "daily"}]}, "case-high-risk"),
        ({"settings": [{"kind": "like", "email": "hourly"}]}, "settings"),
        ({"settings": [{"kind": "nope"}]}, "settings"),
        ({"settings": "like"}, "settings"),
        ({}, "settings"),
    ],
)
def test_api_bad_settings_are_400_and_write_nothing(client_for, body, field):
    response = client_for("member").patch(API, body, format="json")
    assert response.status_code == 400
    assert any(key.split(".")[0] == field for key in response.json()["errors"])
    assert not NotificationSetting.objects.exists()


def test_api_read_only_token_cannot_change_settings(client_for):
    client = client_for("member", ApiToken.Scope.READ)
    assert client.get(API).status_code == 200
    assert client.patch(API, {"settings": []}, format="json").status_code == 403


# --- The list at 10,000 rows -----------------------------------------------------------------


def _bulk(user, count: int, actor=None) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, kind=K.LIKE, title=f"n{i}", actor=actor, count=2)
        for i in range(count)
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_page_and_api_queries_are_fixed_at_10000_rows(client, client_for, artist, viewer):
    _bulk(artist, 5, actor=viewer)
    client.force_login(artist)
    api = client_for("owner")
    # Warm up: the first request records the token's use (one write a minute at most).
    client.get(reverse("notifications"))
    api.get("/api/v1/notifications/")
    few_site = _queries(client, reverse("notifications"))
    few_api = _queries(api, "/api/v1/notifications/?page_size=100")
    _bulk(artist, 10_000, actor=viewer)
    many_site = _queries(client, reverse("notifications"))
    many_api = _queries(api, "/api/v1/notifications/?page_size=100")
    assert few_site == many_site and few_api == many_api
    # A page deep in the list costs the same (keyset, not OFFSET).
    cursor = client.get(reverse("notifications")).context["page"].next_cursor
    for _ in range(3):
        cursor = (
            client.get(f"{reverse('notifications')}?after={cursor}").context["page"].next_cursor
        )
    assert _queries(client, f"{reverse('notifications')}?after={cursor}") == many_site
    # The header badge is one count whatever the number of unread rows, read with the member
    # (the prepared statement of accounts.selectors.member_with_state): no count of its own.
    sqls = [q["sql"] for q in _captured(client)]
    assert [q for q in sqls if "COUNT(" in q.upper()] == []
    assert len([q for q in sqls if q.startswith("EXECUTE atelier_member_with_state")]) == 1


def _captured(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notifications"))
    return queries.captured_queries
