"""``next`` is followed only to this site: one helper (accounts.redirects.safe_next_url) for
every view that honours it."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.redirects import safe_next_url
from gallery import selectors

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.example/",
    "//evil.example/",
    "http://evil.example/moderation/",
    "https:evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    " https://evil.example/",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_helper_refuses_other_hosts_and_schemes(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next_url(request, default="/fallback/") == "/fallback/"


def test_helper_keeps_local_paths_and_resolves_url_names():
    request = RequestFactory().post("/", {"next": "/moderation/cases/3/?x=1"})
    assert safe_next_url(request, default="/") == "/moderation/cases/3/?x=1"
    assert safe_next_url(RequestFactory().post("/"), default="moderation:queue") == (
        reverse("moderation:queue")
    )
    query = RequestFactory().get("/", {"next": "/tags/sea/"})
    assert safe_next_url(query, default="/") == "/tags/sea/"


def test_helper_refuses_plain_http_from_a_secure_page():
    request = RequestFactory().post("/", {"next": "http://testserver/x/"}, secure=True)
    assert safe_next_url(request, default="/") == "/"
    request = RequestFactory().post("/", {"next": "https://testserver/x/"}, secure=True)
    assert safe_next_url(request, default="/") == "https://testserver/x/"


@pytest.mark.parametrize("target", HOSTILE)
def test_unsuspend_does_not_redirect_off_site(client, moderator, suspended_user, target):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:unsuspend", args=[suspended_user.handle]),
        {"reason": "Served.", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:queue")
    suspended_user.refresh_from_db()
    assert not suspended_user.is_suspended


def test_unsuspend_returns_to_the_case_page(client, moderator):
    person = User.objects.create(handle="pat", suspended_until=timezone.now() + timedelta(days=2))
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:unsuspend", args=["pat"]), {"reason": "x", "next": "/moderation/"}
    )
    assert response["Location"] == "/moderation/"
    person.refresh_from_db()
    assert person.suspended_until is None


@pytest.mark.parametrize("target", HOSTILE)
def test_preference_does_not_redirect_off_site(client, viewer, target):
    client.force_login(viewer)
    response = client.post(reverse("gallery:preference"), {"preference": "all", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"
    viewer.refresh_from_db()
    assert viewer.feed_preference == "all"


def test_preference_returns_to_the_listing(client):
    response = client.post(
        reverse("gallery:preference"), {"preference": "all", "next": "/tags/sea/"}
    )
    assert response["Location"] == "/tags/sea/"
    assert response.cookies[selectors.PREFERENCE_COOKIE].value == "all"
