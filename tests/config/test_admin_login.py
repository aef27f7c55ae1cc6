"""The admin's login goes through allauth's, so its brute-force limits cover staff too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(handle="stella", is_staff=True, is_superuser=True)


def test_staff_reach_the_admin_through_the_site_login(staff):
    client = Client()
    sent = client.get("/admin/")
    assert sent.status_code == 302
    admin_login = sent["Location"]
    assert admin_login.startswith("/admin/login/")
    to_site_login = client.get(admin_login)
    assert to_site_login.status_code == 302
    assert to_site_login["Location"].startswith(reverse("account_login"))
    response = client.post(
        to_site_login["Location"], {"login": "stella", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_admin_login_form_no_longer_takes_passwords(staff):
    client = Client()
    for _ in range(25):
        client.post("/admin/login/", {"username": "stella", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "stella", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_wrong_staff_passwords_hit_the_login_limit(staff):
    client = Client()
    login = reverse("account_login") + "?next=/admin/"
    for _ in range(5):
        client.post(login, {"login": "stella", "password": "wrong"})
    response = client.post(login, {"login": "stella", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
