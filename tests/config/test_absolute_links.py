"""Absolute links follow the address the site was served on when SITE_URL is unset."""

import json
import re

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

from config.urls_abs import site_base, sync_site_row
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:18801"
BASE = f"http://{HOST}"


@pytest.fixture
def served_elsewhere(settings):
    """SITE_URL unset, the site served on another port: every link must name that port."""
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def test_artwork_page_links_use_the_served_host_and_port(client, served_elsewhere, artist):
    artwork = ArtworkFactory(artist=artist)
    response = client.get(artwork.get_absolute_url(), HTTP_HOST=HOST)
    page = response.content.decode()
    assert response.status_code == 200
    url = BASE + artwork.get_absolute_url()
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert og_image.startswith(BASE + "/media/")
    assert f'data-share="{url}"' in page
    ld = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert ld["url"] == url
    assert ld["creator"]["url"] == BASE + artist.get_absolute_url()
    assert ld["image"] and all(u.startswith(BASE + "/media/") for u in ld["image"])
    assert response["tdm-policy"] == BASE + "/about/labels/#ai-training"
    # No link on the page points at the old fixed address or at the sites framework's default.
    assert not [u for u in _urls(page) if "127.0.0.1:8000" in u or "example.com" in u]


def test_atom_entry_and_feed_links_use_the_served_host_and_port(client, served_elsewhere, artist):
    artwork = ArtworkFactory(artist=artist)
    response = client.get(f"/@{artist.handle}/feed.atom", HTTP_HOST=HOST)
    feed = response.content.decode()
    assert response.status_code == 200
    assert f'href="{BASE}{artwork.get_absolute_url()}"' in feed
    assert f'href="{BASE}{artist.get_absolute_url()}"' in feed
    assert f'href="{BASE}/@{artist.handle}/feed.atom"' in feed
    assert "example.com" not in feed
    hrefs = re.findall(r'href="([^"]+)"', feed)
    assert hrefs and all(h.startswith(BASE + "/") for h in hrefs)


def test_tdmrep_and_profile_show_the_served_address(client, served_elsewhere, artist):
    tdm = client.get("/.well-known/tdmrep.json", HTTP_HOST=HOST).json()
    assert tdm[0]["tdm-policy"] == BASE + "/about/labels/#ai-training"
    client.force_login(artist)
    page = client.get(reverse("accounts:profile_edit"), HTTP_HOST=HOST).content.decode()
    assert f"{BASE}{artist.get_absolute_url()}</a>" in page


def test_signup_email_names_the_site_and_links_to_the_served_address(client, served_elsewhere):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "username": "newartist",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
        HTTP_HOST=HOST,
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "Hello from Atelier!" in message.body
    assert "example.com" not in message.body + message.subject
    urls = _urls(message.body)
    assert urls and all(u.startswith(BASE + "/") for u in urls)
    assert f"\n{HOST}" in message.body  # allauth's sign-off names the domain


def test_decision_email_links_to_the_served_address(
    client, served_elsewhere, moderator, viewer, artist, django_capture_on_commit_callbacks
):
    artwork = ArtworkFactory(artist=artist)
    case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:decide", args=[case.pk]),
            {"action": "remove", "reason": "Because."},
            HTTP_HOST=HOST,
        )
    assert response.status_code == 302
    to_artist = [m for m in mail.outbox if m.to == [artist.email]]
    assert to_artist
    body = to_artist[0].body + to_artist[0].alternatives[0][0]
    urls = _urls(body)
    assert urls and all(u.startswith(BASE + "/") for u in urls)


def test_a_host_outside_allowed_hosts_is_refused_not_written_into_links(
    client, served_elsewhere, artist
):
    artwork = ArtworkFactory(artist=artist)
    response = client.get(artwork.get_absolute_url(), HTTP_HOST="evil.example:80")
    assert response.status_code == 400


def test_site_url_when_set_wins_over_the_request(client, settings, artist):
    settings.SITE_URL = "https://atelier.example"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    artwork = ArtworkFactory(artist=artist)
    page = client.get(artwork.get_absolute_url(), HTTP_HOST=HOST).content.decode()
    assert f'<link rel="canonical" href="https://atelier.example{artwork.get_absolute_url()}">' in (
        page
    )
    assert site_base() == "https://atelier.example"


def test_sites_framework_row_comes_from_settings_not_example_com(settings):
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.domain != "example.com" and site.name == settings.SITE_NAME == "Atelier"
    settings.SITE_URL = "https://atelier.example"
    settings.SITE_NAME = "Atelier test"
    sync_site_row()
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("atelier.example", "Atelier test")
