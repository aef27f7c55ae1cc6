"""Full-resolution zoom (issue 17, item 5): the zoom copy the pipeline makes, and where its
address goes — the artwork page and the API, only while the artist allows it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from PIL import ExifTags, Image

import imaging
from gallery.models import Artwork, ArtworkImage, zoom_file_stem
from gallery.services import label_files, withdrawal
from gallery.services.artworks import artwork_relabel
from gallery.services.visibility import artwork_remove
from gallery.services.zoom import image_zoom_add, images_without_zoom
from gallery.storage import private_storage, withdrawn_name
from tests.api.clients import token_client
from tests.gallery.posting import jpeg_file

pytestmark = pytest.mark.django_db

ZOOM_ATTR = re.compile(r'data-lightbox-zoom="([^"]+)"')


def large_photo(size=(5000, 3000), *, gps: bool = True) -> bytes:
    """A noisy JPEG larger than the widest derivative, with camera and GPS EXIF."""
    width, height = size
    im = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.effect_noise((width // 8, height // 8), 60).resize(size),
        ),
    )
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "Secret Camera"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N",
                ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.0),
                ExifTags.GPS.GPSLongitudeRef: "E",
                ExifTags.GPS.GPSLongitude: (4.0, 53.0, 30.0),
            }
        )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def upload(client, artist, capture, data: bytes, title: str = "Harbour") -> Artwork:
    client.force_login(artist)
    with capture(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {
                "title": title,
                "medium": "drawing",
                "label": "human-made",
                "images": [jpeg_file(data)],
            },
        )
    assert response.status_code == 302, response.content[:2000]
    client.logout()
    artwork = Artwork.objects.filter(artist=artist).latest("pk")
    assert artwork.status == Artwork.Status.PUBLISHED, artwork.status_reason
    return artwork


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    return large_photo()


@pytest.fixture(scope="module")
def medium_jpeg() -> bytes:
    # Larger than the widest derivative (2048), smaller than the zoom edge (4096): quicker.
    return large_photo((3200, 2000))


@pytest.fixture
def zoomable(client, artist, django_capture_on_commit_callbacks, medium_jpeg) -> Artwork:
    return upload(client, artist, django_capture_on_commit_callbacks, medium_jpeg)


def allow_zoom(client, user, allowed: bool, capture) -> None:
    """Change the setting through the profile form, as the artist does."""
    client.force_login(user)
    form = {
        "display_name": user.display_name,
        "bio": user.bio,
        "feed_preference": user.feed_preference,
        "mature_preference": user.mature_preference,
        "links_text": "",
    }
    if user.ai_training_opt_out:
        form["ai_training_opt_out"] = "on"
    if allowed:
        form["allow_zoom"] = "on"
    with capture(execute=True):
        response = client.post(reverse("accounts:profile_edit"), form)
    assert response.status_code == 302, response.content[:3000]
    client.logout()
    user.refresh_from_db()
    assert user.allow_zoom is allowed


# --- imaging ------------------------------------------------------------------------------------


def test_zoom_size_is_bounded_by_edge_pixels_and_the_image_itself():
    widest = (2048, 1229)
    assert imaging.zoom_size((5000, 3000), edge=4096, max_pixels=10**8, above=widest) == (
        4096,
        2458,
    )
    # Never upscaled: a 3000 px image's zoom copy is the image's own size.
    assert imaging.zoom_size((3000, 2000), edge=4096, max_pixels=10**8, above=(2048, 1365)) == (
        3000,
        2000,
    )
    # Within the pixel limit, whatever the edge says.
    w, h = imaging.zoom_size((8000, 6000), edge=8000, max_pixels=6_000_000, above=(2048, 1536))
    assert w * h <= 6_000_000 and w > 2048
    # Nothing to gain over the widest derivative, or turned off: no copy.
    assert imaging.zoom_size((2048, 1000), edge=4096, max_pixels=10**8, above=(2048, 1000)) is None
    assert imaging.zoom_size((5000, 3000), edge=0, max_pixels=10**8, above=widest) is None
    # A tall strip whose full-width derivative is larger than the edge allows: none.
    assert imaging.zoom_size((800, 17000), edge=4096, max_pixels=10**8, above=(800, 17000)) is None
    # WebP's ceiling bounds the edge.
    assert max(imaging.zoom_size((40000, 100), edge=20000, max_pixels=10**8, above=(2048, 5))) == (
        imaging.WEBP_MAX_SIDE
    )


def test_render_makes_the_zoom_copy_without_any_metadata(big_jpeg):
    with Image.open(io.BytesIO(big_jpeg)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    rendered = imaging.render(io.BytesIO(big_jpeg), zoom_edge=4096, xmp=b"")

    zoom = rendered.zoom
    assert (zoom.width, zoom.height, zoom.format) == (4096, 2458, "webp")
    # The srcset sizes are what they always were: the copy is not one of them.
    assert max(d.width for d in rendered.derivatives) == 2048
    assert b"Secret Camera" not in zoom.data and b"Exif" not in zoom.data
    with Image.open(io.BytesIO(zoom.data)) as im:
        assert im.size == (4096, 2458)
        assert not im.getexif()
        assert "icc_profile" not in im.info and "xmp" not in im.info
    assert imaging.render_zoom(io.BytesIO(big_jpeg), zoom_edge=4096).width == 4096


def test_render_makes_no_zoom_copy_of_a_small_image_or_when_turned_off(big_jpeg):
    small = large_photo((1800, 1200), gps=False)
    assert imaging.render(io.BytesIO(small), zoom_edge=4096).zoom is None
    assert imaging.render_zoom(io.BytesIO(small), zoom_edge=4096) is None
    assert imaging.render(io.BytesIO(big_jpeg)).zoom is None


# --- the pipeline -------------------------------------------------------------------------------


def test_pipeline_stores_the_zoom_copy_under_a_secret_name_outside_the_srcset(zoomable):
    image = zoomable.images.get()
    zoom = image.zoom_derivative
    assert zoom is not None
    # Never upscaled: the image's own size, under the 4096 px edge.
    assert (zoom["width"], zoom["height"], zoom["format"]) == (3200, 2000, "webp")
    folder = f"art/{image.derivative_key}/"
    assert zoom["name"] == f"{folder}{zoom_file_stem(image.derivative_key, 3200)}.webp"
    # The name is not guessable from the public ones: a 24-character secret, no plain width.
    secret = zoom["name"].removeprefix(f"{folder}zoom-").split("-")[0]
    assert len(secret) == 24 and secret not in image.derivative_key
    assert zoom["label"] == image.public_derivatives[0]["label"]
    assert zoom["url"].endswith(zoom["name"])
    # Not in any srcset, not the lightbox's plain full-size image.
    assert zoom["name"] not in image.srcset() + image.srcset_jpeg + image.full_url()
    assert max(d["width"] for d in image.public_derivatives) == 2048
    with default_storage.open(zoom["name"], "rb") as fh:
        data = fh.read()
    assert b"Secret Camera" not in data and b"GPS" not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (3200, 2000) and not im.getexif()
    # The label packet, and nothing else, as in every derivative.
    assert b"DigitalSourceType" in data


@override_settings(ATELIER_ZOOM_MAX_EDGE=3000, ATELIER_MAX_PIXELS=12_000_000)
def test_pipeline_zoom_copy_follows_the_settings(
    client, artist, django_capture_on_commit_callbacks
):
    artwork = upload(
        client, artist, django_capture_on_commit_callbacks, large_photo((4200, 2800), gps=False)
    )
    zoom = artwork.images.get().zoom_derivative
    assert (zoom["width"], zoom["height"]) == (3000, 2000)


@override_settings(ATELIER_ZOOM_MAX_EDGE=0)
def test_pipeline_makes_no_zoom_copy_when_turned_off(
    client, artist, django_capture_on_commit_callbacks, medium_jpeg
):
    artwork = upload(client, artist, django_capture_on_commit_callbacks, medium_jpeg)
    assert artwork.images.get().zoom_derivative is None


def test_relabel_keeps_the_zoom_copys_name_secret(
    zoomable, moderator, django_capture_on_commit_callbacks
):
    image = zoomable.images.get()
    before = image.zoom_derivative["name"]
    with django_capture_on_commit_callbacks(execute=True):
        artwork_relabel(
            artwork=zoomable, to_label="ai-generated", by="moderator", actor=moderator, reason="x"
        )
    image.refresh_from_db()
    after = image.zoom_derivative
    stem = zoom_file_stem(image.derivative_key, 3200)
    assert after["name"] != before and after["name"].startswith(f"art/{image.derivative_key}/")
    assert after["name"].rsplit("/", 1)[-1].startswith(f"{stem}-{after['label']}.")
    assert not default_storage.exists(before)
    with default_storage.open(after["name"], "rb") as fh:
        assert b"trainedAlgorithmicMedia" in fh.read()


def test_removal_withdraws_the_zoom_copy_with_the_others(
    zoomable, moderator, django_capture_on_commit_callbacks
):
    image = zoomable.images.get()
    name = image.zoom_derivative["name"]
    assert name in withdrawal.owned_derivative_names(image)
    with django_capture_on_commit_callbacks(execute=True):
        artwork_remove(artwork_id=zoomable.pk, reason="test")
    assert not default_storage.exists(name)
    assert private_storage().exists(withdrawn_name(name))


# --- the page -----------------------------------------------------------------------------------


def test_page_links_the_zoom_copy_only_while_the_artist_allows_it(
    client, artist, zoomable, django_capture_on_commit_callbacks, django_assert_num_queries
):
    image = zoomable.images.get()
    zoom_name = image.zoom_derivative["name"]
    url = zoomable.get_absolute_url()

    page = client.get(url).content.decode()
    assert not ZOOM_ATTR.search(page)
    assert zoom_name.rsplit("/", 1)[-1] not in page
    assert zoom_file_stem(image.derivative_key, 3200) not in page
    with django_assert_num_queries(0):  # the whole page from the cache
        assert client.get(url).status_code == 200

    allow_zoom(client, artist, True, django_capture_on_commit_callbacks)
    page = client.get(url).content.decode()
    assert ZOOM_ATTR.findall(page) == [image.zoom_url()]
    assert 'data-lightbox-zoom-width="3200"' in page

    allow_zoom(client, artist, False, django_capture_on_commit_callbacks)
    page = client.get(url).content.decode()
    assert not ZOOM_ATTR.search(page)
    assert zoom_name.rsplit("/", 1)[-1] not in page


def test_page_queries_are_the_same_with_zoom_allowed(
    client, artist, zoomable, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = zoomable.get_absolute_url()
    # Cold and warm, as tests/gallery/test_page_cache.py counts them for any artwork page.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    allow_zoom(client, artist, True, django_capture_on_commit_callbacks)
    cache.clear()
    with django_assert_num_queries(7):
        assert ZOOM_ATTR.search(client.get(url).content.decode())
    with django_assert_num_queries(0):
        assert ZOOM_ATTR.search(client.get(url).content.decode())


def test_profile_form_explains_the_setting(client, artist):
    client.force_login(artist)
    page = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Let visitors zoom into my images at full resolution" in page
    assert "up to 4096 pixels" in page


# --- the API ------------------------------------------------------------------------------------


def test_api_detail_has_the_zoom_copy_only_while_the_artist_allows_it(
    client, artist, viewer, zoomable, django_capture_on_commit_callbacks
):
    api = token_client(viewer)
    detail = reverse("api:artwork", args=[zoomable.pk])
    body = api.get(detail).json()
    assert body["images"][0]["zoom"] is None
    names = [s["url"].rsplit("/", 1)[-1] for s in body["images"][0]["sources"]]
    assert not any(n.startswith("zoom-") for n in names)

    allow_zoom(client, artist, True, django_capture_on_commit_callbacks)
    body = api.get(detail).json()
    zoom = body["images"][0]["zoom"]
    assert zoom["width"] == 3200 and zoom["height"] == 2000 and zoom["format"] == "webp"
    assert zoom["url"].endswith(zoomable.images.get().zoom_derivative["name"])
    # Listings (cards) never carry it.
    listed = api.get("/api/v1/artworks/?show=all").json()["results"]
    assert "zoom" not in listed[0]["cover"]
    assert "zoom-" not in str(listed)
    # Anonymous callers get the same as members.
    anonymous = client.get(detail).json()
    assert anonymous["images"][0]["zoom"]["url"] == zoom["url"]


# --- images processed before zoom copies existed ------------------------------------------------


def _forget_zoom(image: ArtworkImage) -> str:
    name = image.zoom_derivative["name"]
    default_storage.delete(name)
    ArtworkImage.objects.filter(pk=image.pk).update(derivatives=image.public_derivatives)
    return name


def test_zoom_copy_is_made_for_an_older_image(zoomable):
    image = zoomable.images.get()
    name = _forget_zoom(image)
    assert list(images_without_zoom()) == [image]

    assert image_zoom_add(image_id=image.pk) is True
    image.refresh_from_db()
    assert image.zoom_derivative["name"] == name and default_storage.exists(name)
    assert list(images_without_zoom()) == []
    # Twice is once.
    assert image_zoom_add(image_id=image.pk) is False
    assert len(image.derivatives) == len(image.public_derivatives) + 1


def test_older_small_and_removed_images_are_left_alone(
    client, artist, moderator, zoomable, django_capture_on_commit_callbacks
):
    small = upload(
        client,
        artist,
        django_capture_on_commit_callbacks,
        large_photo((1600, 1000), gps=False),
        title="Small",
    )
    assert small.images.get().zoom_derivative is None
    assert image_zoom_add(image_id=small.images.get().pk) is False
    image = zoomable.images.get()
    _forget_zoom(image)
    with django_capture_on_commit_callbacks(execute=True):
        artwork_remove(artwork_id=zoomable.pk, reason="test")
    assert image_zoom_add(image_id=image.pk) is False
    assert list(images_without_zoom()) == []


def test_command_makes_the_missing_zoom_copies(zoomable, artist, capsys):
    image = zoomable.images.get()
    _forget_zoom(image)
    call_command("zoom_copies", "--allowed-only")
    assert "0 images without a zoom copy" in capsys.readouterr().out
    call_command("zoom_copies", "--artist", artist.handle)
    assert "Made 1 zoom copies of 1 images." in capsys.readouterr().out
    image.refresh_from_db()
    assert image.zoom_derivative is not None


def test_allowing_zoom_makes_the_older_images_copies_and_the_page_links_them(
    client, artist, zoomable, django_capture_on_commit_callbacks
):
    image = zoomable.images.get()
    _forget_zoom(image)
    url = zoomable.get_absolute_url()
    assert not ZOOM_ATTR.search(client.get(url).content.decode())

    allow_zoom(client, artist, True, django_capture_on_commit_callbacks)

    image.refresh_from_db()
    assert image.zoom_derivative is not None
    assert ZOOM_ATTR.findall(client.get(url).content.decode()) == [image.zoom_url()]


def test_label_rewrite_needs_nothing_new_for_the_zoom_copy(zoomable):
    # The copy carries the current packet like the others: a rewrite has nothing to do.
    assert label_files.derivatives_rewrite_label(artwork_id=zoomable.pk) == 0
