"""A member's notifications: one selector behind the site's page and the API's list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from accounts.selectors import notification_list
from accounts.services import notify

pytestmark = pytest.mark.django_db


def _notify(user, count: int, prefix: str = "n") -> None:
    for i in range(count):
        notify(user=user, kind=NotificationKind.DECISION, title=f"{prefix}{i}")


def test_selector_lists_own_newest_first_ties_by_id(artist, viewer):
    _notify(artist, 3)
    _notify(viewer, 2, prefix="other")
    # Same instant for all three: the id decides, newest first.
    Notification.objects.filter(user=artist).update(created_at=timezone.now())
    assert [n.title for n in notification_list(user=artist)] == ["n2", "n1", "n0"]


def test_selector_unread_only_leaves_out_read_ones(artist):
    _notify(artist, 3)
    Notification.objects.filter(user=artist, title="n1").update(read_at=timezone.now())
    assert [n.title for n in notification_list(user=artist, unread_only=True)] == ["n2", "n0"]
    assert notification_list(user=artist).count() == 3


def test_selector_order_follows_created_at_before_id(artist):
    _notify(artist, 2)
    # The older row by id is the newer one by time: time wins.
    Notification.objects.filter(user=artist, title="n0").update(
        created_at=timezone.now() + timedelta(minutes=1)
    )
    assert [n.title for n in notification_list(user=artist)] == ["n0", "n1"]


def _page_queries(client) -> tuple[int, list[str]]:
    """The query count of the notifications page, and the titles it lists in order."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications"))
    assert response.status_code == 200
    titles = [n.title for n in response.context["items"]]
    for title in titles:
        assert title in response.content.decode()
    return len(queries), titles


def test_site_page_shows_own_newest_first_in_fixed_queries(client, artist, viewer):
    _notify(artist, 2)
    _notify(viewer, 1, prefix="other")
    client.force_login(artist)
    client.get(reverse("notifications"))
    few, titles = _page_queries(client)
    assert titles == ["n1", "n0"]
    _notify(artist, 20, prefix="more")
    many, titles = _page_queries(client)
    # User with the verified address, the unread badge and the moderator check (one query),
    # the list (the session comes from the cache).
    assert few == many == 2
    assert titles[0] == "more19" and len(titles) == 22


def test_site_page_walks_every_row_in_keyset_pages(client, artist):
    _notify(artist, 101)
    client.force_login(artist)
    _count, titles = _page_queries(client)
    assert len(titles) == 50
    assert titles[0] == "n100" and titles[-1] == "n51"
    seen, url = [], reverse("notifications")
    while url:
        response = client.get(url)
        seen += [n.title for n in response.context["items"]]
        cursor = response.context["page"].next_cursor
        url = f"{reverse('notifications')}?after={cursor}" if cursor else None
    assert seen == [f"n{i}" for i in range(100, -1, -1)]


def test_site_page_tampered_cursor_is_400(client, artist):
    client.force_login(artist)
    assert client.get(reverse("notifications") + "?after=%%%").status_code == 400


def test_site_post_marks_all_read(client, artist):
    _notify(artist, 2)
    client.force_login(artist)
    response = client.post(reverse("notifications"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=artist, read_at__isnull=True).exists()


def test_one_query_reads_a_members_page_state_and_marking_read_moves_the_badge(
    artist, django_assert_num_queries
):
    """``has_verified_email``, ``is_moderator`` and ``unread_count`` share one query, kept on
    the user object for the request; marking read in that request counts afresh."""
    from accounts.access import has_verified_email
    from accounts.selectors import unread_count
    from accounts.services_notifications import notifications_mark_read

    _notify(artist, 2)
    user = type(artist).objects.get(pk=artist.pk)
    with django_assert_num_queries(1):
        assert has_verified_email(user) is True
        assert user.is_moderator is False
        assert unread_count(user) == 2
    notifications_mark_read(user=user)
    assert unread_count(user) == 0
