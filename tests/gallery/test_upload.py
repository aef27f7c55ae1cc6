"""Upload validation, storage, the pipeline's effects and who may do what."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from gallery.models import Artwork, ArtworkImage, LabelChange, UploadKey
from gallery.services import pipeline
from gallery.tasks import process_image
from tests.api.clients import token_client
from tests.factories import image_bytes, many_scan_jpeg

pytestmark = pytest.mark.django_db


def _files_under(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, files, *, label="human-made", process=(), **extra):
    data = {
        "title": "Harbour",
        "description": "Ink and wash.",
        "medium": "drawing",
        "tags": "Sea, harbour",
        "label": label,
        "images": files,
        "process_images": list(process),
        **extra,
    }
    return client.post(reverse("gallery:upload"), data)


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Post an upload and run what the commit enqueues (the eager tasks), like production."""

    def run(client, files, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return _post(client, files, **kwargs)

    return run


def _jpeg(name="art.jpg", **kwargs):
    return SimpleUploadedFile(name, image_bytes("JPEG", **kwargs), content_type="image/jpeg")


REJECTED = [
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("page.png", b"<!doctype html><html><body>hi</body></html>"),
    ("doc.jpg", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
    ("scan.jpg", b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64),
    ("old.png", b"BM" + b"\x00" * 64),
    ("icon.png", b"\x00\x00\x01\x00\x01\x00\x10\x10" + b"\x00" * 64),
    ("vector.jpg", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"),
    ("notes.png", b"just some text renamed to look like an image"),
    ("empty.jpg", b""),
]


@pytest.mark.parametrize(("name", "content"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_file_names_file_and_reason_and_stores_nothing(
    client, artist, name, content, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, [upload])
    assert response.status_code == 400
    errors = response.context["file_errors"]
    assert len(errors) == 1 and errors[0].startswith(f"{name}: ")
    assert not Artwork.objects.exists()
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []
    assert callbacks == []


def test_one_bad_file_among_good_ones_rejects_the_whole_post(client, artist):
    client.force_login(artist)
    response = _post(client, [_jpeg("good.jpg"), SimpleUploadedFile("bad.gif", b"GIF89a\x01")])
    assert response.status_code == 400
    assert [e.split(":")[0] for e in response.context["file_errors"]] == ["bad.gif"]
    assert not ArtworkImage.objects.exists()


def test_truncated_jpeg_is_accepted_then_fails_in_the_worker_with_a_reason(client, artist, publish):
    # The request reads headers only; finding the missing half is the worker's decode.
    client.force_login(artist)
    data = image_bytes("JPEG", size=(400, 300))
    response = publish(client, [SimpleUploadedFile("cut.jpg", data[: len(data) // 2])])
    assert response.status_code == 302
    artwork = Artwork.objects.get()
    image = artwork.images.get()
    assert artwork.status == Artwork.Status.FAILED
    assert "could not read this image" in artwork.status_reason
    assert "damaged or incomplete" in artwork.status_reason
    assert image.state == ArtworkImage.State.FAILED and image.derivatives == []
    page = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    assert "damaged or incomplete" in page


@pytest.fixture
def forbid_decoding(monkeypatch):
    """Call it once the test's files are built: from then on every Pillow decode fails."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded during the request")

    return lambda: monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


SCANS_REFUSED = "is a JPEG with more than 100 scans"


def test_many_scan_jpeg_is_refused_by_the_form_without_a_pixel_decode(
    client, artist, forbid_decoding, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    upload = SimpleUploadedFile("scans.jpg", many_scan_jpeg(), content_type="image/jpeg")
    forbid_decoding()
    with django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, [upload])
    assert response.status_code == 400
    assert response.context["file_errors"] == [
        f"scans.jpg: {SCANS_REFUSED}, far more than any camera or editor writes; save it again "
        "as an ordinary JPEG or PNG"
    ]
    assert SCANS_REFUSED in response.content.decode()
    assert not Artwork.objects.exists()
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []
    assert callbacks == []


def test_many_scan_jpeg_is_refused_by_the_api_without_a_pixel_decode(artist, forbid_decoding):
    api = token_client(artist)
    upload = SimpleUploadedFile("scans.jpg", many_scan_jpeg(), content_type="image/jpeg")
    forbid_decoding()
    response = api.post(
        "/api/v1/artworks/",
        {"title": "Scans", "medium": "drawing", "label": "human-made", "images": [upload]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["images"][0].startswith(f"scans.jpg: {SCANS_REFUSED}")
    assert not Artwork.objects.exists()
    assert _files_under(settings.PRIVATE_MEDIA_ROOT) == []


def test_upload_attempts_are_limited_refused_ones_included(client, artist, settings):
    settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = 3
    client.force_login(artist)
    assert _post(client, [SimpleUploadedFile("a.jpg", b"not an image")]).status_code == 400
    assert _post(client, [SimpleUploadedFile("b.jpg", many_scan_jpeg())]).status_code == 400
    assert _post(client, [_jpeg()]).status_code == 302
    fourth = _post(client, [_jpeg()])
    assert fourth.status_code == 429
    message = fourth.context["file_errors"][0]
    assert message.startswith("You have tried to upload more than 3 times this hour.")
    assert re.search(r"try again in \d+ minutes?\.$", message)
    assert 1 <= int(fourth["Retry-After"]) <= 3600
    assert message in fourth.content.decode()
    assert Artwork.objects.count() == 1
    # The API shares the count: the same member is refused there too, with Retry-After.
    api = token_client(artist)
    response = api.post(
        "/api/v1/artworks/",
        {"title": "x", "medium": "drawing", "label": "human-made", "images": [_jpeg()]},
        format="multipart",
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response.json()["detail"].startswith("You have tried to upload more than 3 times")
    assert Artwork.objects.count() == 1


def test_upload_attempts_are_counted_per_member(client, artist, other_artist, settings):
    settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = 1
    client.force_login(artist)
    assert _post(client, [_jpeg()]).status_code == 302
    assert _post(client, [_jpeg()]).status_code == 429
    client.force_login(other_artist)
    assert _post(client, [_jpeg()]).status_code == 302


def test_file_over_the_size_limit_is_rejected(client, artist, settings):
    settings.ATELIER_MAX_UPLOAD_BYTES = 2048
    client.force_login(artist)
    big = _jpeg("big.jpg", size=(600, 600), quality=100)
    response = _post(client, [big])
    assert response.status_code == 400
    assert "big.jpg" in response.context["file_errors"][0]
    assert not Artwork.objects.exists()


def test_image_over_the_pixel_limit_is_rejected_before_decoding(client, artist, settings):
    settings.ATELIER_MAX_PIXELS = 100 * 100
    client.force_login(artist)
    response = _post(client, [_jpeg("huge.jpg", size=(200, 200))])
    assert response.status_code == 400
    assert "huge.jpg" in response.context["file_errors"][0]


def test_animation_over_the_frame_cap_is_rejected(client, artist, settings):
    settings.ATELIER_MAX_FRAMES = 3
    frames = [Image.new("RGB", (20, 20), (i * 40, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50)
    client.force_login(artist)
    response = _post(client, [SimpleUploadedFile("anim.gif", out.getvalue())])
    assert response.status_code == 400
    assert "anim.gif" in response.context["file_errors"][0]


def test_missing_title_and_label_show_inline_errors(client, artist):
    client.force_login(artist)
    response = client.post(reverse("gallery:upload"), {"images": [_jpeg()]})
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors and "label" in form.errors
    assert not Artwork.objects.exists()


def test_ai_assisted_needs_the_stages(client, artist):
    client.force_login(artist)
    response = _post(client, [_jpeg()], label="ai-assisted")
    assert response.status_code == 400
    assert "ai_stages" in response.context["form"].errors


def test_ai_generated_refused_when_the_site_does_not_accept_it(client, artist, settings):
    settings.ATELIER_ALLOW_AI_GENERATED = False
    client.force_login(artist)
    response = _post(client, [_jpeg()], label="ai-generated")
    assert response.status_code == 400
    assert not Artwork.objects.exists()


def test_upload_stores_private_original_under_server_name_and_enqueues_on_commit(
    client, artist, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    upload = SimpleUploadedFile("../../My Secret Name.jpg", image_bytes("JPEG", size=(900, 600)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, [upload], process=[_jpeg("wip.jpg")])
    artwork = Artwork.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:artwork_status", args=[artwork.pk])
    assert artwork.status == Artwork.Status.PROCESSING
    images = list(artwork.images.order_by("kind"))
    assert [i.kind for i in images] == ["final", "process"]
    for image in images:
        assert "Secret" not in image.original.name and ".." not in image.original.name
        assert image.original.name.startswith("originals/")
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / image.original.name).exists()
        assert len(image.sha256) == 64
    assert _files_under(settings.MEDIA_ROOT) == []
    # One processing task per image (plus the search index refresh), and only after the commit.
    assert len(callbacks) == 3
    assert sorted(t.name for t in artwork.tags.all()) == ["Sea", "harbour"]


def test_upload_is_published_with_derivatives_and_label_history(client, artist, publish):
    client.force_login(artist)
    response = publish(client, [_jpeg(size=(1500, 1000))])
    assert response.status_code == 302
    artwork = Artwork.objects.get()
    assert artwork.status == Artwork.Status.PUBLISHED and artwork.published_at
    image = artwork.images.get()
    assert image.state == ArtworkImage.State.READY
    widths = sorted({d["width"] for d in image.derivatives})
    assert widths == [320, 640, 1280, 1500]
    assert {d["format"] for d in image.derivatives} == {"webp", "jpeg"}
    for d in image.derivatives:
        assert (Path(settings.MEDIA_ROOT) / d["name"]).exists()
    assert image.phash and image.placeholder.startswith("#")
    history = list(artwork.label_changes.all())
    assert [(h.from_label, h.to_label, h.by) for h in history] == [("", "human-made", "artist")]
    status_page = client.get(reverse("gallery:artwork_status", args=[artwork.pk]))
    assert "Published." in status_page.content.decode()


@pytest.mark.parametrize(
    ("size", "widest"),
    [((800, 17000), (800, 17000)), ((1, 100_000), (1, 65500)), ((100_000, 1), (2048, 1))],
    ids=["webtoon-strip", "1x100000", "100000x1"],
)
def test_tall_and_wide_images_publish(client, artist, publish, size, widest):
    strip = Image.linear_gradient("L").resize(size)
    out = io.BytesIO()
    strip.save(out, "PNG")
    client.force_login(artist)
    assert publish(client, [SimpleUploadedFile("strip.png", out.getvalue())]).status_code == 302
    artwork = Artwork.objects.get()
    image = artwork.images.get()
    assert artwork.status == Artwork.Status.PUBLISHED, artwork.status_reason
    assert (image.width, image.height) == size
    # The srcset's copies (the zoom copy, WebP only, is never in a srcset).
    public = image.public_derivatives
    jpegs = [(d["width"], d["height"]) for d in public if d["format"] == "jpeg"]
    assert max(jpegs) == widest
    for d in image.derivatives:
        assert (Path(settings.MEDIA_ROOT) / d["name"]).exists()
        assert d["format"] == "jpeg" or max(d["width"], d["height"]) <= 16383
    # Where some sizes have no WebP the pages serve the JPEG srcset alone, and the lightbox
    # opens the widest size whatever its format.
    widest_jpeg = next(d for d in public if (d["width"], d["height"]) == widest)
    assert image.full_url().endswith(widest_jpeg["name"])
    page = client.get(artwork.get_absolute_url()).content.decode()
    has_every_webp = {d["width"] for d in public if d["format"] == "webp"} == {w for w, _h in jpegs}
    assert ('type="image/webp"' in page) is has_every_webp
    assert image.srcset_jpeg.count("w,") == len(jpegs) - 1


def test_public_derivatives_carry_no_gps_or_metadata(client, artist, publish):
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x8825] = {2: (51.0, 30.0, 0.0), 1: "N"}  # GPSInfo
    source = io.BytesIO()
    Image.new("RGB", (700, 500), (10, 120, 200)).save(source, "JPEG", exif=exif.tobytes())
    client.force_login(artist)
    publish(client, [SimpleUploadedFile("gps.jpg", source.getvalue())])
    image = ArtworkImage.objects.get()
    assert image.derivatives
    for d in image.derivatives:
        data = (Path(settings.MEDIA_ROOT) / d["name"]).read_bytes()
        assert b"Exif" not in data and b"Canon" not in data
        with Image.open(io.BytesIO(data)) as im:
            assert not im.getexif()


def test_task_run_twice_makes_one_set_of_derivatives(client, artist, publish):
    client.force_login(artist)
    publish(client, [_jpeg(size=(800, 600))])
    image = ArtworkImage.objects.get()
    before = sorted(_files_under(settings.MEDIA_ROOT))
    ArtworkImage.objects.filter(pk=image.pk).update(state=ArtworkImage.State.PROCESSING)
    process_image.apply(args=[image.pk])
    process_image.apply(args=[image.pk])
    assert sorted(_files_under(settings.MEDIA_ROOT)) == before
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.READY
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED


def test_unreadable_image_fails_with_a_reason_and_retry_requeues(
    client, artist, publish, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    publish(client, [_jpeg(size=(300, 200))])
    image = ArtworkImage.objects.get()
    artwork = image.artwork
    # Damage the stored original, then reprocess: the artist must see why, and keep the file.
    Artwork.objects.filter(pk=artwork.pk).update(status="processing", published_at=None)
    ArtworkImage.objects.filter(pk=image.pk).update(state="pending")
    path = Path(settings.PRIVATE_MEDIA_ROOT) / image.original.name
    path.write_bytes(b"garbage")
    process_image.apply(args=[image.pk])
    artwork.refresh_from_db()
    image.refresh_from_db()
    assert artwork.status == Artwork.Status.FAILED
    assert "could not read this image" in artwork.status_reason
    assert image.state == ArtworkImage.State.FAILED and path.exists()
    page = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    assert "Processing failed." in page and "Retry" in page

    path.write_bytes(image_bytes("JPEG", size=(300, 200)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gallery:artwork_retry", args=[artwork.pk]))
    assert response.status_code == 302
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED


def test_sweeper_requeues_a_stuck_image(client, artist, django_capture_on_commit_callbacks):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=False):
        _post(client, [_jpeg()])  # the task is never run: a lost message
    image = ArtworkImage.objects.get()
    assert image.state == ArtworkImage.State.PENDING
    assert pipeline.images_sweep_stuck() == 0  # not old enough yet
    ArtworkImage.objects.filter(pk=image.pk).update(
        state_changed_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert pipeline.images_sweep_stuck() == 1
    assert callbacks, "the re-enqueue waits for the commit"
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.READY and image.attempts == 1
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED


def test_sweeper_fails_an_image_that_keeps_getting_stuck(artist, client, publish):
    client.force_login(artist)
    publish(client, [_jpeg()])
    image = ArtworkImage.objects.get()
    Artwork.objects.filter(pk=image.artwork_id).update(status="processing", published_at=None)
    ArtworkImage.objects.filter(pk=image.pk).update(
        state="processing",
        attempts=pipeline.MAX_ATTEMPTS,
        state_changed_at=timezone.now() - timedelta(hours=1),
    )
    assert pipeline.images_sweep_stuck() == 0
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.FAILED
    assert Artwork.objects.get().status == Artwork.Status.FAILED


@pytest.fixture
def uploaded(client, artist, publish):
    client.force_login(artist)
    publish(client, [_jpeg()])
    client.logout()
    return ArtworkImage.objects.get()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("viewer", 404),
        ("other_artist", 404),
        ("trusted_reviewer", 404),
        ("suspended_user", 404),
        ("artist", 200),
        ("moderator", 200),
    ],
)
def test_only_owner_and_moderators_fetch_the_original(client, request, uploaded, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("gallery:original", args=[uploaded.pk]))
    assert response.status_code == status
    if status == 200:
        data = b"".join(response.streaming_content)
        assert data == (Path(settings.PRIVATE_MEDIA_ROOT) / uploaded.original.name).read_bytes()
        assert response["Cache-Control"] == "private, no-store"


def test_originals_are_not_under_the_public_media_url(client, uploaded):
    response = client.get(settings.MEDIA_URL + uploaded.original.name)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("unverified_user", 302), ("suspended_user", 403), ("viewer", 200)],
)
def test_who_may_open_the_upload_page(client, request, who, expected):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("gallery:upload")).status_code == expected


def test_per_user_rate_limit(client, artist, settings, publish):
    settings.ATELIER_UPLOADS_PER_HOUR = 2
    client.force_login(artist)
    assert publish(client, [_jpeg()]).status_code == 302
    assert publish(client, [_jpeg()]).status_code == 302
    third = publish(client, [_jpeg()])
    assert third.status_code == 400
    assert "in the last hour" in third.context["file_errors"][0]
    assert Artwork.objects.count() == 2


def test_storage_quota(client, artist, settings):
    settings.ATELIER_STORAGE_QUOTA_BYTES = 1500
    client.force_login(artist)
    response = _post(client, [_jpeg(size=(300, 300), quality=95)])
    assert response.status_code == 400
    assert "storage quota" in response.context["file_errors"][0]


def test_edit_records_label_change_in_history(client, artist, uploaded):
    client.force_login(artist)
    artwork = uploaded.artwork
    response = client.post(
        reverse("gallery:artwork_edit", args=[artwork.pk]),
        {
            "title": "Harbour (revised)",
            "medium": "drawing",
            "tags": "sea",
            "label": "ai-assisted",
            "ai_stages": ["reference", "upscaling"],
            "reason": "I used an AI reference board.",
            f"alt_{uploaded.pk}": "Boats at dusk",
        },
    )
    assert response.status_code == 302
    artwork.refresh_from_db()
    uploaded.refresh_from_db()
    assert artwork.label == "ai-assisted" and artwork.ai_minor_only
    assert uploaded.alt_text == "Boats at dusk"
    last = LabelChange.objects.filter(artwork=artwork).last()
    assert (last.from_label, last.to_label, last.by) == ("human-made", "ai-assisted", "artist")
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "I used an AI reference board." in page


@pytest.mark.parametrize("who", ["anonymous", "viewer", "other_artist", "moderator"])
def test_only_the_owner_edits_or_deletes(client, request, uploaded, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    artwork = uploaded.artwork
    edit = client.post(reverse("gallery:artwork_edit", args=[artwork.pk]), {"title": "x"})
    delete = client.post(reverse("gallery:artwork_delete", args=[artwork.pk]))
    assert edit.status_code in (302, 404) and delete.status_code in (302, 404)
    if who != "anonymous":
        assert edit.status_code == 404 and delete.status_code == 404
    artwork.refresh_from_db()
    assert artwork.title == "Harbour"


def test_delete_removes_files_after_commit(
    client, artist, uploaded, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    artwork = uploaded.artwork
    original = Path(settings.PRIVATE_MEDIA_ROOT) / uploaded.original.name
    assert original.exists() and _files_under(settings.MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("gallery:artwork_delete", args=[artwork.pk]))
    assert response.status_code == 302
    assert original.exists(), "files must outlive a transaction that might still roll back"
    for callback in callbacks:
        callback()
    assert not original.exists()
    assert _files_under(settings.MEDIA_ROOT) == []
    assert not Artwork.objects.exists()


def test_processing_page_is_private_to_the_owner(client, uploaded, viewer):
    client.force_login(viewer)
    assert (
        client.get(reverse("gallery:artwork_status", args=[uploaded.artwork_id])).status_code == 404
    )


def test_unpublished_artwork_is_hidden_from_others(client, uploaded, viewer):
    Artwork.objects.filter(pk=uploaded.artwork_id).update(status="processing", published_at=None)
    client.force_login(viewer)
    assert client.get(f"/artworks/{uploaded.artwork_id}/x/").status_code == 404


def test_media_dir_settings_are_per_worker():
    assert str(os.getpid()) in str(settings.MEDIA_ROOT)


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_make_exactly_the_hourly_limit_of_posts(artist, settings):
    """Real threads, each its own PostgreSQL connection, posting through the upload form."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    settings.ATELIER_UPLOADS_PER_HOUR = 3
    attempts = 8
    data = image_bytes("JPEG", size=(64, 48))
    clients = [Client() for _ in range(attempts)]
    for each in clients:
        each.force_login(artist)
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def upload(each: Client) -> None:
        try:
            barrier.wait(timeout=30)
            statuses.append(_post(each, [SimpleUploadedFile("a.jpg", data)]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [302] * 3 + [400] * (attempts - 3)
    assert Artwork.objects.filter(artist=artist).count() == 3
    # The refused uploads' originals were removed again: one original per stored image.
    assert len(_files_under(settings.PRIVATE_MEDIA_ROOT)) == ArtworkImage.objects.count() == 3


# Idempotency keys (issue 13, point 2): one post per form render or Idempotency-Key header.


def _form_key(client) -> str:
    """The key the upload page rendered into its form, as a browser would send it back."""
    html = client.get(reverse("gallery:upload")).content.decode()
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match, "the upload form carries no idempotency key"
    return match.group(1)


def test_each_render_of_the_upload_form_carries_a_fresh_key(client, artist):
    client.force_login(artist)
    assert _form_key(client) != _form_key(client)


def test_the_same_form_posted_twice_makes_one_post_and_leads_back_to_it(client, artist):
    client.force_login(artist)
    key = _form_key(client)
    first = _post(client, [_jpeg()], idempotency_key=key)
    artwork = Artwork.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("gallery:artwork_status", args=[artwork.pk])

    again = _post(client, [_jpeg()], idempotency_key=key, title="Harbour, once more")
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Artwork.objects.count() == 1 and ArtworkImage.objects.count() == 1
    # The replay stored no second original either.
    assert len(_files_under(settings.PRIVATE_MEDIA_ROOT)) == 1
    page = client.get(again["Location"]).content.decode()
    assert "You already posted this form" in page

    # A fresh render is a fresh post.
    assert _post(client, [_jpeg()], idempotency_key=_form_key(client)).status_code == 302
    assert Artwork.objects.count() == 2


def test_a_key_spent_by_one_member_is_not_spent_for_another(client, artist, other_artist):
    client.force_login(artist)
    key = _form_key(client)
    assert _post(client, [_jpeg()], idempotency_key=key).status_code == 302
    client.force_login(other_artist)
    assert _post(client, [_jpeg()], idempotency_key=key).status_code == 302
    assert Artwork.objects.filter(artist=other_artist).count() == 1


def test_a_refused_upload_does_not_spend_its_key(client, artist):
    client.force_login(artist)
    key = _form_key(client)
    refused = _post(client, [SimpleUploadedFile("notes.jpg", b"not an image")], idempotency_key=key)
    assert refused.status_code == 400
    # The re-rendered form keeps the same key, so fixing the file and posting still works once.
    assert f'value="{key}"' in refused.content.decode()
    assert _post(client, [_jpeg()], idempotency_key=key).status_code == 302
    assert Artwork.objects.count() == 1


@pytest.mark.parametrize("key", ["made-up", "a:b:c"])
def test_a_key_the_site_did_not_issue_is_refused(client, artist, key):
    client.force_login(artist)
    response = _post(client, [_jpeg()], idempotency_key=key)
    assert response.status_code == 400
    assert "This form is damaged" in response.content.decode()
    assert not Artwork.objects.exists()


def test_a_form_older_than_a_day_asks_for_a_reload(client, artist, monkeypatch):
    client.force_login(artist)
    # Render the form as if 25 hours ago: Django's signer stamps that time into the key.
    stamp = signing.b62_encode(int(time.time()) - 25 * 3600)
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: stamp)
        key = _form_key(client)
    response = _post(client, [_jpeg()], idempotency_key=key)
    assert response.status_code == 400
    assert "more than a day old" in response.content.decode()
    assert not Artwork.objects.exists()


def test_api_idempotency_key_header_answers_a_replay_with_the_first_post(artist):
    api = token_client(artist)
    fields = {"title": "Harbour", "medium": "drawing", "label": "human-made"}
    first = api.post(
        "/api/v1/artworks/",
        {**fields, "images": [_jpeg()]},
        format="multipart",
        headers={"Idempotency-Key": "order-42"},
    )
    assert first.status_code == 201
    again = api.post(
        "/api/v1/artworks/",
        {**fields, "images": [_jpeg()]},
        format="multipart",
        headers={"Idempotency-Key": "order-42"},
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Artwork.objects.count() == 1
    # Without the header every request posts, as before.
    other = api.post("/api/v1/artworks/", {**fields, "images": [_jpeg()]}, format="multipart")
    assert other.status_code == 201
    assert Artwork.objects.count() == 2


def test_api_refuses_an_unusable_idempotency_key(artist):
    api = token_client(artist)
    response = api.post(
        "/api/v1/artworks/",
        {"title": "Harbour", "medium": "drawing", "label": "human-made", "images": [_jpeg()]},
        format="multipart",
        headers={"Idempotency-Key": "x" * 256},
    )
    assert response.status_code == 400
    assert "idempotency_key" in response.json()["errors"]
    assert not Artwork.objects.exists()


def test_a_key_older_than_a_day_is_forgotten(artist):
    api = token_client(artist)
    fields = {"title": "Harbour", "medium": "drawing", "label": "human-made"}
    headers = {"Idempotency-Key": "daily-1"}
    assert (
        api.post(
            "/api/v1/artworks/",
            {**fields, "images": [_jpeg()]},
            format="multipart",
            headers=headers,
        ).status_code
        == 201
    )
    UploadKey.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    again = api.post(
        "/api/v1/artworks/", {**fields, "images": [_jpeg()]}, format="multipart", headers=headers
    )
    assert again.status_code == 201
    assert Artwork.objects.count() == 2
    # The expired record was purged when the key was spent again: one row, the new post's.
    assert list(UploadKey.objects.values_list("artwork_id", flat=True)) == [again.json()["id"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["site", "api"])
def test_concurrent_posts_with_one_key_make_one_post(artist, via):
    """Real threads, each its own PostgreSQL connection: a double click reaching two workers."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    attempts = 4
    data = image_bytes("JPEG", size=(64, 48))
    if via == "site":
        login = Client()
        login.force_login(artist)
        key = _form_key(login)
        clients = [Client() for _ in range(attempts)]
        for each in clients:
            each.force_login(artist)
    else:
        key = "double-click"
        clients = [token_client(artist) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []

    def upload(each) -> None:
        try:
            barrier.wait(timeout=30)
            files = [SimpleUploadedFile("a.jpg", data, content_type="image/jpeg")]
            if via == "site":
                response = _post(each, files, idempotency_key=key)
            else:
                response = each.post(
                    "/api/v1/artworks/",
                    {
                        "title": "Harbour",
                        "medium": "drawing",
                        "label": "human-made",
                        "images": files,
                    },
                    format="multipart",
                    headers={"Idempotency-Key": key},
                )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Artwork.objects.filter(artist=artist).count() == 1
    assert UploadKey.objects.filter(member=artist, key=key).count() == 1
    expected = [302] * attempts if via == "site" else sorted([201] + [200] * (attempts - 1))
    assert sorted(statuses) == expected
    # The losers' originals were removed again: one original for the one post.
    assert len(_files_under(settings.PRIVATE_MEDIA_ROOT)) == ArtworkImage.objects.count() == 1
