"""Taking an upload in: validation in the request, then one transaction that stores it.

``artwork_upload`` is the use case, called alike by the site's upload view and the API. The
request does only bounded work on the files (imaging.probe decodes nothing); decoding is the
worker's (gallery.services.pipeline), under the task's time limit.
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
from gallery.models import Artwork, ArtworkImage, Label, LabelChange, Visibility
from gallery.services.artworks import ai_minor_only, artwork_index_search, clean_stages
from gallery.services.pipeline import images_enqueue_on_commit
from gallery.services.staged_files import StagedFiles
from gallery.services.upload_keys import (
    UploadReplayed,
    upload_key_check,
    upload_key_claim,
    upload_key_replayed,
)

logger = logging.getLogger(__name__)

# The code of the posts-per-hour refusal: the upload page shows it as a form error (400).
POSTS_PER_HOUR = "posts_per_hour"


@dataclass(frozen=True)
class IncomingImage:
    """One checked file of an upload: its probe, alt text and kind (final or process)."""

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


def incoming_images(
    *, finals: list, process: list, probes: list, alts: list[str]
) -> list[IncomingImage]:
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
    storage_quota_check(artist=artist, incoming_bytes=incoming_bytes)


def storage_quota_check(*, artist: User, incoming_bytes: int) -> None:
    """Raise ``Invalid`` (code ``quota``) when ``incoming_bytes`` more would take the artist
    past ``ATELIER_STORAGE_QUOTA_BYTES``. Exact only under the artist's row lock (the callers,
    ``artwork_create`` and ``gallery.services.posting.artwork_images_add``, hold it)."""
    used = ArtworkImage.objects.filter(artwork__artist=artist).aggregate(total=Sum("bytes"))
    if (used["total"] or 0) + incoming_bytes > settings.ATELIER_STORAGE_QUOTA_BYTES:
        quota_mb = settings.ATELIER_STORAGE_QUOTA_BYTES // (1024 * 1024)
        message = f"This upload would take you past your {quota_mb} MB storage quota."
        raise Invalid(message, field_errors={"images": [message]}, code="quota")


def artwork_upload(
    *,
    artist: User,
    fields: dict,
    finals: list[UploadedFile],
    process: list[UploadedFile],
    idempotency_key: str = "",
) -> Artwork:
    """The upload use case: check the files, check the allowances, store the post.

    Inputs: ``fields`` is the cleaned data of ``gallery.forms.UploadForm`` (title, description,
    medium, tags, label, AI stages and note, the mature flag, one ``alt_text`` per file in
    order; ``draft`` to save it as a draft; ``visibility`` public or unlisted); ``finals``
    and ``process`` are the final and process images as received; ``idempotency_key`` the
    form's signed key or the API's ``Idempotency-Key`` header.

    Effects: counts the attempt (``upload_probe``), then ``artwork_create``: the artwork in
    ``processing`` with its images, label history and one processing task per image.

    Failure modes, each leaving nothing stored (the originals of a post refused inside the
    transaction are deleted again): ``UploadReplayed`` when the key was already
    spent on a post (answer with that post); ``RateLimited`` past the hourly upload attempts or
    posts; ``Invalid`` for a bad file (``images``, code ``bad_file``), a storage quota
    exceeded (code ``quota``) or a label the site does not accept.
    """
    # Cheap early answer before the files are checked or the attempt counted; the guarantee
    # is upload_key_check under the artist's row lock in artwork_create.
    if (earlier := upload_key_replayed(member=artist, key=idempotency_key)) is not None:
        raise UploadReplayed(earlier)
    probes = upload_probe(finals + process, uploader=artist)
    return artwork_create(
        artist=artist,
        title=fields["title"],
        description=fields["description"],
        medium=fields["medium"],
        tags=fields["tags"],
        label=fields["label"],
        ai_stages=fields["ai_stages"],
        ai_note=fields["ai_note"],
        images=incoming_images(
            finals=finals, process=process, probes=probes, alts=fields.get("alt_text") or []
        ),
        idempotency_key=idempotency_key,
        mature=bool(fields.get("mature")),
        draft=bool(fields.get("draft")),
        visibility=fields.get("visibility") or Visibility.PUBLIC,
    )


def original_stage(staged: StagedFiles, incoming: IncomingImage) -> tuple[str, str]:
    """Save the original under a server-generated name; returns (name, sha256)."""
    digest = hashlib.sha256()
    incoming.file.seek(0)
    for chunk in incoming.file.chunks():
        digest.update(chunk)
    incoming.file.seek(0)
    today = timezone.now()
    name = f"originals/{today:%Y/%m}/{secrets.token_urlsafe(24)}.{incoming.probe.extension}"
    return staged.save(name, incoming.file), digest.hexdigest()


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
    draft: bool = False,
    visibility: str = Visibility.PUBLIC,
) -> Artwork:
    """Store a new artwork in ``processing`` with its checked images, label and history.

    The storing step of ``artwork_upload`` (also used by the demo seed and test fixtures,
    whose files are known good). The originals go to private storage first, as staged files
    (``gallery.services.staged_files``), then one transaction locks the artist's row, checks
    the hourly post limit and the storage quota (``upload_check_allowance``), creates the rows
    and claims the files. If anything fails the originals are deleted again; if the process
    dies before the commit the beat sweep deletes them. After the commit one
    ``process_image`` task per image is enqueued (a broker outage is logged, not raised: the
    sweeper re-enqueues). Raises ``RateLimited`` or ``Invalid`` (code ``quota``) past an
    allowance, ``Invalid`` for a label the site does not accept. With an ``idempotency_key``
    the member already spent, raises ``gallery.services.upload_keys.UploadReplayed`` (naming
    that post) and stores nothing.
    ``mature``: the artist marks the post as mature content (gallery.state blurs or hides it).
    ``draft``: once processed the post waits as a draft (``gallery.services.posting.
    artwork_publish`` publishes it); ``visibility``: ``unlisted`` keeps it out of every listing
    (an unknown value raises ``Invalid``).
    """
    if visibility not in Visibility.values:
        raise Invalid("Choose public or unlisted.", field_errors={"visibility": ["Choose public "
                      "or unlisted."]}, code="visibility")  # fmt: skip
    if label == Label.GENERATED and not settings.ATELIER_ALLOW_AI_GENERATED:
        # The form refuses it first; this is the rule for callers without the form.
        message = "This site does not accept AI-generated images."
        raise Invalid(message, field_errors={"label": [message]}, code="label")
    ai_stages, ai_note = clean_stages(label, ai_stages, ai_note)
    with StagedFiles() as staged:
        # Originals are written before the transaction, so the artist's row lock below is held
        # for a few inserts rather than for the upload of up to 20 files to storage.
        stored = [original_stage(staged, incoming) for incoming in images]
        with transaction.atomic():
            # Count and create under the artist's row lock: two uploads at once otherwise both
            # pass the hourly count and both post (issue 10: 40 at once made 32 posts of 30).
            User.objects.select_for_update().filter(pk=artist.pk).values_list("pk").get()
            # The same lock makes a double click's second request wait for the first's commit,
            # then find its key spent.
            if idempotency_key:
                upload_key_check(member=artist, key=idempotency_key)
            upload_check_allowance(artist=artist, incoming_bytes=sum(i.probe.size for i in images))
            artwork = Artwork(
                artist=artist,
                title=title,
                description=description,
                medium=medium,
                label=label,
                ai_stages=ai_stages,
                ai_note=ai_note,
                mature=mature,
                visibility=visibility,
                publish_when_ready=not draft,
                ai_minor_only=ai_minor_only(label, ai_stages),
                image_count=sum(1 for i in images if i.kind == ArtworkImage.Kind.FINAL),
            )
            _artwork_insert(artwork, tags=tags, images=images, stored=stored)
            if idempotency_key:
                upload_key_claim(member=artist, key=idempotency_key, artwork=artwork)
            staged.claim()
    return artwork


def _artwork_insert(
    artwork: Artwork, *, tags: list[str], images: list[IncomingImage], stored: list[tuple[str, str]]
) -> None:
    """Inside artwork_create's transaction: insert the built ``artwork`` with its tags, label
    history and images (``stored``: each original's name and sha256), and enqueue on commit."""
    artwork.save(force_insert=True)
    if tags:
        artwork.tags.set(tags)
    LabelChange.objects.create(
        artwork=artwork,
        to_label=artwork.label,
        by=LabelChange.By.ARTIST,
        actor=artwork.artist,
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
