"""Mature work in the API: the ``mature`` field, the listing filter and the member's setting."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ApiToken, User
from gallery.models import Artwork
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, image_bytes

pytestmark = pytest.mark.django_db

LIST = "/api/v1/artworks/"


@pytest.fixture
def works(artist):
    return {
        "plain": ArtworkFactory(artist=artist, title="Calm sea"),
        "mature": ArtworkFactory(artist=artist, title="Bare bodies", mature=True),
    }


def _listed(response) -> dict[str, bool]:
    assert response.status_code == 200, response.content
    return {card["title"]: card["mature"] for card in response.json()["results"]}


def test_anonymous_listing_carries_mature_work_marked_by_default(api, works):
    response = api.get(LIST)
    assert _listed(response) == {"Calm sea": False, "Bare bodies": True}
    assert response.json()["mature"] == "blur"


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ("hide", {"Calm sea": False}),
        ("blur", {"Calm sea": False, "Bare bodies": True}),
        ("show", {"Calm sea": False, "Bare bodies": True}),
    ],
)
def test_listing_filter(api, works, param, expected):
    response = api.get(LIST, {"mature": param})
    assert _listed(response) == expected and response.json()["mature"] == param


def test_unknown_filter_is_a_400(api, works):
    response = api.get(LIST, {"mature": "everything"})
    assert response.status_code == 400 and "mature" in response.json()["errors"]


def test_members_stored_preference_is_the_default_and_the_parameter_wins(viewer, works):
    User.objects.filter(pk=viewer.pk).update(mature_preference="hide")
    client = token_client(viewer)
    assert _listed(client.get(LIST)) == {"Calm sea": False}
    assert _listed(client.get(LIST, {"mature": "show"})) == {
        "Calm sea": False, "Bare bodies": True
    }  # fmt: skip


def test_artist_listing_applies_the_filter(api, works):
    response = api.get("/api/v1/artists/ana/artworks/", {"mature": "hide"})
    assert _listed(response) == {"Calm sea": False}


def test_detail_says_mature_even_for_a_viewer_who_hides_it(viewer, works):
    User.objects.filter(pk=viewer.pk).update(mature_preference="hide")
    response = token_client(viewer).get(f"/api/v1/artworks/{works['mature'].pk}/")
    assert response.status_code == 200 and response.json()["mature"] is True


def _upload(client, **extra):
    data = {
        "title": "Figure",
        "medium": "drawing",
        "label": "human-made",
        "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG"), content_type="image/jpeg")],
        **extra,
    }
    return client.post(LIST, data, format="multipart")


@pytest.mark.parametrize(("sent", "stored"), [({}, False), ({"mature": "true"}, True)])
def test_upload_sets_the_flag(artist, sent, stored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(token_client(artist), **sent)
    assert response.status_code == 201, response.content
    assert response.json()["mature"] is stored
    assert Artwork.objects.get().mature is stored


def test_upload_refuses_a_value_that_is_not_a_boolean(artist):
    response = _upload(token_client(artist), mature="maybe")
    assert response.status_code == 400 and "mature" in response.json()["errors"]
    assert not Artwork.objects.exists()


def test_edit_sets_clears_and_keeps_the_flag(artist, works):
    client = token_client(artist)
    url = f"/api/v1/artworks/{works['plain'].pk}/"
    assert client.patch(url, {"mature": True}, format="json").json()["mature"] is True
    assert Artwork.objects.get(pk=works["plain"].pk).mature is True
    assert client.patch(url, {"title": "Calmer sea"}, format="json").status_code == 200
    assert Artwork.objects.get(pk=works["plain"].pk).mature is True  # left out: kept
    assert client.patch(url, {"mature": False}, format="json").json()["mature"] is False
    assert Artwork.objects.get(pk=works["plain"].pk).mature is False


def test_someone_elses_artwork_cannot_be_marked(viewer, works):
    url = f"/api/v1/artworks/{works['plain'].pk}/"
    assert token_client(viewer).patch(url, {"mature": True}, format="json").status_code == 404
    assert Artwork.objects.get(pk=works["plain"].pk).mature is False


def test_me_shows_and_changes_the_preference(viewer):
    client = token_client(viewer)
    assert client.get("/api/v1/me/").json()["mature_preference"] == "blur"
    response = client.patch("/api/v1/me/", {"mature_preference": "show"}, format="json")
    assert response.status_code == 200 and response.json()["mature_preference"] == "show"
    assert User.objects.get(pk=viewer.pk).mature_preference == "show"


def test_me_refuses_an_unknown_preference(viewer):
    response = token_client(viewer).patch("/api/v1/me/", {"mature_preference": "x"}, format="json")
    assert response.status_code == 400 and "mature_preference" in response.json()["errors"]
    assert User.objects.get(pk=viewer.pk).mature_preference == "blur"


def test_me_change_needs_a_write_token_and_a_member(api, viewer):
    assert api.patch("/api/v1/me/", {"mature_preference": "show"}, format="json").status_code == 401
    read_only = token_client(viewer, ApiToken.Scope.READ)
    response = read_only.patch("/api/v1/me/", {"mature_preference": "show"}, format="json")
    assert response.status_code == 403
    assert User.objects.get(pk=viewer.pk).mature_preference == "blur"


def test_a_suspended_member_may_still_change_the_preference(suspended_user):
    client = token_client(suspended_user)
    response = client.patch("/api/v1/me/", {"mature_preference": "hide"}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=suspended_user.pk).mature_preference == "hide"
