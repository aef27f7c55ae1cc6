"""Avatars: probed in the request, rendered in the worker, limited like every upload."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from accounts.models import User
from accounts.tasks import render_avatar
from tests.factories import assert_lost_render_is_swept, image_bytes, many_scan_jpeg

pytestmark = pytest.mark.django_db

PROFILE = {"display_name": "Ana", "feed_preference": "human"}


def _post_avatar(client, content: bytes, name: str = "me.png", **extra):
    upload = SimpleUploadedFile(name, content, "image/png")
    return client.post(
        reverse("accounts:profile_edit"), {**PROFILE, "avatar_file": upload, **extra}
    )


def _files(root) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def with_avatar(client, artist, django_capture_on_commit_callbacks):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client, image_bytes("PNG", (300, 300), color=(10, 200, 10)))
    artist.refresh_from_db()
    assert artist.avatar
    return artist


@pytest.fixture
def forbid_decoding(monkeypatch):
    """Call it once the test's files are built: from then on every Pillow decode fails."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded during the request")

    return lambda: monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_new_avatar_waits_for_the_worker_and_the_old_one_stays_until_ready(
    client, with_avatar, django_capture_on_commit_callbacks, forbid_decoding, monkeypatch
):
    artist = with_avatar
    old = artist.avatar.name
    data = image_bytes("PNG", (900, 600), color=(200, 10, 10))
    forbid_decoding()  # the request must not decode; the worker (run below) does
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post_avatar(client, data, name="../../evil.png")
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.avatar.name == old
    assert artist.avatar_pending.startswith("avatars-pending/")
    assert "evil" not in artist.avatar_pending and artist.avatar_pending.endswith(".png")
    raw = Path(settings.PRIVATE_MEDIA_ROOT) / artist.avatar_pending
    assert raw.read_bytes() == data
    assert not (Path(settings.MEDIA_ROOT) / artist.avatar_pending).exists()
    page = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Your new avatar is being processed" in page

    pending = artist.avatar_pending
    monkeypatch.undo()  # the worker decodes
    with django_capture_on_commit_callbacks(execute=True):  # and deletes files on its commit
        for callback in callbacks:
            callback()
    artist.refresh_from_db()
    assert artist.avatar_pending == "" and artist.avatar_error == ""
    assert artist.avatar.name != old and artist.avatar.name.startswith("avatars/")
    with artist.avatar.open("rb") as fh:
        saved = Image.open(fh)
        assert saved.format == "WEBP" and saved.size == (256, 256)
        assert saved.convert("RGB").getpixel((128, 128)) == pytest.approx((200, 10, 10), abs=8)
    assert not (Path(settings.MEDIA_ROOT) / old).exists()
    assert not raw.exists()
    # Run twice (a redelivery): the upload is no longer waiting, so nothing changes.
    render_avatar.apply(args=[artist.pk, pending])
    assert User.objects.get(pk=artist.pk).avatar.name == artist.avatar.name


def test_many_scan_jpeg_avatar_is_refused_in_the_request_without_a_decode(
    client, artist, forbid_decoding
):
    client.force_login(artist)
    data = many_scan_jpeg()
    forbid_decoding()
    response = _post_avatar(client, data, name="me.jpg")
    assert response.status_code == 400
    assert "The avatar is a JPEG with more than 100 scans" in response.content.decode()
    artist.refresh_from_db()
    assert not artist.avatar and not artist.avatar_pending
    assert _files(settings.PRIVATE_MEDIA_ROOT) == [] and _files(settings.MEDIA_ROOT) == []


def test_damaged_avatar_fails_in_the_worker_with_a_reason_and_keeps_the_old_one(
    client, with_avatar, django_capture_on_commit_callbacks
):
    artist = with_avatar
    old = artist.avatar.name
    data = image_bytes("JPEG", (400, 400))
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_avatar(client, data[: len(data) // 2], name="cut.jpg")
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.avatar.name == old and artist.avatar_pending == ""
    assert artist.avatar_error == "The avatar is damaged or incomplete."
    page = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Your new avatar could not be used: The avatar is damaged or incomplete." in page
    assert _files(settings.PRIVATE_MEDIA_ROOT) == []  # the raw upload is gone
    assert (Path(settings.MEDIA_ROOT) / old).exists()


def test_suspended_member_may_remove_but_not_upload_an_avatar(
    client, suspended_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspended_user.avatar.save("old.webp", SimpleUploadedFile("x", b"x"))
    client.force_login(suspended_user)
    page = client.get(reverse("accounts:profile_edit"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "you cannot upload a new avatar until then" in html
    assert 'name="avatar_file"' in html and "disabled" in html
    response = _post_avatar(client, image_bytes("PNG", (64, 64)))
    assert response.status_code == 400
    assert "you cannot upload a new avatar until then" in response.content.decode()
    suspended_user.refresh_from_db()
    assert suspended_user.avatar.name == "avatars/old.webp" and not suspended_user.avatar_pending
    assert _files(settings.PRIVATE_MEDIA_ROOT) == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile_edit"), {**PROFILE, "remove_avatar": "on"})
    assert response.status_code == 302
    suspended_user.refresh_from_db()
    assert not suspended_user.avatar
    assert not (Path(settings.MEDIA_ROOT) / "avatars/old.webp").exists()


def test_avatar_and_artwork_uploads_share_the_attempt_limit(client, artist, settings):
    settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = 2
    client.force_login(artist)
    assert _post_avatar(client, b"<svg/>").status_code == 400  # refused: still an attempt
    post = {"title": "t", "medium": "drawing", "label": "human-made"}
    artwork = SimpleUploadedFile("a.jpg", image_bytes("JPEG"))
    assert client.post(reverse("gallery:upload"), {**post, "images": [artwork]}).status_code == 302
    response = _post_avatar(client, image_bytes("PNG", (64, 64)))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "You have tried to upload more than 2 times this hour." in response.content.decode()
    artist.refresh_from_db()
    assert not artist.avatar_pending and not artist.avatar


def test_a_newer_upload_supersedes_a_waiting_one(
    client, artist, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=False):
        _post_avatar(client, image_bytes("PNG", (64, 64), color=(0, 0, 255)))
    first = User.objects.get(pk=artist.pk).avatar_pending
    with django_capture_on_commit_callbacks(execute=True):
        _post_avatar(client, image_bytes("PNG", (64, 64), color=(255, 0, 0)))
    artist.refresh_from_db()
    assert artist.avatar and not artist.avatar_pending
    render_avatar.apply(args=[artist.pk, first])  # the first upload's late task: skipped
    assert User.objects.get(pk=artist.pk).avatar.name == artist.avatar.name
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / first).exists()
    assert len(_files(settings.MEDIA_ROOT)) == 1


def test_accounts_never_imports_gallery():
    # Apps import one way (accounts <- gallery <- moderation): avatars use the imaging package.
    for path in Path(settings.BASE_DIR, "accounts").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] in ("gallery", "moderation")], path


def test_an_avatar_whose_task_was_lost_is_finished_by_the_sweep(client, artist):
    from accounts.services import AVATAR_FAILED_LOST, avatars_sweep_pending

    client.force_login(artist)
    # The on-commit enqueue never runs (no capture): the render task is "lost".
    _post_avatar(client, image_bytes("PNG", (300, 300), color=(10, 10, 200)))
    artist.refresh_from_db()
    assert artist.avatar_pending and not artist.avatar
    assert_lost_render_is_swept(
        artist, field="avatar", sweep=avatars_sweep_pending, lost_error=AVATAR_FAILED_LOST
    )
