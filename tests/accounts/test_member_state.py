"""The session's member and their page state (verified address, moderator role, unread count):
one prepared statement per request (accounts.selectors, accounts.backends), the same answers as
the ORM's, and sessions signed in before the backends moved still signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import selectors
from accounts.models import User
from accounts.services_notifications import notify
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

STATEMENTS = ("atelier_member_state", "atelier_member_with_state")


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()} & set(STATEMENTS)


def _state(user) -> tuple[bool, bool, int]:
    fresh = User.objects.get(pk=user.pk)
    selectors.load_member_state(fresh)
    return fresh._atelier_verified, fresh._atelier_is_moderator, fresh._atelier_unread


@pytest.fixture
def members(db):
    plain = UserFactory(verified=False, links=[{"label": "Shop", "url": "https://shop.example"}])
    moderator = ModeratorFactory()
    notify(user=moderator, kind="decision", title="One")
    notify(user=moderator, kind="decision", title="Two")
    return plain, moderator


def test_the_loaded_member_is_the_orms_row_with_its_state(members):
    for member in members:
        loaded = selectors.member_with_state(member.pk)
        expected = User.objects.get(pk=member.pk)
        for field in User._meta.concrete_fields:
            assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        assert not loaded._state.adding and loaded._state.db == "default"
        state = (loaded._atelier_verified, loaded._atelier_is_moderator, loaded._atelier_unread)
        assert state == _state(member)
    assert selectors.member_with_state(members[0].pk).links[0]["label"] == "Shop"
    assert selectors.member_with_state(10**12) is None
    assert selectors.member_with_state("not-an-id") is None


def test_answers_match_the_plain_queries(members, settings):
    prepared = [_state(m) for m in members]
    rows = [vars(selectors.member_with_state(m.pk)) for m in members]
    assert _prepared_here() == set(STATEMENTS)
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as caught:
        plain = [_state(m) for m in members]
        plain_rows = [vars(selectors.member_with_state(m.pk)) for m in members]
    assert prepared == plain == [(False, False, 0), (True, True, 2)]
    strip = {"_state"}
    assert [{k: v for k, v in r.items() if k not in strip} for r in rows] == [
        {k: v for k, v in r.items() if k not in strip} for r in plain_rows
    ]
    assert not any(q["sql"].startswith("EXECUTE") for q in caught.captured_queries)


def test_a_new_session_prepares_again(members):
    _, moderator = members
    _state(moderator)
    # The statements die with the session; a wrapper that kept its marks would EXECUTE what
    # this session never saw.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._atelier_prepared = {}
    assert _state(moderator) == (True, True, 2)
    assert selectors.member_with_state(moderator.pk).pk == moderator.pk
    assert _prepared_here() == set(STATEMENTS)


def test_a_member_page_loads_its_member_in_one_query(client, members):
    _, moderator = members
    client.force_login(moderator)
    client.get("/following/")  # the page is cached for the member from now on
    with CaptureQueriesContext(connection) as caught:
        page = client.get("/following/")
    assert page.status_code == 200 and 'href="/moderation/' in page.content.decode()
    assert [q["sql"].split(" (")[0] for q in caught.captured_queries] == [
        "EXECUTE atelier_member_with_state"
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("django.contrib.auth.backends.ModelBackend", "accounts.backends.ModelBackend"),
        (
            "allauth.account.auth_backends.AuthenticationBackend",
            "accounts.backends.AuthenticationBackend",
        ),
    ],
)
def test_sessions_signed_in_through_the_old_backends_stay_signed_in(client, members, old, new):
    _, moderator = members
    client.force_login(moderator)
    session = client.session
    assert session[BACKEND_SESSION_KEY] == "accounts.backends.ModelBackend"
    session[BACKEND_SESSION_KEY] = old
    session.save()
    page = client.get("/following/")
    assert page.status_code == 200
    assert f"/@{moderator.handle}/" in page.content.decode()
    # Saved with the response: the next request reads the new path.
    stored = client.session
    assert stored[BACKEND_SESSION_KEY] == new
    assert stored[SESSION_KEY] == str(moderator.pk) and stored[HASH_SESSION_KEY]


def test_an_unknown_backend_or_a_deactivated_member_is_signed_out(client, members):
    _, moderator = members
    client.force_login(moderator)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    assert client.get("/following/").status_code == 302
    client.force_login(moderator)
    User.objects.filter(pk=moderator.pk).update(is_active=False)
    assert client.get("/following/").status_code == 302


def test_a_token_and_its_member_come_in_one_prepared_statement(members, settings):
    from accounts.models import ApiToken
    from accounts.services import token_create, token_revoke

    _, member = members
    token, key = token_create(user=member, name="ci", scope="read")
    digest = ApiToken.digest(key)
    with CaptureQueriesContext(connection) as caught:
        found = selectors.active_token(digest)
    assert [q["sql"].split(" (")[0] for q in caught.captured_queries] == [
        "EXECUTE atelier_token_with_member"
    ]
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    for model, got, want in ((ApiToken, found, expected), (User, found.user, expected.user)):
        for field in model._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(want, field.attname), field.name
        assert not got._state.adding and got._state.db == "default"
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as caught:
        plain = selectors.active_token(digest)
    assert not caught.captured_queries[0]["sql"].startswith("EXECUTE")
    assert (plain.pk, plain.user.pk, plain.key_hash) == (token.pk, member.pk, digest)
    assert selectors.active_token(ApiToken.digest("not-a-key")) is None
    token_revoke(user=member, token_id=token.pk)
    assert selectors.active_token(digest) is None
