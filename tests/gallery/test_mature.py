"""Mature work: the artist's flag, the viewer's preference, and every surface honouring both.

Anonymous viewers and members start at "blur": mature cards and pages are blurred behind a
"Mature content — show" control whose no-JS form is a link to the page with ``?mature=show``.
"show" lists them plainly, "hide" leaves them out of listings (a direct link still blurs).
Artists never see their own work blurred; moderators see it plainly on its page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Follow, MaturePreference, User
from gallery import state
from gallery.models import Artwork
from gallery.services.artworks import artwork_index_search
from tests.factories import ArtworkFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

LISTINGS = {
    "home": "/",
    "tag": "/tags/sea/",
    "medium": "/medium/drawing/",
    "artist": "/@ana/",
    "search": "/search/?q=sea",
    "following": "/following/",
}


@pytest.fixture
def works(artist, viewer):
    """Two published human-made drawings tagged 'sea' by ana: one mature, one not."""
    now = timezone.now()
    made = {}
    for i, (title, mature) in enumerate([("Calm sea", False), ("Bare bodies", True)]):
        artwork = ArtworkFactory(
            artist=artist, title=title, medium="drawing", mature=mature,
            published_at=now - timedelta(minutes=i),
        )  # fmt: skip
        artwork.tags.set(["sea"])
        artwork_index_search(artwork_id=artwork.pk)
        made[title] = artwork
    Follow.objects.create(follower=viewer, artist=artist)
    return made


def cards(html: str) -> dict[str, bool]:
    """Each listed card's title → whether it is blurred."""
    found = {}
    for item in re.findall(r"<li[^>]*>\s*<a class=\"art-card\".*?</li>", html, re.S):
        title = re.search(r'<span class="title">([^<]+)</span>', item).group(1)
        found[title] = "data-mature" in item.split(">", 1)[0]
    return found


def _as(client, who, preference=None):
    """Sign ``who`` in (a User) with ``preference`` stored, or set the anonymous cookie."""
    if who is None:
        if preference is not None:
            client.cookies[state.MATURE_COOKIE] = preference
        return
    if preference is not None:
        User.objects.filter(pk=who.pk).update(mature_preference=preference)
    client.force_login(who)


# --- The preference --------------------------------------------------------------------------


def test_members_start_with_blur_from_the_database_default(viewer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT mature_preference FROM accounts_user WHERE id = %s", [viewer.pk])
        assert cursor.fetchone()[0] == "blur"
    assert UserFactory().mature_preference == MaturePreference.BLUR


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [(None, "blur"), ("show", "show"), ("hide", "hide"), ("blur", "blur"), ("nonsense", "blur")],
)
def test_anonymous_preference_comes_from_the_cookie(cookie, expected):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[state.MATURE_COOKIE] = cookie
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert state.mature_preference(request) == expected


@pytest.mark.parametrize("stored", MaturePreference.values)
def test_members_preference_comes_from_their_account_not_the_cookie(viewer, stored):
    User.objects.filter(pk=viewer.pk).update(mature_preference=stored)
    request = RequestFactory().get("/")
    request.COOKIES[state.MATURE_COOKIE] = "show" if stored != "show" else "hide"
    request.user = User.objects.get(pk=viewer.pk)
    assert state.mature_preference(request) == stored


def test_anonymous_choice_persists_in_a_cookie(client, works):
    response = client.post(reverse("gallery:mature_preference"), {"mature": "show", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[state.MATURE_COOKIE].value == "show"
    assert response.cookies[state.MATURE_COOKIE]["httponly"]
    assert cards(client.get("/").content.decode()) == {"Calm sea": False, "Bare bodies": False}


def test_members_choice_is_stored_on_the_account(client, works, viewer):
    client.force_login(viewer)
    client.post(reverse("gallery:mature_preference"), {"mature": "hide", "next": "/"})
    assert User.objects.get(pk=viewer.pk).mature_preference == "hide"
    assert cards(client.get("/").content.decode()) == {"Calm sea": False}


def test_unknown_choice_falls_back_to_blur(client, viewer):
    User.objects.filter(pk=viewer.pk).update(mature_preference="show")
    client.force_login(viewer)
    client.post(reverse("gallery:mature_preference"), {"mature": "everything"})
    assert User.objects.get(pk=viewer.pk).mature_preference == "blur"


def test_settings_page_saves_the_preference(client, viewer):
    client.force_login(viewer)
    page = client.get("/settings/profile/").content.decode()
    assert 'name="mature_preference"' in page
    response = client.post(
        "/settings/profile/",
        {"display_name": "Vic", "bio": "", "feed_preference": "human", "links_text": "",
         "mature_preference": "show", "ai_training_opt_out": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert User.objects.get(pk=viewer.pk).mature_preference == "show"


# --- Every listing ---------------------------------------------------------------------------

# Who is looking and with which preference → what the mature card does in other artists'
# listings: blurred, plain, or absent (None).
VIEWERS = [
    ("anonymous", None, True),
    ("anonymous", "show", False),
    ("anonymous", "hide", None),
    ("member", "blur", True),
    ("member", "show", False),
    ("member", "hide", None),
    ("moderator", "blur", True),
    ("moderator", "hide", None),
]


@pytest.mark.parametrize(("who", "preference", "blurred"), VIEWERS)
@pytest.mark.parametrize("listing", list(LISTINGS))
def test_every_listing_honours_the_mature_preference(
    client, works, viewer, moderator, who, preference, blurred, listing
):
    if listing == "following" and who == "anonymous":
        pytest.skip("following is for members")
    if who == "moderator":
        Follow.objects.create(follower=moderator, artist=works["Calm sea"].artist)
    person = {"anonymous": None, "member": viewer, "moderator": moderator}[who]
    _as(client, person, preference)
    html = client.get(LISTINGS[listing]).content.decode()
    expected = {"Calm sea": False}
    if blurred is not None:
        expected["Bare bodies"] = blurred
    assert cards(html) == expected
    if blurred:
        link = reverse("gallery:artwork", args=[works["Bare bodies"].pk, "bare-bodies"])
        assert f'href="{link}?mature=show" data-mature-reveal' in html
        assert "Mature content — show" in html


@pytest.mark.parametrize("preference", MaturePreference.values)
def test_owner_sees_own_mature_work_plainly_on_their_profile(client, works, artist, preference):
    _as(client, artist, preference)
    assert cards(client.get("/@ana/").content.decode()) == {
        "Calm sea": False, "Bare bodies": False
    }  # fmt: skip


def test_owner_is_never_shown_own_work_blurred_in_feeds(client, works, artist):
    _as(client, artist, "blur")
    assert cards(client.get("/").content.decode())["Bare bodies"] is False


def test_a_cached_feed_never_blurs_or_unblurs_for_the_wrong_member(client, works, viewer, artist):
    # The listing block is cached (gallery.listing_cache): a member who blurs mature work
    # warms it first, then the artist, with the same preferences, must still see their own
    # post plainly, and the first member must still see it blurred.
    _as(client, viewer, "blur")
    assert cards(client.get("/").content.decode())["Bare bodies"] is True
    _as(client, artist, "blur")
    assert cards(client.get("/").content.decode())["Bare bodies"] is False
    _as(client, viewer, "blur")
    assert cards(client.get("/").content.decode())["Bare bodies"] is True


def test_anonymous_mature_choice_is_a_get_that_sets_no_csrf_cookie(client, works):
    html = client.get("/").content.decode()
    assert 'class="mature-filter" method="get"' in html
    assert "csrftoken" not in client.cookies
    response = client.get(reverse("gallery:mature_preference"), {"mature": "show", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[state.MATURE_COOKIE].value == "show"
    assert cards(client.get("/").content.decode())["Bare bodies"] is False


def test_blurred_and_plain_cards_are_cached_apart(client, works, viewer):
    assert cards(client.get("/").content.decode())["Bare bodies"] is True
    _as(client, viewer, "show")
    assert cards(client.get("/").content.decode())["Bare bodies"] is False
    client.logout()
    assert cards(client.get("/").content.decode())["Bare bodies"] is True


def test_a_blurred_card_keeps_its_alt_text_and_is_inert_until_revealed(client, works):
    html = client.get("/").content.decode()
    item = re.search(r'<li class="[^"]*mature-card" data-mature>.*?</li>', html, re.S).group(0)
    assert '<a class="art-card"' in item and " inert>" in item
    assert 'alt="Bare bodies"' in item  # the alt text is there for whoever reveals it
    assert '<span class="visually-hidden"> “Bare bodies”</span>' in item


@pytest.mark.parametrize("preference", ["blur", "show", "hide"])
@pytest.mark.parametrize("listing", ["home", "tag", "medium", "artist", "search", "following"])
def test_mature_cards_add_no_queries(client, artist, viewer, listing, preference):
    """A page of mature cards costs the same queries as a page of plain ones, and neither
    grows with the page."""
    Follow.objects.create(follower=viewer, artist=artist)
    User.objects.filter(pk=viewer.pk).update(mature_preference=preference)
    client.force_login(viewer)

    def make(n, mature):
        for _ in range(n):
            a = ArtworkFactory(artist=artist, medium="drawing", title="sea view", mature=mature)
            a.tags.set(["sea"])
            artwork_index_search(artwork_id=a.pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LISTINGS[listing]).status_code == 200
        return len(queries)

    # One request first: a session's first member page also remembers the verified address.
    client.get(LISTINGS[listing])
    make(2, mature=False)
    plain = count()
    make(22, mature=True)
    assert count() == plain


# --- The artwork page ------------------------------------------------------------------------


def _page(client, artwork, query=""):
    response = client.get(artwork.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def _blurred(html: str) -> bool:
    return 'class="artwork-images mature-card"' in html


@pytest.mark.parametrize(
    ("who", "preference", "blurred"),
    [
        ("anonymous", None, True),
        ("anonymous", "show", False),
        ("anonymous", "hide", True),  # a direct link is not a listing: blurred, not hidden
        ("member", "blur", True),
        ("member", "show", False),
        ("member", "hide", True),
        ("owner", "blur", False),
        ("owner", "hide", False),
        ("moderator", "blur", False),
        ("moderator", "hide", False),
    ],
)
def test_artwork_page_blurs_per_role_and_preference(
    client, works, viewer, artist, moderator, who, preference, blurred
):
    person = {"anonymous": None, "member": viewer, "owner": artist, "moderator": moderator}[who]
    _as(client, person, preference)
    html = _page(client, works["Bare bodies"])
    assert _blurred(html) is blurred
    assert ("Mature content — show" in html) is blurred
    assert 'id="mature-marked"' in html  # everyone is told it is marked
    assert not _blurred(_page(client, works["Calm sea"]))


def test_the_reveal_link_shows_the_page_without_javascript(client, works):
    artwork = works["Bare bodies"]
    blurred = _page(client, artwork)
    assert f'href="{artwork.get_absolute_url()}?mature=show"' in blurred
    assert re.search(r"<figure inert>", blurred)
    revealed = _page(client, artwork, "?mature=show")
    assert not _blurred(revealed) and "<figure inert>" not in revealed
    assert 'alt="Bare bodies"' in revealed
    # The reveal is for this page only: the preference is unchanged.
    assert _blurred(_page(client, artwork))


def test_mature_page_offers_no_preview_image_to_link_unfurlers(client, works):
    assert 'property="og:image"' not in _page(client, works["Bare bodies"])
    assert 'property="og:image"' in _page(client, works["Calm sea"])


def test_more_by_the_artist_blurs_mature_cards(client, works):
    html = _page(client, works["Calm sea"])
    more = html.split('id="more-heading"', 1)[1]
    assert cards(more) == {"Bare bodies": True}


# --- Atom ------------------------------------------------------------------------------------


@pytest.mark.parametrize("feed", ["/@ana/feed.atom", "/tags/sea/feed.atom"])
def test_atom_leaves_mature_entries_out_unless_the_url_asks(client, works, feed, viewer):
    # Not even a member who chose "show": a feed URL answers the same to every reader.
    _as(client, viewer, "show")
    default = client.get(feed).content.decode()
    assert "Calm sea" in default and "Bare bodies" not in default
    asked = client.get(feed + "?mature=show").content.decode()
    assert "Bare bodies [Human-made · mature]" in asked
    assert '<category term="mature"' in asked


# --- The artist's flag: upload and edit ------------------------------------------------------


def _jpeg():
    return SimpleUploadedFile("a.jpg", image_bytes("JPEG"), content_type="image/jpeg")


@pytest.mark.parametrize("ticked", [True, False])
def test_upload_form_sets_the_flag(client, artist, ticked, django_capture_on_commit_callbacks):
    client.force_login(artist)
    assert 'name="mature"' in client.get(reverse("gallery:upload")).content.decode()
    data = {"title": "Figure", "medium": "drawing", "label": "human-made", "images": [_jpeg()]}
    if ticked:
        data["mature"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gallery:upload"), data)
    assert response.status_code == 302
    assert Artwork.objects.get().mature is ticked


def test_edit_form_sets_and_clears_the_flag(client, works, artist):
    artwork = works["Calm sea"]
    client.force_login(artist)
    url = reverse("gallery:artwork_edit", args=[artwork.pk])
    assert 'name="mature"' in client.get(url).content.decode()
    fields = {"title": "Calm sea", "medium": "drawing", "label": "human-made", "tags": "sea"}
    assert client.post(url, {**fields, "mature": "on"}).status_code == 302
    assert Artwork.objects.get(pk=artwork.pk).mature is True
    assert "checked" in re.search(
        r'<input[^>]*name="mature"[^>]*>', client.get(url).content.decode()
    ).group(0)
    assert client.post(url, fields).status_code == 302  # an unticked box clears it
    assert Artwork.objects.get(pk=artwork.pk).mature is False


def test_settings_post_without_the_field_keeps_the_preference(client, viewer):
    User.objects.filter(pk=viewer.pk).update(mature_preference="hide")
    client.force_login(viewer)
    response = client.post(
        "/settings/profile/",
        {"display_name": "Vic", "bio": "", "feed_preference": "human", "links_text": ""},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=viewer.pk).mature_preference == "hide"
