"""Mutes: an artist or a tag leaves the muting member's own feeds only — not the artist's page,
not search, and a muted tag's own page still lists it under a notice."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from taggit.models import Tag

from accounts.models import Follow, Mute, User
from accounts.services import follow_set, mute_artist_set, mute_tag_set
from config.errors import Conflict, Invalid
from gallery.services.artworks import artwork_index_search
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def works(artist, other_artist):
    """ana's "Harbour at dusk" (sea, drawing) and bruno's "Harbour in fog" (sea + fog)."""
    first = ArtworkFactory(artist=artist, title="Harbour at dusk", medium="drawing")
    first.tags.set(["sea"])
    second = ArtworkFactory(artist=other_artist, title="Harbour in fog", medium="drawing")
    second.tags.set(["sea", "fog"])
    for artwork in (first, second):
        artwork_index_search(artwork_id=artwork.pk)
    return first, second


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def titles(client, url: str) -> set[str]:
    text = client.get(url).text
    return {t for t in ("Harbour at dusk", "Harbour in fog") if t in text}


@pytest.mark.parametrize(
    "url", ["/", reverse("gallery:tag", args=["sea"]), reverse("gallery:medium", args=["drawing"])]
)
def test_muted_artist_leaves_the_members_feeds(client, viewer, artist, works, url):
    client.force_login(viewer)
    assert titles(client, url) == {"Harbour at dusk", "Harbour in fog"}
    mute_artist_set(user=viewer, artist=artist, muting=True)
    assert titles(client, url) == {"Harbour in fog"}
    mute_artist_set(user=viewer, artist=artist, muting=False)
    assert titles(client, url) == {"Harbour at dusk", "Harbour in fog"}


def test_muted_artist_leaves_the_following_feed_but_the_follow_stays(client, viewer, artist, works):
    follow_set(follower=viewer, artist=artist, following=True)
    mute_artist_set(user=viewer, artist=artist, muting=True)
    client.force_login(viewer)
    assert titles(client, reverse("gallery:following")) == set()
    assert Follow.objects.filter(follower=viewer, artist=artist).exists()


def test_muted_artist_still_shows_on_their_page_and_in_search(client, viewer, artist, works):
    mute_artist_set(user=viewer, artist=artist, muting=True)
    client.force_login(viewer)
    assert "Harbour at dusk" in client.get(artist.get_absolute_url()).text
    assert "Harbour at dusk" in client.get(reverse("gallery:search") + "?q=harbour").text


def test_muted_tag_leaves_feeds_but_its_own_page_lists_it_with_a_notice(client, viewer, works):
    mute_tag_set(user=viewer, tag=Tag.objects.get(slug="fog"), muting=True)
    client.force_login(viewer)
    assert titles(client, "/") == {"Harbour at dusk"}
    assert titles(client, reverse("gallery:tag", args=["sea"])) == {"Harbour at dusk"}
    page = client.get(reverse("gallery:tag", args=["fog"])).text
    assert "Harbour in fog" in page
    assert "You muted #fog" in page
    assert titles(client, reverse("gallery:search") + "?q=harbour") == {
        "Harbour at dusk",
        "Harbour in fog",
    }


def test_a_mute_changes_nobody_elses_pages(client, viewer, other_artist, artist, works):
    client.force_login(other_artist)
    assert titles(client, "/") == {"Harbour at dusk", "Harbour in fog"}
    mute_artist_set(user=viewer, artist=artist, muting=True)
    assert titles(client, "/") == {"Harbour at dusk", "Harbour in fog"}
    client.logout()
    assert titles(client, "/") == {"Harbour at dusk", "Harbour in fog"}


def test_mutes_are_idempotent_and_bounded(viewer, artist):
    assert mute_artist_set(user=viewer, artist=artist, muting=True) is True
    assert mute_artist_set(user=viewer, artist=artist, muting=True) is False
    assert Mute.objects.count() == 1
    with pytest.raises(Invalid):
        mute_artist_set(user=viewer, artist=viewer, muting=True)
    with override_settings(ATELIER_MAX_MUTES=1), pytest.raises(Conflict):
        mute_tag_set(user=viewer, tag=Tag.objects.create(name="x", slug="x"), muting=True)
    assert mute_artist_set(user=viewer, artist=artist, muting=False) is True
    assert mute_artist_set(user=viewer, artist=artist, muting=False) is False
    assert not Mute.objects.exists()


def test_mute_moves_only_the_muting_members_filters_version(viewer, artist):
    mute_artist_set(user=viewer, artist=artist, muting=True)
    assert fresh(viewer).filters_version == 1
    assert fresh(artist).filters_version == 0


def test_settings_page_lists_and_undoes_blocks_and_mutes(client, viewer, artist, works):
    from accounts.services import block_set

    block_set(blocker=viewer, blocked=UserFactory(handle="troll"), blocking=True)
    mute_artist_set(user=viewer, artist=artist, muting=True)
    mute_tag_set(user=viewer, tag=Tag.objects.get(slug="fog"), muting=True)
    client.force_login(viewer)
    page = client.get(reverse("accounts:blocks")).text
    assert "@troll" in page and "@ana" in page and "#fog" in page
    # Without JavaScript: a redirect back to the list.
    response = client.post(reverse("accounts:mute_tag", args=["fog"]), {"muting": "0"})
    assert response.status_code == 302
    # With htmx: the row comes back as a status line.
    response = client.post(
        reverse("accounts:mute_artist", args=["ana"]), {"muting": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "Unmuted @ana" in response.text
    response = client.post(
        reverse("accounts:block", args=["troll"]), {"blocking": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "You unblocked @troll" in response.text
    assert not Mute.objects.exists()
    assert "Nobody blocked" in client.get(reverse("accounts:blocks")).text


def test_profile_mute_button_swaps_itself(client, viewer, artist):
    client.force_login(viewer)
    assert 'value="1"' in client.get(artist.get_absolute_url()).text
    response = client.post(
        reverse("accounts:mute_artist", args=["ana"]),
        {"muting": "1", "button": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'aria-pressed="true"' in response.text


def test_api_mutes(viewer, artist, works):
    client = token_client(viewer)
    assert client.post("/api/v1/artists/ana/mute/").json() == {"muted": True, "changed": True}
    assert client.post("/api/v1/tags/fog/mute/").json() == {"muted": True, "changed": True}
    assert client.post("/api/v1/tags/fog/mute/").json()["changed"] is False
    listed = client.get("/api/v1/me/mutes/").json()["results"]
    assert [(m["kind"], m["tag"], m["artist"] and m["artist"]["handle"]) for m in listed] == [
        ("tag", "fog", None),
        ("artist", None, "ana"),
    ]
    assert client.get("/api/v1/artworks/").json()["results"] == []
    # Search and the artist's own listing ignore mutes; a tag filter is that tag's page.
    assert len(client.get("/api/v1/artworks/?q=harbour").json()["results"]) == 2
    assert len(client.get("/api/v1/artists/ana/artworks/").json()["results"]) == 1
    assert len(client.get("/api/v1/artworks/?tag=fog").json()["results"]) == 1
    assert client.delete("/api/v1/tags/fog/mute/").json() == {"muted": False, "changed": True}
    assert client.post("/api/v1/tags/no-such-tag/mute/").status_code == 404
    assert client.post("/api/v1/artists/vic/mute/").status_code == 400
