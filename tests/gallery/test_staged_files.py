"""Files written before the transaction that refers to them are never left behind: a refused or
failed upload, appeal or evidence deletes them at once, and a process that died in between
leaves a note that the beat sweep acts on once the request is surely over."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gallery.models import Artwork, ArtworkImage, FileDeletion
from gallery.services.staged_files import STAGED_FILE_GRACE, StagedFiles
from gallery.services.withdrawal import public_files_sweep
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

FIELDS = {"title": "Harbour", "description": "", "medium": "drawing", "tags": "sea"}


def _private_files(folder: str) -> set[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / folder
    return {p.name for p in root.rglob("*") if p.is_file()}


def _jpeg(name: str = "art.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


def test_an_upload_refused_inside_its_transaction_leaves_no_file(client, artist, settings):
    # The quota is checked under the artist's row lock, after the originals were written.
    settings.ATELIER_STORAGE_QUOTA_BYTES = 10
    client.force_login(artist)
    response = client.post(
        reverse("gallery:upload"), {**FIELDS, "label": "human-made", "images": [_jpeg()]}
    )
    assert response.status_code == 400
    assert "storage quota" in response.content.decode()
    assert not Artwork.objects.exists()
    assert _private_files("originals") == set()
    assert not FileDeletion.objects.exists()


def test_a_stored_upload_owns_its_files_and_leaves_no_note(client, artist):
    client.force_login(artist)
    response = client.post(
        reverse("gallery:upload"), {**FIELDS, "label": "human-made", "images": [_jpeg()]}
    )
    assert response.status_code == 302
    image = ArtworkImage.objects.get()
    assert _private_files("originals") == {Path(image.original.name).name}
    assert not FileDeletion.objects.exists()
    # The sweep must not take an owned file for an orphan, however old.
    assert public_files_sweep()["deleted"] == 0
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / image.original.name).exists()


def test_a_file_whose_process_died_before_the_commit_is_swept_after_the_grace():
    # A request killed between writing the file and committing its rows: no __exit__ runs.
    staged = StagedFiles()
    name = staged.save("originals/2026/01/orphan.jpg", _jpeg())
    path = Path(settings.PRIVATE_MEDIA_ROOT) / name
    assert path.exists() and FileDeletion.objects.filter(name=name).exists()

    # The request may still be running: the sweep leaves a fresh note alone.
    assert public_files_sweep()["deleted"] == 0
    assert path.exists()

    old = timezone.now() - STAGED_FILE_GRACE - timedelta(minutes=1)
    FileDeletion.objects.filter(name=name).update(created_at=old)
    assert public_files_sweep()["deleted"] == 1
    assert not path.exists() and not FileDeletion.objects.exists()


def test_leaving_the_block_with_an_error_deletes_the_files_at_once():
    with pytest.raises(RuntimeError), StagedFiles() as staged:
        name = staged.save("evidence/2026/01/half.jpg", _jpeg())
        raise RuntimeError("the transaction failed")
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()
    assert not FileDeletion.objects.exists()
