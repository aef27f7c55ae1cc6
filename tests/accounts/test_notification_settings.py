"""The settings page per role; "mark all read" with and without htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import (
    EmailChoice,
    Notification,
    NotificationKind,
    NotificationSetting,
)
from tests.api.clients import PERSONA

pytestmark = pytest.mark.django_db

K = NotificationKind
PAGE = "accounts:notification_settings"
ROLES = ["anonymous", "member", "owner", "trusted_reviewer", "moderator", "suspended"]


def _site_client(client, request, role):
    if role == "anonymous":
        return client, None
    user = request.getfixturevalue(PERSONA[role])
    client.force_login(user)
    return client, user


def _form_data(page_response, **overrides) -> dict:
    """The settings form as the browser would send it unchanged, plus ``overrides``."""
    form = page_response.context["form"]
    data = {}
    for _choice, in_site, email in form.table():
        if in_site.value() and not in_site.field.disabled:
            data[in_site.html_name] = "on"
        data[email.html_name] = email.value()
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("role", ROLES)
def test_settings_page_by_role(client, request, role):
    client, user = _site_client(client, request, role)
    response = client.get(reverse(PAGE))
    if user is None:
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert client.post(reverse(PAGE), {"like-email": "off"}).status_code == 302
        assert not NotificationSetting.objects.exists()
        return
    # Everyone signed in, suspended members included, manages their own.
    assert response.status_code == 200
    kinds = [c.kind for c in response.context["form"].rows]
    assert (K.CASE_HIGH_RISK in kinds) is (role == "moderator")
    assert b"<table" in response.content and b"Likes on your work" in response.content
    data = _form_data(response, **{"like-email": "off", "follow-in_site": None})
    saved = client.post(reverse(PAGE), data)
    assert saved.status_code == 302
    rows = {s.kind: s for s in NotificationSetting.objects.filter(user=user)}
    assert rows[K.LIKE].email == EmailChoice.OFF and rows[K.LIKE].in_site
    assert rows[K.FOLLOW].in_site is False
    assert rows[K.DECISION].in_site and rows[K.DECISION].email == EmailChoice.IMMEDIATE


def test_a_locked_kind_cannot_be_turned_off_by_a_hand_made_post(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse(PAGE))
    assert b'name="decision-in_site"' in page.content and b"disabled" in page.content
    data = _form_data(page, **{"decision-email": "daily"})
    data.pop("decision-in_site", None)  # what a forged "unticked" looks like
    assert client.post(reverse(PAGE), data).status_code == 302
    row = NotificationSetting.objects.get(user=viewer, kind=K.DECISION)
    assert row.in_site and row.email == EmailChoice.DAILY


def test_a_bad_choice_is_a_400_naming_the_field(client, viewer):
    client.force_login(viewer)
    data = _form_data(client.get(reverse(PAGE)), **{"like-email": "hourly"})
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 400 and b"hourly" in response.content
    assert not NotificationSetting.objects.exists()


def _bulk(user, count: int, actor=None) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, kind=K.LIKE, title=f"n{i}", actor=actor, count=2)
        for i in range(count)
    )


def test_mark_all_read_without_javascript(client, artist):
    _bulk(artist, 3)
    client.force_login(artist)
    assert b"Mark all read" in client.get(reverse("notifications")).content
    response = client.post(reverse("notifications"), follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert b"All your notifications are marked read." in response.content
    assert not Notification.objects.filter(user=artist, read_at__isnull=True).exists()
    assert b"Mark all read" not in response.content


def test_mark_all_read_with_htmx_swaps_the_list_and_the_badge(client, artist, viewer):
    _bulk(artist, 3)
    _bulk(viewer, 2)
    client.force_login(artist)
    page = client.get(reverse("notifications")).content.decode()
    assert 'hx-post="/notifications/"' in page and 'hx-select="#notifications"' in page
    assert 'id="notifications-link"' in page
    response = client.post(reverse("notifications"), HTTP_HX_REQUEST="true", follow=True)
    assert response.status_code == 200
    assert 'id="notifications"' in response.content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 2  # viewer's own


@pytest.mark.parametrize("role", ["anonymous", "suspended"])
def test_list_and_mark_read_for_anonymous_and_suspended(client, request, role):
    client, user = _site_client(client, request, role)
    if user is None:
        assert client.get(reverse("notifications")).status_code == 302
        assert client.post(reverse("notifications")).status_code == 302
        return
    _bulk(user, 2)
    assert client.get(reverse("notifications")).status_code == 200
    assert client.post(reverse("notifications")).status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
