import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory, image_bytes

pytestmark = pytest.mark.django_db


def _signup(client, handle="newartist", email="new@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": handle,
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )


def test_signup_sends_verification_and_login_works_only_after_verifying(client):
    response = _signup(client)
    assert response.status_code == 302
    user = User.objects.get(handle="newartist")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    client.logout()
    blocked = client.post(
        reverse("account_login"), {"login": "newartist", "password": "a-long-pass-phrase-9"}
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code == 302 and "confirm-email" in blocked["Location"]

    confirm = client.post("/" + path)
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    ok = client.post(
        reverse("account_login"), {"login": "NewArtist", "password": "a-long-pass-phrase-9"}
    )
    assert ok.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_by_email_as_well_as_handle(client, artist):
    response = client.post(reverse("account_login"), {"login": artist.email, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == artist.pk


def test_duplicate_handle_differing_only_in_case_is_rejected(client, artist):
    response = _signup(client, handle="ANA", email="someone@example.com")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(handle__iexact="ana").count() == 1


def test_database_refuses_case_insensitive_duplicate_handle(artist):
    with pytest.raises(IntegrityError):
        User.objects.create_user(handle="Ana", email="x@example.com", password="x")


def test_handle_must_be_url_safe_and_not_reserved(client):
    bad = _signup(client, handle="no spaces/here", email="a@example.com")
    assert "username" in bad.context["form"].errors
    reserved = _signup(client, handle="admin", email="b@example.com")
    assert "username" in reserved.context["form"].errors
    assert not User.objects.exists()


def test_unverified_account_cannot_reach_member_only_pages(client, unverified_user):
    client.force_login(unverified_user)
    response = client.get(reverse("gallery:upload"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert client.get(reverse("accounts:profile_edit")).status_code == 302


def test_anonymous_is_sent_to_login_for_member_pages(client):
    response = client.get(reverse("accounts:profile_edit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_end_to_end(client, artist):
    response = client.post(reverse("account_reset_password"), {"email": artist.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(
        action, {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"}
    )
    assert done.status_code == 302
    artist.refresh_from_db()
    assert artist.check_password("brand-new-secret-42")
    client.logout()
    ok = client.post(reverse("account_login"), {"login": "ana", "password": "brand-new-secret-42"})
    assert ok.status_code == 302 and int(client.session["_auth_user_id"]) == artist.pk


def test_profile_edit_changes_only_the_signed_in_member(client, artist, other_artist):
    client.force_login(artist)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "display_name": "Ana B.",
            "bio": "Painter.",
            "feed_preference": "assisted",
            "ai_training_opt_out": "on",
            "links_text": "https://ana.example\nhttps://shop.example/ana",
        },
    )
    assert response.status_code == 302
    artist.refresh_from_db()
    other_artist.refresh_from_db()
    assert artist.display_name == "Ana B."
    assert artist.links == ["https://ana.example", "https://shop.example/ana"]
    assert other_artist.display_name == "Bruno Other"


def test_profile_edit_shows_inline_errors(client, artist):
    client.force_login(artist)
    response = client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "x", "feed_preference": "human", "links_text": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert "is not a web address" in response.content.decode()
    artist.refresh_from_db()
    assert artist.links == []


def test_avatar_is_resized_reencoded_and_server_named(
    client, artist, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    client.force_login(artist)
    upload = SimpleUploadedFile("../../evil name.png", image_bytes("PNG", (900, 600)), "image/png")
    with django_capture_on_commit_callbacks(execute=True):  # the render task, eager
        response = client.post(
            reverse("accounts:profile_edit"),
            {"display_name": "Ana", "feed_preference": "human", "avatar_file": upload},
        )
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.avatar.name.startswith("avatars/") and "evil" not in artist.avatar.name
    with artist.avatar.open("rb") as fh:
        saved = Image.open(fh)
        assert saved.format == "WEBP" and saved.size == (256, 256)


def test_bad_avatar_is_rejected_with_a_message(client, artist):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(artist)
    upload = SimpleUploadedFile("a.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")
    response = client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "Ana", "feed_preference": "human", "avatar_file": upload},
    )
    assert response.status_code == 400
    assert "not a JPEG, PNG, WebP or GIF" in response.content.decode()
    artist.refresh_from_db()
    assert not artist.avatar


def test_there_is_no_url_to_edit_someone_elses_profile(client, artist, other_artist):
    client.force_login(artist)
    assert client.get(f"/settings/profile/{other_artist.pk}/").status_code == 404


def test_moderators_group_has_explicit_permissions(moderator, viewer):
    assert moderator.is_moderator
    assert moderator.has_perm("accounts.moderate")
    assert not viewer.is_moderator


def test_suspended_member_cannot_upload(client, suspended_user):
    client.force_login(suspended_user)
    response = client.get(reverse("gallery:upload"))
    assert response.status_code == 403
    assert "suspended until" in response.content.decode()


def test_login_failures_are_rate_limited_even_with_the_right_password(client, artist):
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "ana", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "ana", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_user_factory_makes_verified_member():
    user = UserFactory()
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
