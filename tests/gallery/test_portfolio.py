"""Portfolios (issue 17 item 4): services, the artist page, the edit page, the CV, the banner."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import CommissionStatus, User
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from gallery import selectors
from gallery.models import Artwork, Label, PortfolioPin, PortfolioSection, Visibility
from gallery.services import portfolio as services
from tests.factories import ArtworkFactory, assert_lost_render_is_swept

pytestmark = pytest.mark.django_db

EDIT = "/portfolio/"


def _works(artist, n, **kw):
    return [
        ArtworkFactory(artist=artist, title=f"{artist.handle} work {i}", **kw) for i in range(n)
    ]


def _seen(artist, *, preference="human", own=False):
    pf = selectors.portfolio_of(artist_id=artist.pk, preference=preference, own=own)
    return [a.pk for a in pf.pinned], [(s.title, [a.pk for a in s.works]) for s in pf.sections]


# --- Services -------------------------------------------------------------------------------


def test_pins_keep_their_order_and_stop_at_six(artist):
    works = _works(artist, 7)
    ids = [w.pk for w in works]
    assert services.pins_set(artist=artist, artwork_ids=ids[:6][::-1]) == ids[:6][::-1]
    assert _seen(artist)[0] == ids[:6][::-1]
    with pytest.raises(Conflict, match="at most 6"):
        services.pins_set(artist=artist, artwork_ids=ids)
    with pytest.raises(Conflict, match="already pin 6"):
        services.pin_add(artist=artist, artwork_id=ids[6])
    assert services.pins_of(artist) == ids[:6][::-1]  # nothing changed
    services.pin_move(artist=artist, artwork_id=ids[0], direction="up")
    assert services.pins_of(artist)[-2:] == [ids[0], ids[1]]
    services.pin_remove(artist=artist, artwork_id=ids[3])
    assert ids[3] not in services.pins_of(artist) and len(services.pins_of(artist)) == 5


def test_pins_refuse_others_works_drafts_and_bad_input(artist, other_artist):
    mine = ArtworkFactory(artist=artist)
    theirs = ArtworkFactory(artist=other_artist)
    draft = ArtworkFactory(artist=artist, status=Artwork.Status.DRAFT)
    unlisted = ArtworkFactory(artist=artist, visibility=Visibility.UNLISTED)
    with pytest.raises(NotFound, match="only your own works"):
        services.pins_set(artist=artist, artwork_ids=[mine.pk, theirs.pk])
    with pytest.raises(NotFound):
        services.pin_add(artist=artist, artwork_id=999999)
    for work in (draft, unlisted):
        with pytest.raises(Invalid, match="not published publicly"):
            services.pin_add(artist=artist, artwork_id=work.pk)
    for bad in (["x"], [mine.pk, mine.pk], [-1], [2**70]):
        with pytest.raises(Invalid):
            services.pins_set(artist=artist, artwork_ids=bad)
    with pytest.raises(Invalid):
        services.pin_move(artist=artist, artwork_id=mine.pk, direction="sideways")
    assert not PortfolioPin.objects.exists()


def test_suspended_artists_change_nothing(artist):
    work = ArtworkFactory(artist=artist)
    section = services.section_create(artist=artist, title="Ink")
    artist.suspended_until = timezone.now() + timedelta(days=3)
    artist.save(update_fields=["suspended_until"])
    calls = [
        lambda: services.pin_add(artist=artist, artwork_id=work.pk),
        lambda: services.commission_set(artist=artist, status="open"),
        lambda: services.section_create(artist=artist, title="More"),
        lambda: services.section_add(artist=artist, section=section, artwork_id=work.pk),
        lambda: services.section_rename(artist=artist, section=section, title="X"),
        lambda: services.section_delete(artist=artist, section=section),
    ]
    for call in calls:
        with pytest.raises(NotAllowed, match="suspended"):
            call()
    assert PortfolioSection.objects.get().title == "Ink"


def test_sections_hold_own_works_in_order_and_a_work_may_be_in_several(artist, other_artist):
    a, b, c = _works(artist, 3)
    theirs = ArtworkFactory(artist=other_artist)
    first = services.section_create(artist=artist, title="  Ink  ", artwork_ids=[c.pk, a.pk])
    second = services.section_create(artist=artist, title="Oil", artwork_ids=[a.pk])
    assert first.title == "Ink"
    services.section_add(artist=artist, section=first, artwork_id=b.pk)
    services.section_work_move(artist=artist, section=first, artwork_id=b.pk, direction="up")
    assert _seen(artist)[1] == [("Ink", [c.pk, b.pk, a.pk]), ("Oil", [a.pk])]
    services.section_move(artist=artist, section=second, direction="up")
    assert [t for t, _ in _seen(artist)[1]] == ["Oil", "Ink"]
    with pytest.raises(NotFound):
        services.section_add(artist=artist, section=first, artwork_id=theirs.pk)
    # Another artist cannot touch the section, nor learn what is in it.
    with pytest.raises(NotFound):
        services.section_add(artist=other_artist, section=first, artwork_id=a.pk)
    with pytest.raises(NotFound):
        services.section_delete(artist=other_artist, section=first)
    for bad in ("", "   ", "x" * 81, "two\nlines"):
        with pytest.raises(Invalid):
            services.section_rename(artist=artist, section=first, title=bad)
    with pytest.raises(Invalid):
        services.sections_order(artist=artist, section_ids=[first.pk])
    services.section_remove(artist=artist, section=first, artwork_id=c.pk)
    services.section_delete(artist=artist, section=second)
    assert _seen(artist)[1] == [("Ink", [b.pk, a.pk])]


def test_section_limit(artist, settings):
    for i in range(services.MAX_SECTIONS):
        services.section_create(artist=artist, title=f"S{i}")
    with pytest.raises(Conflict, match="at most 12 sections"):
        services.section_create(artist=artist, title="One too many")


def test_commission_status(artist):
    services.commission_set(artist=artist, status="waitlist", note="Back in May")
    artist.refresh_from_db()
    assert (artist.commission_status, artist.commission_note) == ("waitlist", "Back in May")
    for status, note in (("maybe", ""), ("open", "x" * 141), ("open", "a\nb")):
        with pytest.raises(Invalid):
            services.commission_set(artist=artist, status=status, note=note)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Artwork.Status.HIDDEN},
        {"status": Artwork.Status.REMOVED},
        {"status": Artwork.Status.DRAFT},
        {"visibility": Visibility.UNLISTED},
        {"held": True},
        {"label": Label.GENERATED},
        {"mature": True},
        "delete",
    ],
)
def test_works_that_leave_the_public_drop_out_for_others(artist, change):
    kept, leaving = _works(artist, 2)
    services.pins_set(artist=artist, artwork_ids=[leaving.pk, kept.pk])
    services.section_create(artist=artist, title="Both", artwork_ids=[leaving.pk, kept.pk])
    services.section_create(artist=artist, title="Only leaving", artwork_ids=[leaving.pk])
    if change == "delete":
        leaving.delete()
    else:
        Artwork.objects.filter(pk=leaving.pk).update(**change)
    pf = selectors.portfolio_of(artist_id=artist.pk, preference="human", mature_preference="hide")
    assert [a.pk for a in pf.pinned] == [kept.pk]
    # A section with nothing left to show is not shown to others.
    assert [(s.title, [a.pk for a in s.works]) for s in pf.sections] == [("Both", [kept.pk])]
    # The artist still sees their own section (and their hidden work, with its badge).
    assert "Only leaving" in [s.title for s in selectors.portfolio_of(
        artist_id=artist.pk, preference="human", own=True).sections]  # fmt: skip


def test_label_filter_applies_to_the_portfolio(artist):
    human, generated = ArtworkFactory(artist=artist), ArtworkFactory(artist=artist)
    services.pins_set(artist=artist, artwork_ids=[human.pk, generated.pk])
    Artwork.objects.filter(pk=generated.pk).update(label=Label.GENERATED)
    assert _seen(artist, preference="human")[0] == [human.pk]
    assert _seen(artist, preference="all")[0] == [human.pk, generated.pk]


# --- The artist page ---------------------------------------------------------------------------


def _arranged(artist):
    works = _works(artist, 5)
    services.pins_set(artist=artist, artwork_ids=[works[3].pk, works[0].pk])
    services.section_create(artist=artist, title="Harbour", artwork_ids=[works[1].pk, works[2].pk])
    services.section_create(artist=artist, title="Forest", artwork_ids=[works[4].pk])
    services.commission_set(artist=artist, status="open", note="Two slots in June")
    User.objects.filter(pk=artist.pk).update(
        links=["https://ana.example/", "https://m.example/@ana"]
    )
    return works


def test_artist_page_shows_pinned_then_sections_then_all_works(client, artist):
    works = _arranged(artist)
    body = client.get("/@ana/").content.decode()
    pinned, harbour, forest = (
        body.index(h) for h in ("Pinned</h2>", "Harbour</h2>", "Forest</h2>")
    )
    all_works = body.index("<h2>Artworks</h2>")
    assert pinned < harbour < forest < all_works
    pinned_part = body[pinned:harbour]
    assert pinned_part.index(works[3].title) < pinned_part.index(works[0].title)
    assert "Open for commissions" in body and "Two slots in June" in body
    assert 'href="https://ana.example/" rel="me nofollow ugc noopener"' in body
    assert 'class="badge badge-human-made' in pinned_part  # cards keep their label badge


def test_artist_page_query_count_is_fixed_with_pins_and_sections(
    client, artist, django_assert_num_queries
):
    _arranged(artist)
    # Cold: the artist, the portfolio (one query for pins and sections), the cards.
    with django_assert_num_queries(3):
        assert client.get("/@ana/").status_code == 200
    # More works, pins and sections: still the same count.
    more = _works(artist, 4)
    services.pins_set(artist=artist, artwork_ids=[*services.pins_of(artist), more[0].pk])
    services.section_create(artist=artist, title="Sea", artwork_ids=[w.pk for w in more])
    with django_assert_num_queries(3):
        assert client.get("/@ana/").status_code == 200
    # Warm: the whole page comes from the cache before the artist's row is read.
    with django_assert_num_queries(0):
        assert client.get("/@ana/").status_code == 200


def _pinned_part(body: str) -> str:
    """The pinned works' part of the artist page ("Pinned") or the CV ("Selected works")."""
    start = body.find("Pinned</h2>")
    start = start if start >= 0 else body.index("Selected works</h2>")
    return body[start : body.index("</section>", start)]


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (
            lambda artist, works: services.pin_remove(artist=artist, artwork_id=works[3].pk),
            lambda body, works: works[3].title not in _pinned_part(body),
        ),
        (
            lambda artist, works: services.section_rename(
                artist=artist, section=PortfolioSection.objects.get(title="Harbour"), title="Bay"
            ),
            lambda body, works: "Bay</h2>" in body and "Harbour</h2>" not in body,
        ),
        (
            lambda artist, works: services.commission_set(artist=artist, status="closed"),
            lambda body, works: "Commissions closed" in body,
        ),
        (
            lambda artist, works: Artwork.objects.get(pk=works[3].pk).delete(),
            lambda body, works: works[3].title not in body,
        ),
    ],
)
def test_a_portfolio_change_retires_the_cached_artist_page_and_cv(
    client, artist, change, shows, django_assert_num_queries
):
    works = _arranged(artist)
    for url in ("/@ana/", "/@ana/cv/"):
        client.get(url)
        # Warm: served from the cache (the artist page before the artist's row is read).
        with django_assert_num_queries(0 if url == "/@ana/" else 1):
            assert not shows(client.get(url).content.decode(), works)
    change(artist, works)
    for url in ("/@ana/", "/@ana/cv/"):
        assert shows(client.get(url).content.decode(), works), url


def test_hidden_pinned_work_leaves_the_cached_page(client, artist):
    works = _arranged(artist)
    assert works[3].title in client.get("/@ana/").content.decode()
    artwork = Artwork.objects.get(pk=works[3].pk)
    artwork.status = Artwork.Status.HIDDEN
    artwork.save(update_fields=["status"])
    assert works[3].title not in client.get("/@ana/").content.decode()


def test_ai_generated_pins_are_not_shown_to_a_human_only_visitor(client, artist):
    works = _arranged(artist)
    Artwork.objects.filter(pk=works[3].pk).update(label=Label.GENERATED)
    assert works[3].title not in client.get("/@ana/").content.decode()
    assert works[3].title not in client.get("/@ana/cv/").content.decode()
    client.cookies["atelier_feed"] = "all"
    with_all = client.get("/@ana/cv/").content.decode()
    assert works[3].title in with_all and "badge-ai-generated" in with_all


# --- The CV -----------------------------------------------------------------------------------


def test_cv_lists_portfolio_with_year_and_medium(client, artist, django_assert_num_queries):
    works = _arranged(artist)
    with django_assert_num_queries(2):  # the artist, the portfolio
        response = client.get("/@ana/cv/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Selected works" in body and "Harbour" in body and "Forest" in body
    row = _pinned_part(body)
    assert str(works[0].published_at.year) in row and works[0].get_medium_display() in row
    assert "Open for commissions" in body
    assert 'rel="me nofollow ugc noopener"' in body
    assert "@media print" in Path(settings.BASE_DIR, "static/css/atelier.css").read_text()


def test_cv_without_a_portfolio_lists_recent_works(client, artist):
    works = _works(artist, 2)
    body = client.get("/@ana/cv/").content.decode()
    assert "Recent works" in body and works[1].title in body


def test_cv_of_unknown_or_blocked_artist(client, artist, viewer):
    from accounts.services import block_set

    assert client.get("/@nobody/cv/").status_code == 404
    block_set(blocker=artist, blocked=viewer, blocking=True)
    client.force_login(viewer)
    assert client.get("/@ana/cv/").status_code == 404


# --- The edit page -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, artist):
    for url in (EDIT, "/portfolio/pins/", "/portfolio/sections/"):
        response = client.post(url, {"action": "pin", "artwork": 1, "title": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_suspended_artists_get_the_suspension_page(client, suspended_user):
    work = ArtworkFactory(artist=suspended_user)
    client.force_login(suspended_user)
    assert client.get(EDIT).status_code == 403
    assert client.post("/portfolio/pins/", {"action": "pin", "artwork": work.pk}).status_code == 403
    assert not PortfolioPin.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "moderator"])
def test_others_and_moderators_cannot_edit_someone_elses_portfolio(client, artist, who, request):
    person = request.getfixturevalue(who)
    work = ArtworkFactory(artist=artist)
    section = services.section_create(artist=artist, title="Ink")
    client.force_login(person)
    response = client.post("/portfolio/pins/", {"action": "pin", "artwork": work.pk})
    assert response.status_code == 404 and "only your own works" in response.content.decode()
    for action in ("rename", "delete", "add"):
        response = client.post(
            f"/portfolio/sections/{section.pk}/",
            {"action": action, "title": "Mine now", "artwork": work.pk},
        )
        assert response.status_code == 404
    assert not PortfolioPin.objects.exists()
    assert PortfolioSection.objects.get().title == "Ink"


def test_owner_edits_with_plain_forms(client, artist):
    a, b = _works(artist, 2)
    client.force_login(artist)
    page = client.get(EDIT)
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    for work in (a, b):
        response = client.post("/portfolio/pins/", {"action": "pin", "artwork": work.pk})
        assert response.status_code == 302
    client.post("/portfolio/pins/", {"action": "up", "artwork": b.pk})
    assert services.pins_of(artist) == [b.pk, a.pk]
    assert client.post("/portfolio/sections/", {"title": "Ink"}).status_code == 302
    section = PortfolioSection.objects.get()
    client.post("/portfolio/sections/add/", {"section": section.pk, "artwork": a.pk})
    client.post(f"/portfolio/sections/{section.pk}/", {"action": "add", "artwork": b.pk})
    client.post(f"/portfolio/sections/{section.pk}/", {"action": "work-up", "artwork": b.pk})
    assert services.section_works_of(section) == [b.pk, a.pk]
    client.post(f"/portfolio/sections/{section.pk}/", {"action": "rename", "title": "Ink 2"})
    response = client.post(EDIT, {"commission_status": "open", "commission_note": "Yes"})
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.commission_status == CommissionStatus.OPEN
    page = client.get(EDIT).content.decode()
    assert "Ink 2" in page and "Unpin" in page
    client.post(f"/portfolio/sections/{section.pk}/", {"action": "delete"})
    assert not PortfolioSection.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        ("/portfolio/pins/", {"action": "pin", "artwork": "abc"}, 400),
        ("/portfolio/pins/", {"action": "pin"}, 400),
        ("/portfolio/pins/", {"action": "explode", "artwork": "1"}, 400),
        ("/portfolio/pins/", {"action": "up", "artwork": "99999"}, 404),
        ("/portfolio/sections/", {"title": ""}, 400),
        ("/portfolio/sections/", {"title": "x" * 500}, 400),
        ("/portfolio/sections/999999/", {"action": "rename", "title": "x"}, 404),
        ("/portfolio/sections/add/", {"section": "nope", "artwork": "1"}, 404),
        ("/portfolio/", {"commission_status": "maybe"}, 400),
        ("/portfolio/", {"commission_status": "open", "commission_note": "a\nb"}, 400),
    ],
)
def test_bad_input_is_a_clear_4xx(client, artist, url, data, status):
    client.force_login(artist)
    response = client.post(url, data)
    assert response.status_code == status
    assert 'role="alert"' in response.content.decode()


def test_seventh_pin_is_refused_on_the_page(client, artist):
    works = _works(artist, 7)
    services.pins_set(artist=artist, artwork_ids=[w.pk for w in works[:6]])
    client.force_login(artist)
    response = client.post("/portfolio/pins/", {"action": "pin", "artwork": works[6].pk})
    assert response.status_code == 409
    assert "already pin 6 works" in response.content.decode()


def test_forms_need_the_csrf_token(artist):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(artist)
    work = ArtworkFactory(artist=artist)
    assert client.post("/portfolio/pins/", {"action": "pin", "artwork": work.pk}).status_code == 403
    assert not PortfolioPin.objects.exists()


# --- The banner --------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1800, 900), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    gps[3], gps[4] = "W", (0.0, 7.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the GPS block is there
    return data


def test_banner_upload_comes_out_stripped_resized_and_public(
    client, artist, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    upload = SimpleUploadedFile("holiday.jpg", _jpeg_with_gps(), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EDIT, {"commission_status": "", "banner_file": upload})
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.banner.name.startswith("banners/") and artist.banner.name.endswith(".webp")
    assert not artist.banner_pending and not artist.banner_error
    data = (Path(settings.MEDIA_ROOT) / artist.banner.name).read_bytes()
    banner = Image.open(io.BytesIO(data))
    assert banner.size == (1500, 500) and banner.format == "WEBP"
    assert not banner.getexif() and "exif" not in banner.info and "xmp" not in banner.info
    assert b"SecretCam" not in data
    # The raw upload is gone from private storage; nothing of it is public.
    assert not list(Path(settings.PRIVATE_MEDIA_ROOT).rglob("banners-pending/*"))
    assert artist.banner.url in client.get("/@ana/").content.decode()
    # Removing it takes it off the page.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(EDIT, {"commission_status": "", "remove_banner": "on"})
    artist.refresh_from_db()
    assert not artist.banner


def test_a_banner_whose_task_was_lost_is_finished_by_the_sweep(client, artist):
    from accounts.services import BANNER_FAILED_LOST, banners_sweep_pending

    client.force_login(artist)
    # The on-commit enqueue never runs (no capture): the render task is "lost".
    upload = SimpleUploadedFile("holiday.jpg", _jpeg_with_gps(), "image/jpeg")
    assert client.post(EDIT, {"commission_status": "", "banner_file": upload}).status_code == 302
    artist.refresh_from_db()
    assert artist.banner_pending and not artist.banner
    assert_lost_render_is_swept(
        artist, field="banner", sweep=banners_sweep_pending, lost_error=BANNER_FAILED_LOST
    )


def test_banner_that_is_not_an_image_is_refused(client, artist):
    client.force_login(artist)
    upload = SimpleUploadedFile("notes.png", b"%PDF-1.4 not an image", "image/png")
    response = client.post(EDIT, {"commission_status": "", "banner_file": upload})
    assert response.status_code == 400
    assert "The banner" in response.content.decode()
    artist.refresh_from_db()
    assert not artist.banner and not artist.banner_pending


def test_suspended_artist_cannot_upload_a_banner(artist):
    from accounts.services import banner_update

    artist.suspended_until = timezone.now() + timedelta(days=1)
    upload = SimpleUploadedFile("b.png", b"x", "image/png")
    with pytest.raises(NotAllowed):
        banner_update(user=artist, banner=upload)


# --- The member's data: export and deletion ------------------------------------------------------


def test_export_carries_the_portfolio_and_the_tombstone_erases_it(artist):
    from django.db import transaction

    from accounts.services import user_tombstone
    from privacy.services.export import documents

    works = _arranged(artist)
    User.objects.filter(pk=artist.pk).update(banner="banners/b.webp", banner_pending="p/x.png")
    artist.refresh_from_db()
    profile = dict(documents(user=artist, artworks=[]))["profile.json"]
    assert profile["portfolio"] == {
        "banner": "profile/banner.webp",
        "commission_status": "open",
        "commission_note": "Two slots in June",
        "pinned_artwork_ids": [works[3].pk, works[0].pk],
        "sections": [
            {"title": "Harbour", "artwork_ids": [works[1].pk, works[2].pk]},
            {"title": "Forest", "artwork_ids": [works[4].pk]},
        ],
    }
    with transaction.atomic():
        files = user_tombstone(user_id=artist.pk)
    assert ("public", "banners/b.webp") in files and ("private", "p/x.png") in files
    artist.refresh_from_db()
    assert not artist.banner and not artist.commission_status and not artist.commission_note
    assert not PortfolioPin.objects.exists() and not PortfolioSection.objects.exists()
