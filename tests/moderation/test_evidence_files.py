"""Appeal and process evidence files are written before their rows and never left behind when
anything fails (gallery.services.staged_files; the sweep side is tested in tests/gallery)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from gallery.models import FileDeletion
from moderation.models import Appeal, CaseEvidence
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_decide, case_request_evidence
from moderation.services.evidence import case_evidence_add
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db


def _private_files(folder: str) -> set[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / folder
    return {p.name for p in root.rglob("*") if p.is_file()}


def _jpeg(name: str = "art.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


@pytest.fixture
def removed(moderator, flagged):
    return case_decide(
        moderator=moderator, case_id=flagged.pk, action="remove", reason="AI.", strike=True
    )


def test_an_appeal_that_fails_for_any_reason_leaves_no_evidence_file(artist, removed, monkeypatch):
    # Not the unique constraint (which was the only failure cleaned up before): any error.
    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("moderation.services.appeals.audit_write", broken_audit)
    upload = SimpleUploadedFile("layers.png", image_bytes("PNG"), content_type="image/png")
    with pytest.raises(RuntimeError):
        appeal_create(appellant=artist, decision=removed, statement="Please.", files=[upload])
    assert not Appeal.objects.exists()
    assert _private_files("appeals") == set()
    assert not FileDeletion.objects.exists()


def test_an_appeal_keeps_its_files_and_no_note(artist, removed):
    upload = SimpleUploadedFile("layers.png", image_bytes("PNG"), content_type="image/png")
    appeal = appeal_create(appellant=artist, decision=removed, statement="Please.", files=[upload])
    names = [Path(f.file.name).name for f in appeal.files.all()]
    assert len(names) == 1 and _private_files("appeals") == set(names)
    assert not FileDeletion.objects.exists()


def test_process_evidence_that_fails_to_log_leaves_no_file(
    artist, flagged, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_request_evidence(moderator=moderator, case_id=flagged.pk, reason="Show layers.")

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("moderation.services.evidence.audit_write", broken_audit)
    with pytest.raises(RuntimeError):
        case_evidence_add(artist=artist, artwork_id=flagged.artwork_id, files=[_jpeg("wip.jpg")])
    assert not CaseEvidence.objects.exists()
    assert _private_files("evidence") == set()
    assert not FileDeletion.objects.exists()
