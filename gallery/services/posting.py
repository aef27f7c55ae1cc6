"""Posting after the fact: images added to or removed from a post, their order, the cover,
and drafts published.

Each use case is one call, made alike by the edit page and the API, always by the post's
artist (the callers check ownership through ``gallery.access.artwork_for_owner``; these check
the artist's own standing and the post's state again under its row lock).

What may change when (``_changeable``), and why:

- A post still in its first processing, failed, waiting for approval or removed cannot be
  changed here: the status page, Retry, a moderator, or an appeal is the way forward.
- Images are added to published, hidden and draft posts. They go through the upload's checks
  (format sniffed from bytes, size, pixels, the per-post count, the storage quota, the hourly
  attempt limit), are stored as staged files, and processed by the same pipeline; the post
  stays up with its images meanwhile (pages show ready images only). When they are ready,
  ``gallery.services.publication`` judges them like an upload's: a provenance verdict against
  the label opens a case, and moderation's intake checks them for near-duplicates.
- An artist whose uploads are held for approval after a strike adds no images: the new images
  would reach the public without the approval every new post of theirs waits for.
- Images are not removed from a published or hidden post while moderation has a say about it
  (label mismatch, held, hand-off not yet taken in, process evidence asked for, or hidden by
  moderators): removing the image that an AI case is about would take the evidence away. The
  case's flags keep their own copy of the evidence text, but the moderator also needs the
  file, its original and its hash; so the image stays until the case is decided. A case
  opened by one member's report alone sets none of these (gallery cannot see moderation's
  cases): there the moderator judges the post as it is then. A draft was never public nor
  handed over, so its images may always go. Reordering and the cover stay free: they hide
  nothing from moderators, who see every image of the post.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from gallery import provenance
from gallery.models import Artwork, ArtworkImage, Label
from gallery.services.pipeline import images_enqueue_on_commit
from gallery.services.publication import artwork_go_live, artwork_settle
from gallery.services.staged_files import StagedFiles
from gallery.services.upload import (
    IncomingImage,
    original_stage,
    storage_quota_check,
    upload_probe,
)
from gallery.services.upload_keys import (
    UploadReplayed,
    upload_key_check,
    upload_key_claim,
    upload_key_replayed,
)
from gallery.services.withdrawal import file_deletions_record, file_deletions_run

Status = Artwork.Status
Kind = ArtworkImage.Kind
# Where images may be added, reordered or made the cover.
CHANGEABLE = (Status.PUBLISHED, Status.HIDDEN, Status.DRAFT)
NOT_CHANGEABLE = {
    Status.PROCESSING: "This post is still being processed: wait until it is done.",
    Status.FAILED: "This post's images failed to process: press Retry or delete it first.",
    Status.AWAITING_APPROVAL: "This post waits for a moderator's approval: it cannot be "
    "changed until then.",
    Status.REMOVED: "This post was removed by moderators.",
}
LAST_IMAGE = "A post needs at least one final image: add another before removing this one."
UNDER_REVIEW = (
    "Moderators are reviewing this post, so its images cannot be removed until they decide."
)


def _writer_check(artist: User) -> None:
    # The views' and the API's member checks refuse suspended members first; this is the
    # rule for any other caller.
    if artist.is_suspended:
        raise NotAllowed("Your account is suspended: you cannot change posts until it ends.")


def _locked(artwork: Artwork, artist: User) -> Artwork:
    """Inside a transaction: the artwork's row, locked, if ``artist`` owns it and it can change."""
    locked = Artwork.objects.select_for_update().filter(pk=artwork.pk).first()
    if locked is None or locked.artist_id != artist.pk:
        raise NotFound("No such artwork.")
    _changeable(locked)
    return locked


def _changeable(artwork: Artwork) -> None:
    if artwork.status not in CHANGEABLE:
        message = NOT_CHANGEABLE.get(artwork.status, "This post cannot be changed now.")
        raise Conflict(message, code="status")


def removal_refusal(artwork: Artwork) -> str | None:
    """Why no image of this post may be removed now (see the module's note), or None. The edit
    page reads it too, to say so instead of offering buttons that would be refused."""
    if artwork.status not in CHANGEABLE:
        return NOT_CHANGEABLE.get(artwork.status, "This post cannot be changed now.")
    if artwork.status == Status.DRAFT:
        # Never public, never handed to moderation: nothing to keep. Publishing judges the
        # draft on the images it has then.
        return None
    disputed = artwork.label_mismatch or artwork.held or artwork.evidence_due is not None
    if disputed or artwork.handoff_pending or artwork.status == Status.HIDDEN:
        return UNDER_REVIEW
    return None


def _count_check(artwork: Artwork, adding: int) -> None:
    # Failed images count too: they are rows the artist still sees and must remove.
    total = ArtworkImage.objects.filter(artwork=artwork).count() + adding
    limit = settings.ATELIER_MAX_IMAGES_PER_POST
    if total > limit:
        message = f"At most {limit} images per post (final and process images together)."
        raise Invalid(message, field_errors={"images": [message]}, code="count")


def artwork_images_add(
    *,
    artwork: Artwork,
    artist: User,
    finals: list[UploadedFile],
    process: list[UploadedFile],
    alt_texts: list[str] | None = None,
    idempotency_key: str = "",
) -> list[ArtworkImage]:
    """Add final and/or process images to the artist's own published, hidden or draft post.

    Inputs: the files as received; ``alt_texts`` one per file in order (finals, then process);
    ``idempotency_key`` the edit form's signed key or the API's ``Idempotency-Key`` header.

    Effects: counts the attempt (the upload's hourly attempt limit), checks every file as an
    upload does (``upload_probe``: real format, size, pixels), stores the originals as staged
    files, then in one transaction under the artist's and the post's row locks checks the
    key, the per-post image count and the storage quota, inserts the images (``pending``,
    after the existing ones of their kind) and spends the key; one processing task per new
    image follows the commit. The post keeps its status and its ready images meanwhile; the
    pipeline settles the new ones (``gallery.services.publication``). Returns the new images.

    Failure modes, each storing nothing: ``UploadReplayed`` (the key was spent: answer with
    the post); ``NotAllowed`` for a suspended artist or one whose uploads are held for
    approval; ``Conflict`` (code ``status``) for a post that cannot change now; ``Invalid`` for
    no files, a bad file (``bad_file``), too many images (``count``) or the quota (``quota``);
    ``RateLimited`` past the hourly upload attempts.
    """
    _writer_check(artist)
    if (earlier := upload_key_replayed(member=artist, key=idempotency_key)) is not None:
        raise UploadReplayed(earlier)
    files = finals + process
    if not files:
        raise Invalid("Add at least one image.", field_errors={"images": ["Add at least one "
                      "image."]}, code="no_files")  # fmt: skip
    if artist.uploads_held:
        raise NotAllowed(
            "Your uploads wait for a moderator's approval after a strike: you cannot add "
            "images to a post until the hold ends.",
            code="uploads_held",
        )
    # Cheap refusals before the files are read or the attempt counted; repeated under the locks.
    _changeable(artwork)
    _count_check(artwork, len(files))
    probes = upload_probe(files, uploader=artist)
    alts = alt_texts or []
    incoming = [
        IncomingImage(
            file=upload,
            probe=probe,
            alt_text=(alts[i] if i < len(alts) else "").strip()[:500],
            kind=Kind.FINAL if i < len(finals) else Kind.PROCESS,
        )
        for i, (upload, probe) in enumerate(zip(files, probes, strict=True))
    ]
    with StagedFiles() as staged:
        # Originals first, outside the transaction: the row locks below are then held for a
        # few inserts, not for the upload of the files to storage.
        stored = [original_stage(staged, one) for one in incoming]
        with transaction.atomic():
            # The artist's row lock: the quota and the key are exact, and a double click's
            # second request waits for the first's commit, then finds its key spent.
            User.objects.select_for_update().filter(pk=artist.pk).values_list("pk").get()
            if idempotency_key:
                upload_key_check(member=artist, key=idempotency_key)
            locked = _locked(artwork, artist)
            _count_check(locked, len(files))
            storage_quota_check(artist=artist, incoming_bytes=sum(i.probe.size for i in incoming))
            created = _images_insert(locked, incoming, stored)
            if idempotency_key:
                upload_key_claim(member=artist, key=idempotency_key, artwork=locked)
            staged.claim()
    return created


def _images_insert(
    artwork: Artwork, incoming: list[IncomingImage], stored: list[tuple[str, str]]
) -> list[ArtworkImage]:
    """Inside artwork_images_add's transaction: the rows, after each kind's last position."""
    last = dict(
        ArtworkImage.objects.filter(artwork=artwork)
        .values("kind")
        .annotate(top=Max("position"))
        .values_list("kind", "top")
    )
    positions = {kind: (last[kind] + 1 if kind in last else 0) for kind in Kind.values}
    created = []
    for one, (name, sha) in zip(incoming, stored, strict=True):
        created.append(
            ArtworkImage.objects.create(
                artwork=artwork,
                kind=one.kind,
                position=positions[one.kind],
                original=name,
                alt_text=one.alt_text,
                format=one.probe.format,
                bytes=one.probe.size,
                sha256=sha,
                width=one.probe.width,
                height=one.probe.height,
            )
        )
        positions[one.kind] += 1
    for image in created:
        images_enqueue_on_commit(image.pk)
    return created


def artwork_image_remove(*, artwork: Artwork, artist: User, image_id: int) -> None:
    """Remove one image (final or process, ready, pending or failed) from the artist's post.

    Effects, under the post's row lock: the row goes (its hash bands with it), the positions of
    its kind close up, the cover falls back to the first ready final image if it was the
    cover, the post's final-image count is recomputed, and every file of the image (original,
    public derivatives, withdrawn copies) is written down for deletion and deleted after the
    commit (``withdrawal.file_deletions_run``; a storage outage leaves the rows for the sweep).
    The row save retires every cached page showing the post. If the removed image was the
    last one unfinished, the post's other new images are judged now (``artwork_settle``).

    Failure modes, changing nothing: ``NotFound`` for an image that is not this post's;
    ``Conflict`` when the post cannot change or moderation has a say about it
    (``removal_refusal``); ``Invalid`` (code ``last_image``) for the last ready final image.
    """
    _writer_check(artist)
    with transaction.atomic():
        locked = _locked(artwork, artist)
        if refusal := removal_refusal(locked):
            raise Conflict(refusal, code="under_review")
        image = ArtworkImage.objects.filter(pk=image_id, artwork=locked).first()
        if image is None:
            raise NotFound("No such image in this post.")
        others = ArtworkImage.objects.filter(
            artwork=locked, kind=Kind.FINAL, state=ArtworkImage.State.READY
        ).exclude(pk=image_id)
        if image.kind == Kind.FINAL and not others.exists():
            raise Invalid(LAST_IMAGE, field_errors={"image": [LAST_IMAGE]}, code="last_image")
        ids = file_deletions_record(images=[image])
        removed_id = image.pk  # delete() sets image.pk to None
        image.delete()
        _positions_close(locked, image.kind)
        if locked.cover_id in (removed_id, None):
            locked.cover = others.order_by("position", "id").first()
        locked.image_count = others.count()
        locked.save(update_fields=["cover", "image_count", "updated_at"])
        artwork_settle(locked)
        transaction.on_commit(lambda: file_deletions_run(ids=ids))
    artwork.cover_id, artwork.image_count = locked.cover_id, locked.image_count


def _positions_close(artwork: Artwork, kind: str) -> None:
    ids = list(
        ArtworkImage.objects.filter(artwork=artwork, kind=kind)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    _positions_write(ids)


def _positions_write(ids: list[int]) -> None:
    for position, pk in enumerate(ids):
        ArtworkImage.objects.filter(pk=pk).exclude(position=position).update(position=position)


def artwork_images_reorder(*, artwork: Artwork, artist: User, kind: str, order: list[int]) -> None:
    """Put the post's images of one ``kind`` (final or process) in ``order`` (their ids).

    ``order`` must name each image of that kind exactly once, and nothing else: a foreign id,
    a repeated id or a missing one is refused (``Invalid``, code ``order``) with nothing
    changed, so two tabs reordering at once cannot leave positions half-written. Effects,
    under the post's row lock: the positions, and a row save that retires its cached pages.
    ``Conflict`` when the post cannot change now.
    """
    _writer_check(artist)
    if kind not in Kind.values:
        raise Invalid("Unknown image kind.", field_errors={"kind": ["Choose final or process."]})
    with transaction.atomic():
        locked = _locked(artwork, artist)
        current = set(
            ArtworkImage.objects.filter(artwork=locked, kind=kind).values_list("pk", flat=True)
        )
        if len(order) != len(set(order)) or set(order) != current:
            message = "Send every image of this kind exactly once, and only this post's images."
            raise Invalid(message, field_errors={"order": [message]}, code="order")
        _positions_write(order)
        locked.save(update_fields=["updated_at"])


def artwork_cover_set(*, artwork: Artwork, artist: User, image_id: int) -> None:
    """Make one of the post's ready final images its cover (the image on every card).

    Effects, under the post's row lock: the cover, and a row save that retires every cached
    listing and page showing the post. ``Invalid`` (code ``cover``) for an image that is not
    one of this post's ready final images (a process image, one still processing, a foreign
    id); ``Conflict`` when the post cannot change now.
    """
    _writer_check(artist)
    with transaction.atomic():
        locked = _locked(artwork, artist)
        image = ArtworkImage.objects.filter(
            pk=image_id, artwork=locked, kind=Kind.FINAL, state=ArtworkImage.State.READY
        ).first()
        if image is None:
            message = "Choose one of this post's final images that is ready."
            raise Invalid(message, field_errors={"cover": [message]}, code="cover")
        if locked.cover_id != image.pk:
            locked.cover = image
            locked.save(update_fields=["cover", "updated_at"])
    artwork.cover_id = image.pk


def artwork_publish(*, artwork: Artwork, artist: User) -> bool:
    """Publish the artist's draft through the same path as an upload.

    A settled draft goes live now (``publication.artwork_go_live``): its label is checked
    against its files' verdict again (the artist may have relabeled it), it waits for approval
    if the artist's uploads are held, it is handed to moderation (provenance flag, near-
    duplicates, re-uploads), and ``artwork_published`` is sent for whoever tells followers.
    A draft still processing is marked to go live when its images are ready. Returns True when
    it published (or will), False when it was not a draft any more (a double click: the first
    request published it).

    Failure modes: ``NotAllowed`` for a suspended artist; ``NotFound`` for another's post;
    ``Conflict`` for a draft whose images failed (Retry first); ``Invalid`` (code ``label``)
    for an AI-generated label on a site that no longer accepts it.
    """
    _writer_check(artist)
    with transaction.atomic():
        locked = Artwork.objects.select_for_update().filter(pk=artwork.pk).first()
        if locked is None or locked.artist_id != artist.pk:
            raise NotFound("No such artwork.")
        if locked.status == Status.FAILED and not locked.publish_when_ready:
            raise Conflict(NOT_CHANGEABLE[Status.FAILED], code="status")
        if locked.status == Status.PROCESSING and not locked.publish_when_ready:
            locked.publish_when_ready = True
            locked.save(update_fields=["publish_when_ready", "updated_at"])
            artwork.publish_when_ready = True
            return True
        if locked.status != Status.DRAFT:
            return False
        if locked.label == Label.GENERATED and not settings.ATELIER_ALLOW_AI_GENERATED:
            message = "This site does not accept AI-generated images."
            raise Invalid(message, field_errors={"label": [message]}, code="label")
        if locked.provenance_verdict:
            locked.label_mismatch = provenance.contradicts(locked.label, locked.provenance_verdict)
        artwork_go_live(locked)
    artwork.status, artwork.published_at = locked.status, locked.published_at
    return True
