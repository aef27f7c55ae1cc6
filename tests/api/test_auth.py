"""Tokens: getting one with a password, using, scoping and revoking them; the token page."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import MAX_ACTIVE_TOKENS, token_create, token_revoke
from tests.api.clients import PERSONA, ROLES, throttle_rates
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


# --- POST /api/v1/auth/token/ -------------------------------------------------------------------


@pytest.mark.parametrize("role_name", [r for r in ROLES if r not in ("anonymous", "suspended")])
def test_every_verified_persona_in_good_standing_gets_a_token_once(api, request, role_name):
    user = request.getfixturevalue(PERSONA[role_name])
    response = api.post(TOKEN, {"login": user.handle, "password": PASSWORD}, format="json")
    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    assert key.startswith("atl_") and body["scope"] == "write" and body["key_prefix"] == key[:8]
    token = ApiToken.objects.get(pk=body["id"])
    # Only the digest is stored.
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.key_prefix, token.name}
    me = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200 and me.json()["handle"] == user.handle


def test_suspended_member_gets_no_new_token(api, suspended_user):
    response = api.post(TOKEN, {"login": "sam", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "suspended until" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=suspended_user).exists()


def test_token_service_refuses_a_suspended_member(suspended_user):
    with pytest.raises(ValidationError, match="suspended until") as caught:
        token_create(user=suspended_user, name="script", scope="read")
    assert caught.value.code == "suspended"
    assert not ApiToken.objects.exists()


def test_login_by_email_and_any_case(api, artist):
    for login in (artist.email.upper(), "ANA"):
        response = api.post(TOKEN, {"login": login, "password": PASSWORD}, format="json")
        assert response.status_code == 201


def test_token_name_and_read_scope(api, artist):
    response = api.post(
        TOKEN,
        {"login": "ana", "password": PASSWORD, "name": "sync", "scope": "read"},
        format="json",
    )
    assert response.status_code == 201
    assert ApiToken.objects.get(user=artist).scope == "read"
    assert response.json()["name"] == "sync"


@pytest.mark.parametrize(
    "payload",
    [
        {"login": "ana", "password": "wrong"},
        {"login": "nobody", "password": PASSWORD},
        {"login": "nobody@example.com", "password": PASSWORD},
    ],
)
def test_wrong_login_or_password_is_a_400_without_saying_which(api, artist, payload):
    response = api.post(TOKEN, payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The login or the password is wrong."
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "payload", [{}, {"login": "ana"}, {"login": ["a"], "password": {}}, {"login": "a\x00"}]
)
def test_missing_or_mistyped_fields_are_a_400(api, artist, payload):
    response = api.post(TOKEN, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_unverified_account_gets_no_token(api, unverified_user):
    response = api.post(TOKEN, {"login": "uma", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "confirm your email" in response.json()["detail"]


def test_inactive_account_gets_no_token(api, artist):
    artist.is_active = False
    artist.save()
    response = api.post(TOKEN, {"login": "ana", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_a_stale_token_in_the_header_does_not_block_getting_a_new_one(api, artist):
    api.credentials(HTTP_AUTHORIZATION="Token atl_revoked")
    response = api.post(TOKEN, {"login": "ana", "password": PASSWORD}, format="json")
    assert response.status_code == 201


def test_token_endpoint_is_rate_limited_per_ip(api, artist):
    with throttle_rates(**{"token-obtain": "3/hour"}):
        statuses = [
            api.post(TOKEN, {"login": f"guess{i}", "password": "x"}, format="json").status_code
            for i in range(4)
        ]
        assert statuses == [400, 400, 400, 429]
        limited = api.post(TOKEN, {"login": "ana", "password": PASSWORD}, format="json")
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert limited.json()["detail"].startswith("Too many requests: try again in")


def test_token_endpoint_is_rate_limited_per_login_across_ips(artist):
    with throttle_rates(**{"token-obtain": "3/hour"}):
        statuses = [
            APIClient(REMOTE_ADDR=f"10.0.0.{i}")
            .post(TOKEN, {"login": "Ana", "password": "guess"}, format="json")
            .status_code
            for i in range(4)
        ]
    assert statuses == [400, 400, 400, 429]


def test_forwarded_for_header_does_not_dodge_the_ip_limit(api, artist):
    with throttle_rates(**{"token-obtain": "2/hour"}):
        statuses = [
            api.post(
                TOKEN,
                {"login": f"guess{i}", "password": "x"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
            ).status_code
            for i in range(3)
        ]
    assert statuses[-1] == 429


# --- Using tokens --------------------------------------------------------------------------------


def test_me_by_role(client_for, role):
    response = client_for(role).get(ME)
    if role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        return
    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == {"member": "vic", "owner": "ana", "trusted_reviewer": "tess",
                              "moderator": "mona", "suspended": "sam"}[role]  # fmt: skip
    assert body["token_scope"] == "write"
    assert body["is_moderator"] is (role == "moderator")
    assert (body["suspended_until"] is not None) is (role == "suspended")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "one space"),
        ("Token a b", "one space"),
        ("Token atl_doesnotexist", "not valid"),
        ("token atl_doesnotexist", "not valid"),
    ],
)
def test_bad_tokens_are_a_401(api, header, message):
    response = api.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_bad_token_is_a_401_even_on_public_endpoints(api):
    response = api.get("/api/v1/artworks/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401


def test_non_ascii_token_is_a_401(api):
    response = api.get(ME, HTTP_AUTHORIZATION="Token caf\u00e9".encode().decode("latin-1"))
    assert response.status_code == 401


def test_revoked_token_is_refused_at_once(artist):
    token, key = token_create(user=artist, name="x", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(ME).status_code == 200
    assert token_revoke(user=artist, token_id=token.pk)
    assert client.get(ME).status_code == 401


def test_deactivated_members_token_is_refused(artist):
    _token, key = token_create(user=artist, name="x", scope="write")
    artist.is_active = False
    artist.save()
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(artist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token, key = token_create(user=artist, name="x", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get(ME)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(ME)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first


def test_revoking_the_current_token(client_for, role):
    client = client_for(role)
    response = client.delete("/api/v1/auth/token/current/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 204
    assert client.get(ME).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_a_read_only_token_can_revoke_itself(client_for, viewer):
    client = client_for("member", scope="read")
    response = client.delete("/api/v1/auth/token/current/")
    assert response.status_code == 204
    assert ApiToken.objects.get(user=viewer).revoked_at is not None
    assert client.get(ME).status_code == 401


def test_a_token_can_revoke_itself_after_its_member_lost_their_verified_email(client_for, viewer):
    client = client_for("member", scope="read")
    viewer.emailaddress_set.update(verified=False)
    assert client.delete("/api/v1/auth/token/current/").status_code == 204
    assert ApiToken.objects.get(user=viewer).revoked_at is not None


def test_a_token_made_before_a_suspension_reads_but_cannot_write(artist):
    from tests.factories import ArtworkFactory

    artwork = ArtworkFactory(artist=UserFactory(handle="pia"))
    client = APIClient()
    _token, key = token_create(user=artist, name="script", scope="write")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    User.objects.filter(pk=artist.pk).update(suspended_until=timezone.now() + timedelta(days=3))
    assert client.get(ME).status_code == 200
    like = client.post(f"/api/v1/artworks/{artwork.pk}/like/")
    assert like.status_code == 403 and "suspended until" in like.json()["detail"]
    follow = client.post("/api/v1/artists/pia/follow/")
    assert follow.status_code == 403
    artwork.refresh_from_db()
    assert artwork.like_count == 0 and not artist.following_set.exists()
    # Revoking stays open to a suspended member.
    assert client.delete("/api/v1/auth/token/current/").status_code == 204
    assert ApiToken.objects.get(user=artist).revoked_at is not None


def test_revoking_the_current_token_needs_a_token(client, artist):
    client.force_login(artist)
    response = client.delete("/api/v1/auth/token/current/")
    assert response.status_code == 400
    assert "account page" in response.json()["detail"]


def test_read_only_token_reads_but_cannot_write(client_for, artist):
    from tests.factories import ArtworkFactory

    artwork = ArtworkFactory(artist=artist)
    client = client_for("member", scope="read")
    assert client.get(f"/api/v1/artworks/{artwork.pk}/").status_code == 200
    assert client.get("/api/v1/notifications/").status_code == 200
    response = client.post("/api/v1/artists/ana/follow/")
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This token is read-only; create a read-write token to make changes."
    )


# --- The site's session ---------------------------------------------------------------------------


def test_session_works_for_reads_and_keeps_csrf_for_writes(artist, viewer):
    from tests.factories import ArtworkFactory

    artwork = ArtworkFactory(artist=artist)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.get(ME).json()["token_scope"] is None
    url = f"/api/v1/artworks/{artwork.pk}/like/"
    refused = client.post(url)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get("/")  # the site's pages set the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(url, HTTP_X_CSRFTOKEN=token).status_code == 200


# --- The token page -----------------------------------------------------------------------------


def test_token_page_needs_a_verified_member(client, unverified_user):
    page = reverse("accounts:token_list")
    assert client.get(page).status_code == 302
    client.force_login(unverified_user)
    response = client.get(page)
    assert response.status_code == 302 and "email" in response["Location"]


def test_token_page_creates_a_token_and_shows_the_key_once(client, artist):
    client.force_login(artist)
    page = reverse("accounts:token_list")
    response = client.post(page, {"name": "My script", "scope": "write"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert "Copy it now" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=artist)
    assert (token.name, token.scope, token.key_hash) == (
        "My script",
        "write",
        ApiToken.digest(key),
    )
    # The next visit lists it by prefix, never by key.
    again = client.get(page).content.decode()
    assert key not in again
    assert token.key_prefix in again and "My script" in again
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_token_page_refuses_a_bad_form(client, artist):
    client.force_login(artist)
    response = client.post(reverse("accounts:token_list"), {"name": "", "scope": "admin"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scope"}
    assert not ApiToken.objects.exists()


def test_token_page_limits_active_tokens(client, artist):
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=artist, name=f"t{i}", scope="read")
    client.force_login(artist)
    response = client.post(reverse("accounts:token_list"), {"name": "one more", "scope": "read"})
    assert response.status_code == 400
    assert "revoke one" in response.content.decode()
    assert ApiToken.objects.filter(user=artist).count() == MAX_ACTIVE_TOKENS


def test_revoke_button_revokes_only_your_own_tokens(client, artist, other_artist):
    mine, _ = token_create(user=artist, name="mine", scope="read")
    theirs, _ = token_create(user=other_artist, name="theirs", scope="read")
    client.force_login(artist)
    assert client.get(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 405
    response = client.post(reverse("accounts:token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert "mine" not in client.get(reverse("accounts:token_list")).content.decode()


def test_suspended_member_can_still_manage_tokens(client, suspended_user):
    client.force_login(suspended_user)
    assert client.get(reverse("accounts:token_list")).status_code == 200


def test_suspended_member_cannot_create_a_token_on_the_site(client, suspended_user):
    client.force_login(suspended_user)
    response = client.post(reverse("accounts:token_list"), {"name": "script", "scope": "read"})
    assert response.status_code == 403
    assert "suspended until" in response.content.decode()
    assert response.context["new_key"] is None
    assert not ApiToken.objects.filter(user=suspended_user).exists()


def test_account_menu_links_to_the_token_page(client, artist):
    client.force_login(artist)
    assert reverse("accounts:token_list") in client.get("/").content.decode()


def test_unique_key_hash_is_enforced_by_the_database(artist):
    from django.db import IntegrityError

    token, _ = token_create(user=artist, name="a", scope="read")
    with pytest.raises(IntegrityError):
        ApiToken.objects.create(
            user=UserFactory(), name="b", scope="read", key_prefix="x", key_hash=token.key_hash
        )
