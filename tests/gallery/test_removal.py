"""A removed or deleted post's images leave public storage; a hidden post's stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from config.urls_abs import site_base
from gallery.models import Artwork, ArtworkImage, FileDeletion
from gallery.services.artworks import artwork_delete
from gallery.services.visibility import artwork_remove
from gallery.services.withdrawal import public_files_settle, public_files_sweep
from gallery.tasks import sweep_public_files
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from tests.factories import ModeratorFactory, image_bytes

pytestmark = pytest.mark.django_db

# What the test purge hook was called with, one list per call.
purge_calls: list[list[str]] = []


def record_purge(urls: list[str]) -> None:
    """The CDN purge hook under test (ATELIER_CDN_PURGE_HOOK points here)."""
    purge_calls.append(list(urls))


def failing_purge(urls: list[str]) -> None:
    raise ConnectionError("CDN API unreachable")


@pytest.fixture(autouse=True)
def purge_hook(settings):
    purge_calls.clear()
    settings.ATELIER_CDN_PURGE_HOOK = "tests.gallery.test_removal.record_purge"


def _files(root) -> set[str]:
    root = Path(root)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _urls(artwork: Artwork) -> list[str]:
    return ["/media/" + d["name"] for image in artwork.images.all() for d in image.derivatives]


@pytest.fixture
def post(client, artist, django_capture_on_commit_callbacks) -> Artwork:
    """A published post with a final and a process image, rendered for real."""
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {"title": "Harbour", "medium": "drawing", "label": "human-made",
             "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG", size=(700, 500)))],
             "process_images": [SimpleUploadedFile("b.png", image_bytes("PNG", size=(400, 300)))]},
        )  # fmt: skip
    assert response.status_code == 302
    client.logout()
    artwork = Artwork.objects.get()
    assert artwork.status == "published" and artwork.images.count() == 2
    return artwork


@pytest.fixture
def case(post, viewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return flag_create(reporter=viewer, artwork=post, reason="undisclosed-ai", note="").case


def _remove(moderator, case, capture):
    with capture(execute=True):
        return case_decide(moderator=moderator, case_id=case.pk, action="remove", reason="AI.")


def test_removal_takes_derivatives_out_of_public_storage(
    client, post, case, moderator, django_capture_on_commit_callbacks
):
    urls = _urls(post)
    assert len(urls) >= 4 and all(client.get(u).status_code == 200 for u in urls)

    _remove(moderator, case, django_capture_on_commit_callbacks)

    for url in urls:
        assert client.get(url).status_code == 404
    public = _files(settings.MEDIA_ROOT)
    assert not [name for name in public if name.startswith("art/")]
    private = _files(settings.PRIVATE_MEDIA_ROOT)
    for url in urls:
        assert "withdrawn/" + url.removeprefix("/media/") in private
    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"withdrawn"}
    # The CDN hook got every withdrawn URL, absolute, once.
    assert purge_calls == [[site_base() + u for u in urls]]
    # Settling again (the sweep, a redelivered callback) finds nothing to do.
    assert public_files_settle(artwork_id=post.pk) == 0
    assert public_files_sweep() == {"settled": 0, "deleted": 0, "failed": 0}
    assert len(purge_calls) == 1


def test_removed_derivative_answers_404_before_its_file_moves(client, post, case, moderator):
    urls = _urls(post)
    # The decision commits but its on-commit move has not run yet: the file is still on disk.
    case_decide(moderator=moderator, case_id=case.pk, action="remove", reason="AI.")
    assert (Path(settings.MEDIA_ROOT) / urls[0].removeprefix("/media/")).exists()
    assert client.get(urls[0]).status_code == 404


def test_rolled_back_removal_moves_nothing(client, post, django_capture_on_commit_callbacks):
    urls = _urls(post)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        artwork_remove(artwork_id=post.pk, reason="")
        raise RuntimeError("something later in the decision failed")
    assert callbacks == []
    assert all(client.get(u).status_code == 200 for u in urls)
    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"public"}
    assert purge_calls == []


def test_artist_and_moderators_still_see_a_removed_posts_images(
    client, artist, viewer, post, case, moderator, django_capture_on_commit_callbacks
):
    _remove(moderator, case, django_capture_on_commit_callbacks)
    image = post.images.get(kind="final")
    image_url = image.best_url()
    assert image_url.startswith(f"/originals/{image.pk}/withdrawn/")

    client.force_login(artist)
    page = client.get(post.get_absolute_url()).content.decode()
    assert image_url in page and "/media/art/" not in page
    assert "images are withdrawn" in page
    response = client.get(image_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"

    client.force_login(moderator)
    case_page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert image_url in case_page and "/media/art/" not in case_page
    assert client.get(image_url).status_code == 200

    client.force_login(viewer)
    assert client.get(image_url).status_code == 404
    client.logout()
    assert client.get(image_url).status_code == 404
    other = f"/originals/{image.pk}/withdrawn/..%2F..%2Fsecret.jpg"
    client.force_login(artist)
    assert client.get(other).status_code == 404


def test_upheld_appeal_puts_the_images_back(
    client, artist, post, case, moderator, django_capture_on_commit_callbacks
):
    urls = _urls(post)
    decision = _remove(moderator, case, django_capture_on_commit_callbacks)
    appeal = appeal_create(appellant=artist, decision=decision, statement="My layers.")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(
            moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=True,
            response="Layers check out.",
        )  # fmt: skip

    post.refresh_from_db()
    assert post.status == "published"
    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"public"}
    assert all(client.get(u).status_code == 200 for u in urls)
    assert not [n for n in _files(settings.PRIVATE_MEDIA_ROOT) if n.startswith("withdrawn/")]
    page = client.get(post.get_absolute_url()).content.decode()
    assert urls[0] in page and "/withdrawn/" not in page
    assert public_files_settle(artwork_id=post.pk) == 0


def test_hiding_keeps_the_images_reachable(
    client, post, case, moderator, django_capture_on_commit_callbacks
):
    urls = _urls(post)
    with django_capture_on_commit_callbacks(execute=True):
        case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Not for feeds.")
    post.refresh_from_db()
    assert post.status == "hidden"
    assert all(client.get(u).status_code == 200 for u in urls)
    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"public"}
    assert purge_calls == []


def test_artist_deletion_leaves_nothing_in_either_storage(
    client, artist, post, django_capture_on_commit_callbacks
):
    urls = _urls(post)
    assert _files(settings.PRIVATE_MEDIA_ROOT)
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gallery:artwork_delete", args=[post.pk]))
    assert response.status_code == 302
    assert not Artwork.objects.exists() and not FileDeletion.objects.exists()
    assert _files(settings.MEDIA_ROOT) == set()
    assert _files(settings.PRIVATE_MEDIA_ROOT) == set()
    assert all(client.get(u).status_code == 404 for u in urls)
    assert purge_calls == [[site_base() + u for u in urls]]


def test_deleting_a_removed_post_deletes_its_withdrawn_copies(
    post, case, moderator, django_capture_on_commit_callbacks
):
    _remove(moderator, case, django_capture_on_commit_callbacks)
    assert _files(settings.PRIVATE_MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        artwork_delete(artwork=Artwork.objects.get(pk=post.pk))
    assert _files(settings.MEDIA_ROOT) == set()
    assert _files(settings.PRIVATE_MEDIA_ROOT) == set()
    assert not FileDeletion.objects.exists()


def test_storage_failure_leaves_a_mark_that_the_sweep_clears(
    client, post, case, moderator, django_capture_on_commit_callbacks
):
    urls = _urls(post)
    # A plain file where the withdrawn folder must go: every save into it fails, a real
    # OSError from the filesystem storage.
    blocker = Path(settings.PRIVATE_MEDIA_ROOT) / "withdrawn"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"")
    _remove(moderator, case, django_capture_on_commit_callbacks)

    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"withdrawing"}
    # Nothing was lost (copy before delete), and the files are refused all the same.
    assert all((Path(settings.MEDIA_ROOT) / u.removeprefix("/media/")).exists() for u in urls)
    assert all(client.get(u).status_code == 404 for u in urls)
    assert public_files_sweep()["failed"] == 1

    blocker.unlink()
    for _ in range(2):
        sweep_public_files()
    assert set(ArtworkImage.objects.values_list("public_files", flat=True)) == {"withdrawn"}
    assert not [n for n in _files(settings.MEDIA_ROOT) if n.startswith("art/")]
    assert len(purge_calls) == 1


def test_failed_cdn_purge_is_retried_by_the_sweep(
    settings, client, artist, post, django_capture_on_commit_callbacks
):
    settings.ATELIER_CDN_PURGE_HOOK = "tests.gallery.test_removal.failing_purge"
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_delete", args=[post.pk]))
    # The files are gone, but the CDN was not told: the rows stay for the sweep.
    assert _files(settings.MEDIA_ROOT) == set()
    rows = list(FileDeletion.objects.all())
    assert rows and all(r.attempts == 1 and "CDN" in r.last_error for r in rows)

    settings.ATELIER_CDN_PURGE_HOOK = "tests.gallery.test_removal.record_purge"
    assert sweep_public_files()["deleted"] == len(rows)
    assert sweep_public_files() == {"settled": 0, "deleted": 0, "failed": 0}
    assert not FileDeletion.objects.exists()
    assert len(purge_calls) == 1 and all(
        u.startswith(site_base() + "/media/") for u in purge_calls[0]
    )
