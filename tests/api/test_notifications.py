"""/api/v1/notifications/: your own notifications, newest first; marking them read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from accounts.services import notify
from tests.api.clients import PERSONA

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


@pytest.fixture
def inboxes(request, role):
    """Two notifications for every persona, so each role sees its own and never another's."""
    for name in PERSONA.values():
        user = request.getfixturevalue(name)
        kind = NotificationKind.DECISION
        notify(user=user, kind=kind, title=f"Old for {user.handle}", url="/about/labels/")
        notify(user=user, kind=kind, title=f"New for {user.handle}", body="Details")


def test_list_by_role(client_for, role, inboxes):
    client = client_for(role)
    response = client.get(LIST)
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    handle = client.user.handle
    assert [n["title"] for n in response.json()["results"]] == [
        f"New for {handle}",
        f"Old for {handle}",
    ]
    first = response.json()["results"][1]
    assert first["url"] == "http://testserver/about/labels/" and first["read_at"] is None
    assert response.json()["results"][0]["url"] is None


def test_mark_one_read_by_role(client_for, role, inboxes, viewer):
    client = client_for(role)
    someone_elses = Notification.objects.filter(user=viewer).first()
    if role == "anonymous":
        assert client.post(f"{LIST}{someone_elses.pk}/read/").status_code == 401
        return
    own = Notification.objects.filter(user=client.user).order_by("id").first()
    response = client.post(f"{LIST}{own.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    own.refresh_from_db()
    assert own.read_at is not None
    if client.user != viewer:
        assert client.post(f"{LIST}{someone_elses.pk}/read/").status_code == 404
        someone_elses.refresh_from_db()
        assert someone_elses.read_at is None


def test_mark_all_read_by_role(client_for, role, inboxes):
    client = client_for(role)
    response = client.post(f"{LIST}read/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json() == {"marked_read": 2}
    assert not Notification.objects.filter(user=client.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2 * (len(PERSONA) - 1)
    assert client.post(f"{LIST}read/").json() == {"marked_read": 0}


def test_unread_filter_and_pages(client_for, artist):
    base = timezone.now()
    for i in range(5):
        notify(user=artist, kind=NotificationKind.DECISION, title=f"n{i}")
    Notification.objects.filter(user=artist).update(created_at=base)  # ties: the id decides
    read = Notification.objects.filter(user=artist, title="n2").get()
    read.read_at = base + timedelta(seconds=1)
    read.save()
    client = client_for("owner")
    seen, url = [], f"{LIST}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [n["title"] for n in body["results"]]
        url = body["next"]
    assert seen == ["n4", "n3", "n2", "n1", "n0"]
    unread = client.get(LIST, {"unread": "true"}).json()["results"]
    assert [n["title"] for n in unread] == ["n4", "n3", "n1", "n0"]


def test_read_only_token_lists_but_cannot_mark_read(client_for, artist):
    notify(user=artist, kind=NotificationKind.DECISION, title="hello")
    client = client_for("owner", scope="read")
    assert client.get(LIST).status_code == 200
    assert client.post(f"{LIST}read/").status_code == 403


def test_bad_params_are_400(client_for):
    client = client_for("member")
    for params in ({"unread": "maybe"}, {"after": "zzz"}, {"page_size": "1000"}):
        response = client.get(LIST, params)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(params)


def test_unknown_notification_is_404(client_for):
    assert client_for("member").post(f"{LIST}{10**25}/read/").status_code == 404


def test_list_queries_do_not_grow_with_the_page(client_for, artist, viewer):
    for i in range(3):
        notify(user=artist, kind=NotificationKind.DECISION, title=f"n{i}")
    notify(user=viewer, kind=NotificationKind.DECISION, title="not yours")
    client = client_for("owner")
    client.get(LIST)  # records the token's first use: a write the next requests skip
    counts = []
    for size in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(LIST, {"page_size": size}).json()
        counts.append(len(queries))
        assert [n["title"] for n in body["results"]] == ["n2", "n1", "n0"][:size]
    # The token with its member, the verified email, the page itself.
    assert counts == [3, 3]
