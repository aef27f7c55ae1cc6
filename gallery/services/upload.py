"""Taking an upload in: validation in the request, then one transaction that stores it.

The request does only bounded work on the files (imaging.probe decodes nothing); decoding is
the worker's (gallery.services.pipeline), under the task's time limit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

import imaging
from accounts.limits import upload_attempt_record
from accounts.models import User
from config.errors import Invalid
from config.ratelimit import allow_post
from gallery.models import Artwork, ArtworkImage, Label, LabelChange
from gallery.services.artworks import ai_minor_only, artwork_index_search, clean_stages
from gallery.services.upload_keys import upload_key_check, upload_key_claim
from gallery.storage import private_storage

logger = logging.getLogger(__name__)

# The code of the posts-per-hour refusal: the upload page shows it as a form error (400).
POSTS_PER_HOUR = "posts_per_hour"


@dataclass(frozen=True)
class IncomingImage:
    file: UploadedFile
    probe: imaging.ProbeResult
    alt_text: str
    kind: str


def display_name(upload: UploadedFile) -> str:
    """The client's filename, for messages only: never part of a storage path. Control
    characters are dropped (the name reaches messages, logs and the case page)."""
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable())[:80] or "file"


def image_probe(upload: UploadedFile) -> imaging.ProbeResult:
    """The site's one image check (bounded: no pixel decode) with its configured limits, for
    uploads, appeal evidence and process evidence alike. Raises ``imaging.ImageRejected``."""
    return imaging.probe(
        upload,
        max_bytes=settings.ATELIER_MAX_UPLOAD_BYTES,
        max_pixels=settings.ATELIER_MAX_PIXELS,
        max_frames=settings.ATELIER_MAX_FRAMES,
    )


def upload_probe(files: list[UploadedFile], *, uploader: User) -> list[imaging.ProbeResult]:
    """Count the attempt, then check every file before anything is stored.

    Raises ``config.errors.RateLimited`` past the member's hourly upload attempts (refused
    attempts count too), else ``Invalid`` whose ``images`` errors each name a bad file and the
    reason.
    """
    upload_attempt_record(user=uploader)
    probes, errors = [], []
    for upload in files:
        try:
            probes.append(image_probe(upload))
        except imaging.ImageRejected as exc:
            errors.append(f"{display_name(upload)}: {exc.reason}")
        finally:
            upload.seek(0)
    if errors:
        raise Invalid(errors[0], field_errors={"images": errors}, code="bad_file")
    return probes


def incoming_images(*, finals: list, process: list, probes: list, alts: list[str]):
    """Pair checked files with their probe, alt text and kind (finals first, then process)."""
    return [
        IncomingImage(
            file=upload,
            probe=probe,
            alt_text=(alts[i] if i < len(alts) else "").strip(),
            kind=ArtworkImage.Kind.FINAL if i < len(finals) else ArtworkImage.Kind.PROCESS,
        )
        for i, (upload, probe) in enumerate(zip(finals + process, probes, strict=True))
    ]


def upload_check_allowance(*, artist: User, incoming_bytes: int) -> None:
    """Per-artist rate limit and storage quota.

    Raises ``RateLimited`` past ``ATELIER_UPLOADS_PER_HOUR`` posts (``retry_after``: until the
    oldest post of the hour leaves the window), ``Invalid`` (code ``quota``) past the storage
    quota. Only exact under the artist's row lock, which artwork_create holds when it calls this.
    """
    recent = Artwork.objects.filter(artist=artist).values_list("created_at", flat=True)
    allow_post(recent=recent, code=POSTS_PER_HOUR)
    used = ArtworkImage.objects.filter(artwork__artist=artist).aggregate(total=Sum("bytes"))
    if (used["total"] or 0) + incoming_bytes > settings.ATELIER_STORAGE_QUOTA_BYTES:
        quota_mb = settings.ATELIER_STORAGE_QUOTA_BYTES // (1024 * 1024)
        message = f"This upload would take you past your {quota_mb} MB storage quota."
        raise Invalid(message, field_errors={"images": [message]}, code="quota")


def _store_original(incoming: IncomingImage) -> tuple[str, str]:
    """Save the original under a server-generated name; returns (name, sha256)."""
    digest = hashlib.sha256()
    incoming.file.seek(0)
    for chunk in incoming.file.chunks():
        digest.update(chunk)
    incoming.file.seek(0)
    today = timezone.now()
    name = f"originals/{today:%Y/%m}/{secrets.token_urlsafe(24)}.{incoming.probe.extension}"
    stored = private_storage().save(name, incoming.file)
    return stored, digest.hexdigest()


def artwork_create(
    *,
    artist: User,
    title: str,
    description: str,
    medium: str,
    tags: list[str],
    label: str,
    ai_stages: list[str],
    ai_note: str,
    images: list[IncomingImage],
    idempotency_key: str = "",
    mature: bool = False,
) -> Artwork:
    """Store a new artwork in ``processing`` with its originals, label and history.

    The originals go to private storage first, then one transaction locks the artist's row,
    checks the hourly post limit and the storage quota (``upload_check_allowance``) and
    creates the rows; the originals are deleted again if anything fails. After the commit one
    ``process_image`` task per image is enqueued (a broker outage is logged, not raised: the
    sweeper re-enqueues). Raises ``RateLimited`` or ``Invalid`` (code ``quota``) past an
    allowance (``upload_check_allowance``), ``Invalid`` for a label the site does not accept.
    With an ``idempotency_key`` the member already spent, raises
    ``gallery.services.upload_keys.UploadReplayed`` (naming that post) and stores nothing.
    ``mature``: the artist marks the post as mature content (gallery.state blurs or hides it).
    """
    if label == Label.GENERATED and not settings.ATELIER_ALLOW_AI_GENERATED:
        # The form refuses it first; this is the rule for callers without the form.
        message = "This site does not accept AI-generated images."
        raise Invalid(message, field_errors={"label": [message]}, code="label")
    ai_stages, ai_note = clean_stages(label, ai_stages, ai_note)
    stored: list[tuple[str, str]] = []
    try:
        # Originals are written before the transaction, so the artist's row lock below is held
        # for a few inserts rather than for the upload of up to 20 files to storage.
        for incoming in images:
            stored.append(_store_original(incoming))
        with transaction.atomic():
            # Count and create under the artist's row lock: two uploads at once otherwise both
            # pass the hourly count and both post (issue 10: 40 at once made 32 posts of 30).
            User.objects.select_for_update().filter(pk=artist.pk).values_list("pk").get()
            # The same lock makes a double click's second request wait for the first's commit,
            # then find its key spent.
            if idempotency_key:
                upload_key_check(member=artist, key=idempotency_key)
            upload_check_allowance(artist=artist, incoming_bytes=sum(i.probe.size for i in images))
            artwork = _artwork_insert(
                artist=artist,
                title=title,
                description=description,
                medium=medium,
                tags=tags,
                label=label,
                ai_stages=ai_stages,
                ai_note=ai_note,
                images=images,
                stored=stored,
                mature=mature,
            )
            if idempotency_key:
                upload_key_claim(member=artist, key=idempotency_key, artwork=artwork)
    except BaseException:
        storage = private_storage()
        for name, _sha in stored:
            storage.delete(name)
        raise
    return artwork


def _artwork_insert(
    *,
    artist,
    title,
    description,
    medium,
    tags,
    label,
    ai_stages,
    ai_note,
    images: list[IncomingImage],
    stored: list[tuple[str, str]],
    mature: bool = False,
) -> Artwork:
    artwork = Artwork.objects.create(
        artist=artist,
        mature=mature,
        title=title,
        description=description,
        medium=medium,
        label=label,
        ai_stages=ai_stages,
        ai_note=ai_note,
        ai_minor_only=ai_minor_only(label, ai_stages),
        image_count=sum(1 for i in images if i.kind == ArtworkImage.Kind.FINAL),
    )
    if tags:
        artwork.tags.set(tags)
    LabelChange.objects.create(
        artwork=artwork,
        to_label=label,
        by=LabelChange.By.ARTIST,
        actor=artist,
        reason="Label chosen at upload.",
    )
    positions = {ArtworkImage.Kind.FINAL: 0, ArtworkImage.Kind.PROCESS: 0}
    created = []
    for incoming, (name, sha) in zip(images, stored, strict=True):
        created.append(
            ArtworkImage.objects.create(
                artwork=artwork,
                kind=incoming.kind,
                position=positions[incoming.kind],
                original=name,
                alt_text=incoming.alt_text[:500],
                format=incoming.probe.format,
                bytes=incoming.probe.size,
                sha256=sha,
                width=incoming.probe.width,
                height=incoming.probe.height,
            )
        )
        positions[incoming.kind] += 1
    finals = [i for i in created if i.kind == ArtworkImage.Kind.FINAL]
    artwork.cover = finals[0] if finals else None
    artwork.save(update_fields=["cover"])
    for image in created:
        images_enqueue_on_commit(image.pk)
    artwork_id = artwork.pk
    transaction.on_commit(lambda: artwork_index_search(artwork_id=artwork_id))
    return artwork


def images_enqueue_on_commit(image_id: int) -> None:
    """Enqueue processing once the row is visible; a broker outage only logs (the sweeper
    re-enqueues later)."""
    from gallery.tasks import process_image

    transaction.on_commit(lambda: process_image.delay(image_id), robust=True)
