"""One-click unsubscribe: a signed token, no login, GET confirms and POST (the page's button or
a mail client's RFC 8058 one-click POST) turns the email off; bad tokens get a clear page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.emails import UNSUBSCRIBE_MAX_AGE, UNSUBSCRIBE_SALT, unsubscribe_token
from accounts.models import EmailChoice, NotificationKind, NotificationSetting
from accounts.services import notify
from accounts.services_notifications import notification_choices, notification_settings_set
from tests.api.clients import PERSONA

pytestmark = pytest.mark.django_db

K = NotificationKind


def _emails(user) -> dict[str, str]:
    return {c.kind: c.email for c in notification_choices(user=user)}


def _link_from_email(user, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind=K.DECISION, title="Decided")
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"]
    return urlsplit(header.strip("<>")).path


@pytest.mark.parametrize(
    "role", ["anonymous", "member", "owner", "trusted_reviewer", "moderator", "suspended"]
)
def test_unsubscribe_works_for_whoever_clicks_and_only_for_the_tokens_member(
    role, request, viewer, django_capture_on_commit_callbacks
):
    link = _link_from_email(viewer, django_capture_on_commit_callbacks)
    client = Client(enforce_csrf_checks=True)
    clicker = None
    if role != "anonymous":
        clicker = request.getfixturevalue(PERSONA[role])
        client.force_login(clicker)
    page = client.get(link)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert page["Cache-Control"] == "no-store"
    assert _emails(viewer)[K.DECISION] == EmailChoice.IMMEDIATE  # GET changes nothing
    done = client.post(link)  # no CSRF token: the signed link is the proof
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    assert _emails(viewer)[K.DECISION] == EmailChoice.OFF
    # In-site stays, other kinds stay, and nobody else's settings move.
    assert next(c for c in notification_choices(user=viewer) if c.kind == K.DECISION).in_site
    assert _emails(viewer)[K.COMMENT] == EmailChoice.DAILY
    if clicker is not None and clicker != viewer:
        assert not NotificationSetting.objects.filter(user=clicker).exists()


def test_rfc8058_one_click_post_and_a_second_click_are_fine(
    client, viewer, django_capture_on_commit_callbacks
):
    link = _link_from_email(viewer, django_capture_on_commit_callbacks)
    body = "List-Unsubscribe=One-Click"
    for _ in range(2):
        response = client.post(link, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
    assert _emails(viewer)[K.DECISION] == EmailChoice.OFF
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=viewer, kind=K.DECISION, title="Again")
    assert len(mail.outbox) == 1  # no email after unsubscribing


def test_anonymous_unsubscribe_page_sets_no_cookie(client, viewer):
    link = reverse("unsubscribe", args=[unsubscribe_token(user_id=viewer.pk, scope="like")])
    assert not client.get(link).cookies
    assert not client.post(link).cookies


def test_digest_scope_turns_off_every_kind_on_that_digest_only(client, viewer):
    notification_settings_set(user=viewer, changes={K.FOLLOW: {"email": EmailChoice.DAILY}})
    token = unsubscribe_token(user_id=viewer.pk, scope="digest-daily")
    client.post(reverse("unsubscribe", args=[token]))
    emails = _emails(viewer)
    for kind in (K.FOLLOW, K.COMMENT, K.REPLY, K.MENTION):
        assert emails[kind] == EmailChoice.OFF
    assert emails[K.LIKE] == EmailChoice.WEEKLY and emails[K.DECISION] == EmailChoice.IMMEDIATE


def test_all_scope_turns_off_every_email_and_keeps_in_site(client, viewer):
    token = unsubscribe_token(user_id=viewer.pk, scope="all")
    client.post(reverse("unsubscribe", args=[token]))
    choices = notification_choices(user=viewer)
    assert {c.email for c in choices} == {EmailChoice.OFF}
    assert all(c.in_site for c in choices)


def _tampered(token: str) -> str:
    value, rest = token.split(":", 1)
    return ("x" if value[0] != "x" else "y") + value[1:] + ":" + rest


def _signed(value) -> str:
    return signing.dumps(value, salt=UNSUBSCRIBE_SALT)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda u: _tampered(unsubscribe_token(user_id=u.pk, scope="all")), id="bad"),
        pytest.param(lambda u: signing.dumps([u.pk, "like"], salt="another.salt"), id="forged"),
        pytest.param(lambda u: _signed([u.pk, "nonsense"]), id="scope"),
        pytest.param(lambda u: _signed(["1", "like"]), id="id-type"),
        pytest.param(lambda u: _signed({"a": 1}), id="shape"),
        pytest.param(lambda u: "garbage", id="garbage"),
        pytest.param(lambda u: "a" * 5000, id="huge"),
        pytest.param(lambda u: _signed([99999999, "like"]), id="gone"),
    ],
)  # fmt: skip
def test_bad_tokens_get_a_clear_page_and_change_nothing(client, viewer, make):
    link = reverse("unsubscribe", args=[make(viewer)])
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert b"This link does not work" in response.content
    assert not NotificationSetting.objects.exists()


def test_an_expired_token_says_so(client, viewer, monkeypatch):
    long_ago = time.time() - UNSUBSCRIBE_MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    token = unsubscribe_token(user_id=viewer.pk, scope="like")
    monkeypatch.undo()
    response = client.post(reverse("unsubscribe", args=[token]))
    assert response.status_code == 400 and b"too old" in response.content
    assert not NotificationSetting.objects.exists()


def test_only_get_and_post(client, viewer):
    link = reverse("unsubscribe", args=[unsubscribe_token(user_id=viewer.pk, scope="like")])
    assert client.put(link).status_code == 405
