"""Artists reserve their work against AI training by default; each can switch it off."""

import json

import pytest
from django.urls import reverse

from gallery.views.meta import AI_CRAWLERS
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def _derivative_url(artwork) -> str:
    return "/media/" + artwork.cover.derivatives[0]["name"]


@pytest.fixture
def artwork_with_file(artist, settings, tmp_path):
    artwork = ArtworkFactory(artist=artist)
    from pathlib import Path

    path = Path(settings.MEDIA_ROOT) / artwork.cover.derivatives[0]["name"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF0000WEBPVP8 ")
    return artwork


@pytest.mark.parametrize("url", ["/", "/@ana/", "artwork", "media", "/search/?q=x"])
def test_pages_and_media_reserve_ai_training_by_default(client, artwork_with_file, url):
    if url == "artwork":
        url = artwork_with_file.get_absolute_url()
    elif url == "media":
        url = _derivative_url(artwork_with_file)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noai, noimageai"
    assert response["tdm-reservation"] == "1"
    if url != _derivative_url(artwork_with_file):
        assert '<meta name="robots" content="noai, noimageai">' in response.content.decode()


def test_artist_who_opts_in_gets_no_reservation_on_their_pages_and_media(
    client, artist, artwork_with_file
):
    artist.ai_training_opt_out = False
    artist.save()
    for url in ("/@ana/", artwork_with_file.get_absolute_url(), _derivative_url(artwork_with_file)):
        # Twice: the second artist and artwork page come from the cache before any query
        # (gallery.views.feeds._page_before_lookup, artworks.artwork_detail) and must carry
        # the artist's choice as the first did.
        for _ in range(2):
            response = client.get(url)
            assert "X-Robots-Tag" not in response and "tdm-reservation" not in response, url
            if not response.streaming:
                assert b"noimageai" not in response.content
    # Site-wide pages keep the reservation: other artists' work is on them.
    assert client.get("/")["X-Robots-Tag"] == "noai, noimageai"


def test_opt_out_is_switchable_from_the_profile(client, artist):
    client.force_login(artist)
    client.post(
        reverse("accounts:profile_edit"), {"display_name": "Ana", "feed_preference": "human"}
    )
    artist.refresh_from_db()
    assert artist.ai_training_opt_out is False  # unticked checkbox = opted in
    client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "Ana", "feed_preference": "human", "ai_training_opt_out": "on"},
    )
    artist.refresh_from_db()
    assert artist.ai_training_opt_out is True


def test_robots_txt_blocks_known_ai_crawlers(client):
    text = client.get("/robots.txt").content.decode()
    for bot in ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "PerplexityBot", "Bytespider"):
        assert bot in AI_CRAWLERS
        assert f"User-agent: {bot}\nDisallow: /\n" in text
    assert "Disallow: /originals/" in text


def test_ai_txt_disallows_images(client):
    text = client.get("/ai.txt").content.decode()
    assert "Disallowed: *.jpg" in text and "Disallowed: /" in text


def test_tdmrep_json_reserves_everything(client):
    data = json.loads(client.get("/.well-known/tdmrep.json").content)
    assert data == [{"location": "/", "tdm-reservation": 1, "tdm-policy": data[0]["tdm-policy"]}]
    assert data[0]["tdm-policy"].endswith("/about/labels/#ai-training")
