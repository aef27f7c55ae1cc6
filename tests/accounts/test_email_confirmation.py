"""Confirming the email address from the browser that signed up signs the new member in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def _signup_and_confirmation_path(client) -> str:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "fresh@example.com",
            "username": "fresh",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_confirming_in_the_sign_up_browser_logs_the_member_in(client):
    path = _signup_and_confirmation_path(client)
    confirm = client.post(path)
    user = User.objects.get(handle="fresh")
    assert confirm.status_code == 302
    assert "login" not in confirm["Location"]
    assert int(client.session["_auth_user_id"]) == user.pk
    assert EmailAddress.objects.get(user=user).verified
    # The next page knows them: the header offers their menu, not "Log in".
    home = client.get(confirm["Location"], follow=True)
    assert b", account menu</span>" in home.content


def test_the_link_alone_in_another_browser_verifies_but_does_not_log_in(client):
    path = _signup_and_confirmation_path(client)
    stranger = Client()
    confirm = stranger.post(path)
    assert confirm.status_code == 302
    assert "_auth_user_id" not in stranger.session
    assert EmailAddress.objects.get(user__handle="fresh").verified
