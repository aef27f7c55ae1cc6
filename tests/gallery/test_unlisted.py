"""Unlisted posts: reachable by their link, in no listing, switchable on edit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from gallery.models import Artwork
from tests.api.clients import token_client
from tests.factories import ArtworkFactory
from tests.gallery.posting import jpeg_file, photo, upload
from tests.gallery.test_drafts import _everywhere

pytestmark = pytest.mark.django_db

LISTINGS = ("feed", "tag", "medium", "search", "artist", "atom", "api-list")


@pytest.fixture
def unlisted(client, artist, django_capture_on_commit_callbacks) -> Artwork:
    return upload(
        client, artist, django_capture_on_commit_callbacks, title="Hushed", visibility="unlisted"
    )


def _edit(client, artwork, visibility):
    return client.post(
        reverse("gallery:artwork_edit", args=[artwork.pk]),
        {"title": artwork.title, "medium": "drawing", "label": "human-made", "tags": "sea",
         "visibility": visibility},
    )  # fmt: skip


def test_an_unlisted_post_opens_by_its_link_and_is_in_no_listing(unlisted):
    assert unlisted.status == Artwork.Status.PUBLISHED and unlisted.is_unlisted
    seen = _everywhere(Client(), unlisted)
    assert seen["page"] and seen["api-detail"]
    assert not any(seen[surface] for surface in LISTINGS), seen


def test_the_page_asks_search_engines_not_to_index_it(unlisted):
    page = Client().get(unlisted.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex">' in page
    listed = ArtworkFactory(artist=unlisted.artist, title="Loud")
    assert 'content="noindex"' not in Client().get(listed.get_absolute_url()).content.decode()


def test_it_is_not_in_more_by_on_the_artists_other_posts(unlisted):
    other = ArtworkFactory(artist=unlisted.artist, title="Loud")
    assert "Hushed" not in Client().get(other.get_absolute_url()).content.decode()


def test_the_owner_still_sees_it_on_their_profile_with_a_note(client, unlisted):
    profile = client.get(reverse("gallery:artist", args=[unlisted.artist.handle]))
    assert "Hushed" in profile.content.decode()
    assert 'id="unlisted"' in client.get(unlisted.get_absolute_url()).content.decode()


def test_switching_on_edit_updates_cached_listings_at_once(client, unlisted):
    anonymous = Client()
    assert "Hushed" not in anonymous.get("/").content.decode()  # cached now
    assert _edit(client, unlisted, "public").status_code == 302
    assert "Hushed" in anonymous.get("/").content.decode()
    assert "Hushed" in anonymous.get(reverse("gallery:tag", args=["sea"])).content.decode()
    assert _edit(client, unlisted, "unlisted").status_code == 302
    assert not any(_everywhere(anonymous, unlisted)[s] for s in LISTINGS)
    page = anonymous.get(unlisted.get_absolute_url()).content.decode()
    assert 'content="noindex"' in page


def test_an_unknown_visibility_is_refused(client, unlisted):
    response = _edit(client, unlisted, "secret")
    assert response.status_code == 400
    unlisted.refresh_from_db()
    assert unlisted.is_unlisted


def test_api_upload_unlisted_and_patch_visibility(artist, django_capture_on_commit_callbacks):
    api = token_client(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:artworks"),
            {"title": "Quiet", "medium": "drawing", "label": "human-made",
             "visibility": "unlisted", "images": [jpeg_file(photo(3))]},
        )  # fmt: skip
    assert response.status_code == 201 and response.json()["visibility"] == "unlisted"
    pk = response.json()["id"]
    anonymous = APIClient()
    assert anonymous.get(reverse("api:artwork", args=[pk])).status_code == 200
    listed = anonymous.get(reverse("api:artworks"), {"show": "all"}).json()["results"]
    assert pk not in [card["id"] for card in listed]
    artist_list = anonymous.get(reverse("api:artist_artworks", args=[artist.handle])).json()
    assert pk not in [card["id"] for card in artist_list["results"]]
    response = api.patch(reverse("api:artwork", args=[pk]), {"visibility": "public"}, format="json")
    assert response.status_code == 200 and response.json()["visibility"] == "public"
    listed = anonymous.get(reverse("api:artworks"), {"show": "all"}).json()["results"]
    assert pk in [card["id"] for card in listed]
    bad = api.patch(reverse("api:artwork", args=[pk]), {"visibility": "hidden"}, format="json")
    assert bad.status_code == 400 and "visibility" in bad.json()["errors"]


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator"])
def test_nobody_but_the_owner_can_change_visibility(unlisted, role, viewer, moderator):
    client = Client()
    if role == "member":
        client.force_login(viewer)
    elif role == "moderator":
        client.force_login(moderator)
    response = _edit(client, unlisted, "public")
    assert response.status_code == (302 if role == "anonymous" else 404)
    unlisted.refresh_from_db()
    assert unlisted.is_unlisted
