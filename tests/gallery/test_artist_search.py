"""Artist search beside artwork search, and ``#tag`` going to the tag page."""

from __future__ import annotations

import pytest

from accounts.services import block_set
from gallery import explore
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def artists(db):
    people = {
        "sea": UserFactory(handle="sea", display_name="Marina", bio="", artwork_count=1),
        "seaside": UserFactory(handle="seaside", display_name="Coast", bio="", artwork_count=9),
        "painter": UserFactory(handle="paula", display_name="Paula Sea", bio="", artwork_count=3),
        "bio": UserFactory(
            handle="bob", display_name="Bob", bio="I paint the sea.", artwork_count=2
        ),
        "lurker": UserFactory(handle="sealurker", display_name="Lurker", artwork_count=0),
        "gone": UserFactory(
            handle="seagone", display_name="Gone", artwork_count=4, is_active=False
        ),
    }
    return people


def test_handle_then_prefix_then_name_then_bio(artists):
    found = [u.handle for u in explore.artist_search(text="sea")]
    # The exact handle, handles starting with it, names, then bios; members without a
    # public post and deactivated accounts are not artists to find.
    assert found == ["sea", "seaside", "paula", "bob"]


def test_an_at_sign_is_ignored_and_case_does_not_matter(artists):
    assert [u.handle for u in explore.artist_search(text="@SEASIDE")] == ["seaside"]


def test_blocked_members_are_not_found_either_way(artists, viewer):
    block_set(blocker=artists["bio"], blocked=viewer, blocking=True)
    block_set(blocker=viewer, blocked=artists["seaside"], blocking=True)
    hides = explore.viewer_hides(viewer)
    assert [u.handle for u in explore.artist_search(text="sea", hides=hides)] == ["sea", "paula"]


@pytest.mark.parametrize(
    "text",
    ["%", "_", "%%%%", "' OR 1=1 --", "\\", "<script>alert(1)</script>", "sea\x00", "a" * 5000,
     "\u202e\u200b", "(((", "sea:*", "!!!"],
)  # fmt: skip
def test_hostile_input_answers_calmly(client, artists, text):
    response = client.get("/search/", {"q": text})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "<script>alert(1)</script>" not in response.content.decode()
    found = [u.handle for u in explore.artist_search(text=text)]
    # "%" and "_" are matched literally, never as wildcards; a NUL byte is dropped.
    assert found == (
        ["sea", "seaside", "paula", "bob"] if text.startswith("sea") and text != "sea:*" else []
    )


def test_the_search_page_has_an_artists_section(client, artists):
    ArtworkFactory(artist=artists["seaside"], title="Harbour at dawn")
    body = client.get("/search/", {"q": "sea"}).content.decode()
    section = body[body.find('id="artists-heading"') : body.find("<h2>Artworks</h2>")]
    assert 'href="/@seaside/"' in section and "@bob" in section
    assert "sealurker" not in section
    body = client.get("/search/", {"q": "nobody-by-that-name"}).content.decode()
    assert "No artist's handle, name or bio matches" in body


def test_hash_tag_goes_to_the_tag_page(client, artist):
    ArtworkFactory(artist=artist).tags.set(["Night Sky"])
    response = client.get("/search/", {"q": "#night-sky"})
    assert response.status_code == 302 and response["Location"] == "/tags/night-sky/"
    response = client.get("/search/", {"q": "  #Night-Sky "})
    assert response.status_code == 302 and response["Location"] == "/tags/night-sky/"
    # No such tag: the word is searched instead of a dead link.
    response = client.get("/search/", {"q": "#nothing"})
    assert response.status_code == 200 and "Results for “nothing”" in response.content.decode()
    # A lone "#" or "# two words" is plain search text.
    assert client.get("/search/", {"q": "#"}).status_code == 200
    assert client.get("/search/", {"q": "#night sky"}).status_code == 200
