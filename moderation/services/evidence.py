"""Process evidence: what an artist sends when moderators ask how a post was made."""

from __future__ import annotations

import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

import imaging
from accounts.models import User
from gallery.models import Artwork
from gallery.services.staged_files import StagedFiles
from gallery.services.upload import display_name, image_probe
from moderation.models import AuditAction, AuditRole, Case, CaseEvidence, EvidenceFormat
from moderation.services import ModerationInvalid, ModerationNotFound
from moderation.services.audit import audit_write

MAX_EVIDENCE_FILES = 10
# Layered working files: recognised by their own bytes, never by the name alone.
_EXTENSIONS = {
    EvidenceFormat.PSD: "psd",
    EvidenceFormat.KRA: "kra",
    EvidenceFormat.CLIP: "clip",
    EvidenceFormat.PROCREATE: "procreate",
}
LAYERED_HELP = "JPEG, PNG, WebP or GIF images, or the layered file (PSD, KRA, CLIP, Procreate)"


@dataclass(frozen=True)
class _Checked:
    upload: UploadedFile
    format: str
    extension: str
    size: int


def evidence_case_for(*, artist: User, artwork_id: int) -> Case:
    """The open case on the artist's own post that waits for their process evidence.

    Raises ``ModerationNotFound`` when the post is not theirs or nothing was asked for.
    """
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None or artwork.artist_id != artist.pk:
        raise ModerationNotFound("Only the artist of this post can send evidence for it.")
    case = Case.objects.open().filter(artwork_id=artwork_id, evidence_due__isnull=False).first()
    if case is None:
        raise ModerationNotFound("Moderators have not asked for process evidence on this post.")
    return case


def case_evidence_add(*, artist: User, artwork_id: int, files: list[UploadedFile]) -> Case:
    """Store the artist's process evidence (private files) on the case and log it.

    Every file is checked before anything is stored: images like uploads (bounded header
    checks), layered files by their signature and ``MODERATION_EVIDENCE_MAX_BYTES``. Files are
    written first and the rows after, in one transaction; if that fails the files are deleted
    again, and if the process dies in between the beat sweep deletes them
    (``gallery.services.staged_files``), so nothing is left half-stored. Raises
    ``ModerationInvalid`` with a readable reason, ``ModerationNotFound`` as
    ``evidence_case_for``; storage errors propagate after the cleanup.
    """
    case = evidence_case_for(artist=artist, artwork_id=artwork_id)
    if not files:
        raise ModerationInvalid(f"Choose at least one file: {LAYERED_HELP}.")
    if len(files) > MAX_EVIDENCE_FILES:
        raise ModerationInvalid(f"At most {MAX_EVIDENCE_FILES} files at once.")
    checked = [_check(upload) for upload in files]
    # Files first, rows after, as staged files: any failure deletes them, and a process that
    # dies in between leaves a note the beat sweep acts on (gallery.services.staged_files).
    with StagedFiles() as staged:
        stored = []
        for item in checked:
            name = f"evidence/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.{item.extension}"
            item.upload.seek(0)
            stored.append(staged.save(name, item.upload))
        with transaction.atomic():
            CaseEvidence.objects.bulk_create(
                CaseEvidence(
                    case=case, file=name, format=item.format, bytes=item.size,
                    original_name=display_name(item.upload), uploaded_by=artist,
                )
                for name, item in zip(stored, checked, strict=True)
            )  # fmt: skip
            audit_write(
                actor=artist, role=AuditRole.ARTIST, action=AuditAction.EVIDENCE_ADDED, case=case,
                reason=", ".join(display_name(i.upload) for i in checked)[:500],
                subject_user_id=artist.pk,
            )  # fmt: skip
            staged.claim()
    return case


def _check(upload: UploadedFile) -> _Checked:
    name = display_name(upload)
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    layered = _layered_format(upload, head, name)
    if layered is not None:
        if size > settings.MODERATION_EVIDENCE_MAX_BYTES:
            limit = settings.MODERATION_EVIDENCE_MAX_BYTES // (1024 * 1024)
            raise ModerationInvalid(f"{name}: larger than the {limit} MB limit for layered files.")
        return _Checked(upload, layered, _EXTENSIONS[layered], size)
    try:
        probe = image_probe(upload)
    except imaging.ImageRejected as exc:
        raise ModerationInvalid(f"{name}: {exc.reason}. Send {LAYERED_HELP}.") from None
    return _Checked(upload, probe.format, probe.extension, probe.size)


def _layered_format(upload: UploadedFile, head: bytes, name: str) -> str | None:
    if head.startswith(b"8BPS"):
        return EvidenceFormat.PSD
    if head.startswith(b"CSFCHUNK"):
        return EvidenceFormat.CLIP
    if head.startswith(b"PK\x03\x04"):
        # Krita stores an uncompressed "mimetype" entry first; Procreate is a ZIP holding
        # Document.archive. Reading the central directory is bounded work.
        if head[30:38] == b"mimetype" and b"application/x-krita" in head + upload.read(128):
            upload.seek(0)
            return EvidenceFormat.KRA
        upload.seek(0)
        if name.lower().endswith(".procreate"):
            try:
                with zipfile.ZipFile(upload) as archive:
                    names = archive.namelist()[:10_000]
            except (zipfile.BadZipFile, OSError, ValueError):
                return None
            finally:
                upload.seek(0)
            if "Document.archive" in names:
                return EvidenceFormat.PROCREATE
    return None
