"""/sitemap.xml: an index of id-range pages listing human-made works and their artists only."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from defusedxml import ElementTree as ET
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.services import user_suspend
from gallery.models import Artwork
from privacy.services.deletion import account_delete_request
from tests.factories import PASSWORD, ArtworkFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IMAGE = "{http://www.google.com/schemas/sitemap-image/1.1}"
BASE = "http://testserver"


def _xml(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return ET.fromstring(response.content)


def index(client) -> list[tuple[str, str | None]]:
    root = _xml(client.get("/sitemap.xml"))
    assert root.tag == f"{SM}sitemapindex"
    return [(s.findtext(f"{SM}loc"), s.findtext(f"{SM}lastmod")) for s in root.iter(f"{SM}sitemap")]


def entries(client, url: str) -> list[ET.Element]:
    root = _xml(client.get(url))
    assert root.tag == f"{SM}urlset"
    return list(root.iter(f"{SM}url"))


def page_of(pk: int) -> int:
    """The sitemap page holding ``pk`` (pages are id ranges: the ids of a test database that
    ran other tests first are far past the first page)."""
    return (pk - 1) // django_settings.SITEMAP_PAGE_SIZE + 1


def pages_of(*objects) -> list[int]:
    return sorted({page_of(o.pk) for o in objects})


def section_locs(client, section: str) -> list[str]:
    """Every URL of a section, through the pages the index names."""
    found = []
    for loc, _ in index(client):
        if f"/sitemap-{section}.xml" in loc:
            found += [u.findtext(f"{SM}loc") for u in entries(client, loc.removeprefix(BASE))]
    return found


@pytest.fixture
def catalogue(artist, other_artist):
    """Ana's listed work and one post in every state the sitemap must leave out; artists
    whose every work is excluded, or who are suspended or leaving."""
    listed = ArtworkFactory(artist=artist, title="Listed")
    mature = ArtworkFactory(artist=artist, title="Mature work", mature=True)
    excluded = {
        "draft": {"status": Artwork.Status.DRAFT},
        "unlisted": {"visibility": Artwork.Visibility.UNLISTED},
        "held": {"held": True},
        "label mismatch": {"label_mismatch": True},
        "hidden": {"status": Artwork.Status.HIDDEN},
        "removed": {"status": Artwork.Status.REMOVED},
        "processing": {"status": Artwork.Status.PROCESSING, "published_at": None},
        "failed": {"status": Artwork.Status.FAILED, "published_at": None},
        "awaiting approval": {"status": Artwork.Status.AWAITING_APPROVAL, "published_at": None},
        "ai-assisted": {"label": "ai-assisted"},
        "ai-generated": {"label": "ai-generated"},
    }
    out = {name: ArtworkFactory(artist=artist, title=name, **f) for name, f in excluded.items()}
    # Bruno posts only AI-assisted work: no human work, no artist entry.
    out["bruno's ai-assisted"] = ArtworkFactory(artist=other_artist, label="ai-assisted")
    suspended = UserFactory(handle="sam")
    out["suspended artist's"] = ArtworkFactory(artist=suspended, title="By sam")
    user_suspend(user=suspended, days=3, reason="Spam.")
    leaving = UserFactory(handle="lea")
    out["leaving artist's"] = ArtworkFactory(artist=leaving, title="By lea")
    account_delete_request(user=leaving, password=PASSWORD)
    return {"listed": listed, "mature": mature, "excluded": out}


def test_index_names_one_page_per_section_and_parses(client, catalogue, artist):
    assert [loc for loc, _ in index(client)] == [
        *(
            f"{BASE}/sitemap-artworks.xml?p={n}"
            for n in pages_of(catalogue["listed"], catalogue["mature"])
        ),
        f"{BASE}/sitemap-artists.xml?p={page_of(artist.pk)}",
    ]


def test_only_published_listed_human_made_work_is_listed(client, catalogue):
    locs = section_locs(client, "artworks")
    expected = [catalogue["listed"], catalogue["mature"]]
    assert locs == [BASE + a.get_absolute_url() for a in expected]
    for state, artwork in catalogue["excluded"].items():
        assert f"/artworks/{artwork.pk}/" not in " ".join(locs), state


def test_only_active_artists_with_a_listed_work_are_listed(client, catalogue, artist):
    assert section_locs(client, "artists") == [f"{BASE}/@ana/"]


def test_lastmod_is_the_work_change_and_the_artists_newest_work(client, catalogue, artist):
    listed = catalogue["listed"]
    Artwork.objects.filter(pk=listed.pk).update(
        updated_at=timezone.datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
        published_at=timezone.now() + timedelta(days=1),
    )
    urls = entries(client, f"/sitemap-artworks.xml?p={page_of(listed.pk)}")
    assert urls[0].findtext(f"{SM}lastmod") == "2026-03-04T05:06:07+00:00"
    newest = Artwork.objects.get(pk=listed.pk).published_at
    [ana] = entries(client, f"/sitemap-artists.xml?p={page_of(artist.pk)}")
    assert ana.findtext(f"{SM}lastmod") == newest.replace(microsecond=0).isoformat()
    lastmods = dict(index(client))
    artists_page = f"{BASE}/sitemap-artists.xml?p={page_of(artist.pk)}"
    assert lastmods[artists_page] == ana.findtext(f"{SM}lastmod")


def test_cover_is_an_image_entry_from_public_storage_but_not_for_mature_work(client, catalogue):
    listed, mature = catalogue["listed"], catalogue["mature"]
    name = listed.cover.derivatives[1]["name"]
    default_storage.save(name, ContentFile(image_bytes("JPEG")))
    by_loc = {u.findtext(f"{SM}loc"): u for u in _artwork_entries(client, listed, mature)}
    image = by_loc[BASE + listed.get_absolute_url()].findtext(f"{IMAGE}image/{IMAGE}loc")
    assert image == f"{BASE}/media/{name}"
    assert client.get(image.removeprefix(BASE)).status_code == 200
    assert by_loc[BASE + mature.get_absolute_url()].find(f"{IMAGE}image") is None
    for n in pages_of(listed, mature):
        assert b"originals" not in client.get(f"/sitemap-artworks.xml?p={n}").content


def _artwork_entries(client, *artworks) -> list:
    found = []
    for n in pages_of(*artworks):
        found += entries(client, f"/sitemap-artworks.xml?p={n}")
    return found


def test_withdrawn_files_give_no_image_entry(client, catalogue):
    cover = catalogue["listed"].cover
    cover.public_files = cover.PublicFiles.WITHDRAWING
    cover.save(update_fields=["public_files"])
    page = client.get(f"/sitemap-artworks.xml?p={page_of(cover.artwork_id)}").content
    assert catalogue["listed"].get_absolute_url().encode() in page
    assert b"image:loc" not in page


def test_pages_are_id_ranges_and_the_index_names_each_page_holding_any(client, settings, artist):
    settings.SITEMAP_PAGE_SIZE = 2
    works = [ArtworkFactory(artist=artist) for _ in range(7)]
    # A gap: a range whose works are all AI-generated holds nothing and is not in the index.
    gap = (works[3].pk - 1) // 2
    Artwork.objects.filter(pk__in=[w.pk for w in works if (w.pk - 1) // 2 == gap]).update(
        label="ai-generated"
    )
    listed = sorted(Artwork.objects.filter(label="human-made").values_list("pk", flat=True))
    pages = sorted({(pk - 1) // 2 + 1 for pk in listed})
    named = [loc for loc, _ in index(client) if "artworks" in loc]
    assert named == [f"{BASE}/sitemap-artworks.xml?p={p}" for p in pages]
    seen = []
    for loc in named:
        urls = [u.findtext(f"{SM}loc") for u in entries(client, loc.removeprefix(BASE))]
        assert 1 <= len(urls) <= 2
        seen += urls
    assert seen == [BASE + Artwork.objects.get(pk=pk).get_absolute_url() for pk in listed]
    assert gap + 1 not in pages
    assert client.get(f"/sitemap-artworks.xml?p={gap + 1}").status_code == 404
    assert client.get(f"/sitemap-artworks.xml?p={pages[-1] + 1}").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "²", "99999999999", "1" * 40, ""])
def test_a_page_number_that_is_not_one_is_a_404_not_a_500(client, catalogue, page):
    assert client.get(f"/sitemap-artworks.xml?p={page}").status_code == 404
    assert client.get(f"/sitemap-artists.xml?p={page}").status_code == 404


def test_an_empty_site_still_has_a_first_page(client, db):
    assert len(index(client)) == 2
    assert entries(client, "/sitemap-artworks.xml?p=1") == []


def test_query_counts_do_not_grow_with_the_works(
    client, settings, artist, django_assert_num_queries
):
    settings.SITEMAP_PAGE_SIZE = 50
    for count in (3, 30):
        while Artwork.objects.count() < count:
            ArtworkFactory(artist=UserFactory() if count > 3 else artist)
        cache.clear()
        with django_assert_num_queries(2):  # one grouping query per section
            client.get("/sitemap.xml")
        with django_assert_num_queries(1):
            client.get("/sitemap-artworks.xml?p=1")
        with django_assert_num_queries(1):
            client.get("/sitemap-artists.xml?p=1")
        # Warm: from the cache, no query at all.
        with django_assert_num_queries(0):
            client.get("/sitemap.xml")
            client.get("/sitemap-artworks.xml?p=1")
            client.get("/sitemap-artists.xml?p=1")


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-artworks.xml", "/sitemap-artists.xml"])
def test_anonymous_responses_are_shareable_and_set_no_cookie(client, catalogue, url):
    response = client.get(url)
    assert response.status_code == 200
    assert not response.cookies
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["X-Robots-Tag"] == "noindex, noai, noimageai"
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.post(url).status_code == 405


def test_members_get_the_same_document(client, catalogue, viewer):
    url = f"/sitemap-artworks.xml?p={page_of(catalogue['listed'].pk)}"
    anonymous = client.get(url).content
    assert catalogue["listed"].get_absolute_url().encode() in anonymous
    client.force_login(viewer)
    assert client.get(url).content == anonymous


def test_links_follow_the_served_host_and_each_host_has_its_own(client, settings, catalogue):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    first = pages_of(catalogue["listed"], catalogue["mature"])[0]
    assert index(client)[0][0] == f"{BASE}/sitemap-artworks.xml?p={first}"
    other = ET.fromstring(client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:18801").content)
    assert other.findtext(f"{SM}sitemap/{SM}loc") == (
        f"http://127.0.0.1:18801/sitemap-artworks.xml?p={first}"
    )


def test_site_url_wins_over_the_host(client, settings, catalogue, artist):
    settings.SITE_URL = "https://atelier.example"
    page = f"/sitemap-artists.xml?p={page_of(artist.pk)}"
    locs = [u.findtext(f"{SM}loc") for u in entries(client, page)]
    assert locs == ["https://atelier.example/@ana/"]


def test_a_closing_account_leaves_the_cached_sitemap_at_once(client, catalogue, artist):
    assert section_locs(client, "artists") == [f"{BASE}/@ana/"]
    account_delete_request(user=artist, password=PASSWORD)
    assert section_locs(client, "artists") == []
    assert section_locs(client, "artworks") == []


def test_robots_txt_names_the_sitemap(client, settings):
    settings.SITE_URL = ""
    body = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {BASE}/sitemap.xml" in body.splitlines()
