"""PostgreSQL text cannot hold NUL: a NUL anywhere in the address answers 400, never 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/@mi%00ra/",
        "/@mira%00/feed.atom",
        "/tags/ink/?after=%00",
        "/moderation/?reason=%00",
        "/?x%00=1",
        "/accounts/login/?next=/%00",
    ],
)
def test_nul_in_the_path_or_query_answers_400_on_the_site(url):
    ArtworkFactory(artist__handle="mira")
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/artists/mi%00ra/", "/api/v1/artists/mira%00/artworks/"])
def test_nul_in_an_api_path_is_no_such_artist(url):
    ArtworkFactory(artist__handle="mira")
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 404
    assert response.json()["detail"] == "No such artist."


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/artworks/?q=%00", "q"),
        ("/api/v1/artworks/?tag=a%00", "tag"),
        ("/api/v1/artists/mira/artworks/?after=%00", "after"),
        ("/api/v1/artworks/?unknown=%00", "unknown"),
    ],
)
def test_nul_in_an_api_parameter_answers_400_naming_it(url, name):
    ArtworkFactory(artist__handle="mira")
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"{name}: Null characters are not allowed.",
        "errors": {name: ["Null characters are not allowed."]},
    }


def test_pages_without_nul_still_answer():
    ArtworkFactory(artist__handle="mira")
    client = Client()
    assert client.get("/search/?q=art").status_code == 200
    assert client.get("/@mira/").status_code == 200
    assert client.get("/@mira/feed.atom").status_code == 200


def test_nul_in_a_login_field_is_a_form_error_not_a_500(artist):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"login": "an\x00a", "password": "x"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
