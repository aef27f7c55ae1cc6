"""Every listing honours the viewer's label preference; pages are keyset-paginated and cheap."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from defusedxml import ElementTree as ET
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import Follow
from gallery import selectors
from gallery.models import Artwork
from gallery.services.artworks import artwork_index_search
from tests.factories import ArtworkFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

PREFERENCES = {
    # preference: titles it shows, out of the fixture's six artworks
    "human": {"human"},
    "assisted-minor": {"human", "assisted-minor"},
    "assisted": {"human", "assisted-minor", "assisted-major"},
    "all": {"human", "assisted-minor", "assisted-major", "generated", "mismatched", "held"},
}


@pytest.fixture
def catalogue(artist, viewer):
    """Six published artworks by one artist, all tagged 'sea', medium 'drawing'."""
    now = timezone.now()
    specs = [
        ("human", {"label": "human-made"}),
        ("assisted-minor", {"label": "ai-assisted", "ai_minor_only": True}),
        ("assisted-major", {"label": "ai-assisted", "ai_stages": ["colour"]}),
        ("generated", {"label": "ai-generated"}),
        ("mismatched", {"label": "human-made", "label_mismatch": True}),
        ("held", {"label": "human-made", "held": True}),
    ]  # fmt: skip
    made = []
    for i, (title, fields) in enumerate(specs):
        artwork = ArtworkFactory(
            artist=artist, title=title, medium="drawing",
            published_at=now - timedelta(minutes=i), **fields,
        )  # fmt: skip
        artwork.tags.set(["sea"])
        artwork_index_search(artwork_id=artwork.pk)
        made.append(artwork)
    # Never listed anywhere, whatever the preference.
    for status in ("hidden", "removed", "processing", "failed"):
        listed_date = now if status in ("hidden", "removed") else None
        hidden = ArtworkFactory(
            artist=artist, title=f"status-{status}", status=status, medium="drawing",
            published_at=listed_date,
        )  # fmt: skip
        hidden.tags.set(["sea"])
    Follow.objects.create(follower=viewer, artist=artist)
    return made


def titles(html: str) -> set[str]:
    return set(re.findall(r'<span class="title">([^<]+)</span>', html))


LISTINGS = {
    "home": "/",
    "tag": "/tags/sea/",
    "medium": "/medium/drawing/",
    "artist": "/@ana/",
    "search": "/search/?q=sea",
    "following": "/following/",
}


@pytest.mark.parametrize("preference", list(PREFERENCES))
@pytest.mark.parametrize("listing", list(LISTINGS))
def test_every_listing_applies_the_members_preference(
    client, catalogue, viewer, listing, preference
):
    viewer.feed_preference = preference
    viewer.save()
    client.force_login(viewer)
    response = client.get(LISTINGS[listing])
    assert response.status_code == 200
    assert titles(response.content.decode()) == PREFERENCES[preference]


@pytest.mark.parametrize("preference", list(PREFERENCES))
@pytest.mark.parametrize("listing", ["home", "tag", "medium", "artist", "search"])
def test_every_listing_applies_the_anonymous_cookie(client, catalogue, listing, preference):
    client.cookies[selectors.PREFERENCE_COOKIE] = preference
    assert titles(client.get(LISTINGS[listing]).content.decode()) == PREFERENCES[preference]


def test_anonymous_default_is_human_only(client, catalogue):
    assert titles(client.get("/").content.decode()) == {"human"}


def test_garbage_cookie_falls_back_to_human_only(client, catalogue):
    client.cookies[selectors.PREFERENCE_COOKIE] = "<script>"
    assert titles(client.get("/").content.decode()) == {"human"}


def test_everything_is_unavailable_when_the_site_refuses_ai_generated(client, catalogue, settings):
    settings.ATELIER_ALLOW_AI_GENERATED = False
    client.cookies[selectors.PREFERENCE_COOKIE] = "all"
    assert titles(client.get("/").content.decode()) == PREFERENCES["assisted"]


@pytest.mark.parametrize("preference", list(PREFERENCES))
@pytest.mark.parametrize("feed", ["/@ana/feed.atom", "/tags/sea/feed.atom"])
def test_atom_feeds_apply_the_filter(client, catalogue, feed, preference):
    response = client.get(f"{feed}?show={preference}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    found = set(re.findall(r"<title>([^<\[]+) \[", response.content.decode()))
    assert found == PREFERENCES[preference]


def test_atom_feed_without_choice_uses_the_viewers_preference(client, catalogue):
    found = set(re.findall(r"<title>([^<\[]+) \[", client.get("/@ana/feed.atom").content.decode()))
    assert found == {"human"}


def test_anonymous_preference_persists_in_a_cookie(client, catalogue):
    response = client.post(
        reverse("gallery:preference"), {"preference": "assisted", "next": "/tags/sea/"}
    )
    assert response.status_code == 302 and response["Location"] == "/tags/sea/"
    cookie = response.cookies[selectors.PREFERENCE_COOKIE]
    assert cookie.value == "assisted" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert titles(client.get("/").content.decode()) == PREFERENCES["assisted"]


def test_member_preference_persists_on_the_account(client, catalogue, viewer):
    client.force_login(viewer)
    client.post(reverse("gallery:preference"), {"preference": "all"})
    viewer.refresh_from_db()
    assert viewer.feed_preference == "all"
    client.logout()
    client.force_login(viewer)  # a new session, another device
    assert titles(client.get("/").content.decode()) == PREFERENCES["all"]


def test_preference_redirect_refuses_other_hosts(client):
    response = client.post(
        reverse("gallery:preference"), {"preference": "all", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_label_badges_on_every_card(client, catalogue):
    client.cookies[selectors.PREFERENCE_COOKIE] = "all"
    html = client.get("/").content.decode()
    assert html.count("badge badge-human-made") >= 3
    assert "badge badge-ai-assisted" in html and "badge badge-ai-generated" in html


def _page_titles(client, url) -> tuple[list[str], str | None]:
    html = client.get(url).content.decode()
    cursor = re.search(r'href="\?after=([^"&]+)"', html)
    return re.findall(r'<span class="title">([^<]+)</span>', html), cursor and cursor.group(1)


def test_cursor_pagination_has_no_duplicates_or_gaps_while_new_work_arrives(client, artist):
    now = timezone.now()
    for i in range(60):
        ArtworkFactory(artist=artist, title=f"old-{i:02d}", published_at=now - timedelta(hours=i))
    seen, url, pages = [], "/", 0
    while url:
        page, cursor = _page_titles(client, url)
        seen += page
        pages += 1
        # New artworks arrive between page loads: they must not shift later pages.
        ArtworkFactory(artist=artist, title=f"new-{pages}", published_at=timezone.now())
        url = f"/?after={cursor}" if cursor else None
    assert seen == [f"old-{i:02d}" for i in range(60)]
    assert pages == 3


def test_equal_timestamps_are_ordered_by_id_across_pages(client, artist):
    when = timezone.now()
    made = [
        ArtworkFactory(artist=artist, title=f"same-{i:02d}", published_at=when) for i in range(30)
    ]
    first, cursor = _page_titles(client, "/")
    second, _ = _page_titles(client, f"/?after={cursor}")
    assert first + second == [a.title for a in sorted(made, key=lambda a: -a.pk)]


def test_tampered_cursor_is_a_400(client, artist):
    # config.cursors refuses what it did not write (tests/config/test_cursors.py: every listing).
    ArtworkFactory(artist=artist, title="only")
    assert client.get("/?after=not-a-cursor!!").status_code == 400


def test_htmx_next_page_returns_only_cards(client, artist):
    for i in range(30):
        ArtworkFactory(artist=artist, title=f"a{i}")
    _, cursor = _page_titles(client, "/")
    response = client.get(f"/?after={cursor}", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and html.count('class="art-card"') == 6


@pytest.mark.parametrize("listing", ["home", "tag", "medium", "artist", "search", "following"])
def test_listing_query_count_does_not_grow_with_the_page(
    client, artist, viewer, listing, django_assert_max_num_queries
):
    Follow.objects.create(follower=viewer, artist=artist)
    client.force_login(viewer)

    def make(n):
        for _ in range(n):
            a = ArtworkFactory(artist=artist, medium="drawing", title="sea view")
            a.tags.set(["sea"])
            artwork_index_search(artwork_id=a.pk)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LISTINGS[listing]).status_code == 200
    make(22)
    with CaptureQueriesContext(connection) as large:
        html = client.get(LISTINGS[listing]).content.decode()
    assert html.count('class="art-card"') == 24
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 8


def test_listings_never_count_rows(client, artist, viewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        ArtworkFactory(artist=artist)
    client.force_login(viewer)
    for url in ("/", "/@ana/", "/following/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not [sql for sql in counts if "gallery_" in sql], url
    assert "<strong>0</strong> artworks" in client.get("/@ana/").content.decode()  # the counter


def test_unknown_medium_and_tag_are_404(client, db):
    assert client.get("/medium/crayon-on-moon/").status_code == 404
    assert client.get("/tags/nope/").status_code == 404
    assert client.get("/@nobody/").status_code == 404


def test_following_is_for_members(client):
    response = client.get("/following/")
    assert response.status_code == 302


def test_empty_states_explain_themselves(client, db, viewer):
    assert "Nothing here yet" in client.get("/").content.decode()
    client.force_login(viewer)
    assert "Your following feed is empty" in client.get("/following/").content.decode()
    assert "No results" in client.get("/search/?q=zzz").content.decode()


def test_search_matches_artist_and_tags(client, artist):
    other = UserFactory(handle="zed", display_name="Zed Painter")
    ArtworkFactory(artist=other, title="Untitled")
    a = ArtworkFactory(artist=artist, title="Something")
    a.tags.set(["lighthouse"])
    for art in Artwork.objects.all():
        artwork_index_search(artwork_id=art.pk)
    assert titles(client.get("/search/?q=zed").content.decode()) == {"Untitled"}
    assert titles(client.get("/search/?q=lighthouse").content.decode()) == {"Something"}


def test_cached_cards_follow_label_changes_and_likes(client, artist, viewer):
    from gallery.services.artworks import artwork_relabel, like_set

    artwork = ArtworkFactory(artist=artist, title="Cached")
    client.cookies[selectors.PREFERENCE_COOKIE] = "all"
    assert "badge badge-human-made" in client.get("/").content.decode()  # now cached
    artwork_relabel(artwork=artwork, to_label="ai-assisted", by="artist", actor=artist, reason="x")
    html = client.get("/").content.decode()
    assert "badge badge-ai-assisted" in html and "badge badge-human-made" not in html
    like_set(user=viewer, artwork=artwork, liked=True)
    assert 'aria-label="1 like"' in client.get("/").content.decode()


def test_unknown_preference_value_fails_closed_to_human_only(catalogue):
    qs = selectors.artworks_for_listing(preference="nonsense")
    assert {a.title for a in qs} == {"human"}


def _artwork_page_queries(client, artwork) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(artwork.get_absolute_url()).status_code == 200
    return len(queries)


def test_artwork_page_query_count_does_not_grow_with_images_tags_or_more_work(
    client, artist, viewer
):
    from gallery.models import ArtworkImage

    client.force_login(viewer)
    small = ArtworkFactory(artist=artist, title="Small")
    small.tags.set(["sea"])
    few = _artwork_page_queries(client, small)
    big = ArtworkFactory(artist=artist, title="Big")
    big.tags.set(["sea", "ink", "dusk", "boats"])
    for position in range(1, 5):
        ArtworkImage.objects.create(
            artwork=big, position=position, original=f"o/{position}.jpg", format="JPEG",
            sha256="0" * 64, state="ready", derivatives=big.cover.derivatives,
            width=640, height=480, kind="final" if position < 3 else "process",
        )  # fmt: skip
    for _ in range(6):
        ArtworkFactory(artist=artist)
    assert _artwork_page_queries(client, big) == few
    # 12 before related work: it adds the tags' latest posts and the listed ones among them,
    # and a member's blocks, muted artists and muted tags (3) key their own related block.
    assert few <= 16


def test_tag_page_runs_two_queries_for_anonymous_viewers(client, artist, django_assert_num_queries):
    ArtworkFactory(artist=artist).tags.set(["sea"])
    with django_assert_num_queries(2):  # the tag, then its page of artworks
        assert client.get("/tags/sea/").status_code == 200


# --- Images in Atom entries ------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client, url: str) -> dict[str, ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {e.findtext(f"{ATOM}title").split(" [")[0]: e for e in root.iter(f"{ATOM}entry")}


def _sized(artwork) -> dict:
    """Give the cover's JPEG a size (as the pipeline records it) and a real file."""
    cover = artwork.cover
    cover.derivatives = [
        {**d, "bytes": 1234} if d["format"] == "jpeg" else d for d in cover.derivatives
    ]
    cover.save(update_fields=["derivatives"])
    jpeg = next(d for d in cover.derivatives if d["format"] == "jpeg")
    default_storage.save(jpeg["name"], ContentFile(image_bytes("JPEG")))
    return jpeg


@pytest.mark.parametrize("feed", ["/@ana/feed.atom", "/tags/sea/feed.atom"])
def test_atom_entries_carry_the_cover_as_a_public_derivative(client, artist, feed):
    artwork = ArtworkFactory(artist=artist, title="Harbour")
    artwork.tags.set(["sea"])
    jpeg = _sized(artwork)
    url = f"http://testserver/media/{jpeg['name']}"
    entry = _entries(client, feed)["Harbour"]
    [enclosure] = entry.findall(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.attrib == {"rel": "enclosure", "href": url, "length": "1234",
                                "type": "image/jpeg"}  # fmt: skip
    summary = entry.findtext(f"{ATOM}summary")
    assert f'<img src="{url}" alt="Harbour" width="320" height="240">' in summary
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    body = client.get(feed).content.decode()
    assert "originals" not in body and artwork.cover.original.name not in body


def test_atom_summary_escapes_what_members_typed(client, artist):
    artwork = ArtworkFactory(artist=artist, title="Storm", description="<script>x()</script> & co")
    artwork.cover.alt_text = 'A "storm" <b>at sea</b>'
    artwork.cover.save(update_fields=["alt_text"])
    summary = _entries(client, "/@ana/feed.atom")["Storm"].findtext(f"{ATOM}summary")
    assert 'alt="A &quot;storm&quot; &lt;b&gt;at sea&lt;/b&gt;"' in summary
    assert "&lt;script&gt;x()&lt;/script&gt; &amp; co" in summary
    assert "<script>" not in summary and "<b>" not in summary


def test_atom_entry_without_public_files_or_size_has_no_image_or_no_enclosure(client, artist):
    withdrawn = ArtworkFactory(artist=artist, title="Moved files")
    _sized(withdrawn)
    withdrawn.cover.public_files = withdrawn.cover.PublicFiles.WITHDRAWING
    withdrawn.cover.save(update_fields=["public_files"])
    unsized = ArtworkFactory(artist=artist, title="Unsized")
    entries = _entries(client, "/@ana/feed.atom")
    assert "<img" not in entries["Moved files"].findtext(f"{ATOM}summary")
    assert entries["Moved files"].find(f"{ATOM}link[@rel='enclosure']") is None
    assert "/originals/" not in client.get("/@ana/feed.atom").content.decode()
    # Older records have no size: the image is in the summary, no enclosure without a length.
    assert "<img" in entries["Unsized"].findtext(f"{ATOM}summary")
    assert entries["Unsized"].find(f"{ATOM}link[@rel='enclosure']") is None
    assert unsized.cover.derivatives[1]["name"] in entries["Unsized"].findtext(f"{ATOM}summary")


def test_atom_mature_cover_only_reaches_feeds_that_asked_for_mature_work(client, artist):
    mature = ArtworkFactory(artist=artist, title="Nude study", mature=True)
    jpeg = _sized(mature)
    assert jpeg["name"] not in client.get("/@ana/feed.atom").content.decode()
    entry = _entries(client, "/@ana/feed.atom?mature=show")["Nude study"]
    assert entry.find(f"{ATOM}link[@rel='enclosure']").attrib["href"].endswith(jpeg["name"])
