"""The image pipeline: provenance, hash, derivatives, publication, and the stuck-image sweeper."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

import imaging
from accounts.models import User
from gallery import provenance
from gallery.models import Artwork, ArtworkImage, ImageHashBand, LabelChange
from gallery.selectors import hash_bands
from gallery.signals import artwork_published, artwork_scanned
from gallery.storage import private_storage

logger = logging.getLogger(__name__)

# After this many sweeps of the same image it is failed instead of re-enqueued again.
MAX_ATTEMPTS = 5

FAILED_DECODE = (
    "We could not read this image. Please export it again as JPEG, PNG, WebP or GIF and "
    "upload that file."
)
FAILED_TIMEOUT = (
    "Processing this image took too long. Try a smaller file (under 50 megapixels), then "
    "press Retry."
)
FAILED_ATTEMPTS = "Processing kept failing on our side. Press Retry; if it fails again, tell us."


class PermanentImageError(Exception):
    """The image cannot be processed however often we try; the artist must act."""


def _derivative_name(image: ArtworkImage, derivative: imaging.Derivative) -> str:
    ext = "jpg" if derivative.format == "jpeg" else derivative.format
    return f"art/{image.derivative_key}/{derivative.width}.{ext}"


def image_process(*, image_id: int) -> None:
    """Scan, hash and render one image, then publish its artwork if every image is ready.

    Idempotent: a ready image returns at once; a re-run (redelivery after a killed worker)
    rewrites the same derivative names. Decoding problems fail the image and its artwork with
    a readable reason and keep the original for a retry; storage or database errors raise so
    the task retries.
    """
    image = ArtworkImage.objects.select_related("artwork").filter(pk=image_id).first()
    if image is None or image.state in (ArtworkImage.State.READY, ArtworkImage.State.FAILED):
        return
    ArtworkImage.objects.filter(pk=image_id, state=ArtworkImage.State.PENDING).update(
        state=ArtworkImage.State.PROCESSING, state_changed_at=timezone.now()
    )
    with private_storage().open(image.original.name, "rb") as fh:
        data = fh.read()
    # Provenance first: re-encoding drops every manifest and chunk it reads.
    scan = provenance.scan_bytes(data)
    try:
        rendered = imaging.render(
            io.BytesIO(data),
            max_pixels=settings.ATELIER_MAX_PIXELS,
        )
    except imaging.ImageRejected as exc:
        image_fail(image_id=image_id, reason=f"{FAILED_DECODE} ({exc.reason})")
        return
    derivatives = []
    for derivative in rendered.derivatives:
        name = _derivative_name(image, derivative)
        default_storage.save(name, ContentFile(derivative.data))
        derivatives.append(
            {
                "name": name,
                "width": derivative.width,
                "height": derivative.height,
                "format": derivative.format,
                "bytes": len(derivative.data),
            }
        )
    _image_finish(image, scan, rendered, derivatives)


def _image_finish(image, scan, rendered, derivatives) -> None:
    now = timezone.now()
    with transaction.atomic():
        # The artwork row lock serialises the last two images finishing at the same moment,
        # so exactly one of them sees "all ready" and publishes.
        artwork = Artwork.objects.select_for_update().get(pk=image.artwork_id)
        updated = ArtworkImage.objects.filter(
            pk=image.pk, state__in=[ArtworkImage.State.PENDING, ArtworkImage.State.PROCESSING]
        ).update(
            state=ArtworkImage.State.READY,
            state_changed_at=now,
            width=rendered.width,
            height=rendered.height,
            phash=rendered.phash,
            placeholder=rendered.placeholder,
            derivatives=derivatives,
            provenance=scan.to_dict(),
            provenance_verdict=scan.verdict,
            error="",
        )
        if not updated:
            return
        if image.kind == ArtworkImage.Kind.FINAL and len(rendered.phash) == 16:
            ImageHashBand.objects.filter(image_id=image.pk).delete()
            ImageHashBand.objects.bulk_create(
                ImageHashBand(image_id=image.pk, band=band, value=value)
                for band, value in enumerate(hash_bands(rendered.phash))
            )
        _artwork_settle(artwork)


def _artwork_settle(artwork: Artwork) -> None:
    """Under the artwork's row lock: publish when all images are ready, record provenance."""
    states = list(artwork.images.values_list("state", "provenance"))
    if any(state != ArtworkImage.State.READY for state, _ in states):
        return
    if artwork.status != Artwork.Status.PROCESSING:
        return
    results = [provenance.ScanResult.from_dict(p) for _, p in states if p]
    verdict = provenance.combine(results)
    mismatch = provenance.contradicts(artwork.label, verdict)
    artwork.provenance_verdict = verdict
    artwork.label_mismatch = mismatch
    # An artist whose uploads are held after a strike: the post waits for a moderator in this
    # same transaction, so it is never public first (moderation's intake opens the case).
    held_artist = User.objects.filter(pk=artwork.artist_id, uploads_held_until__gt=timezone.now())
    if held_artist.exists():
        artwork.status = Artwork.Status.AWAITING_APPROVAL
    else:
        artwork.status = Artwork.Status.PUBLISHED
        artwork.published_at = artwork.published_at or timezone.now()
        User.objects.filter(pk=artwork.artist_id).update(artwork_count=F("artwork_count") + 1)
    artwork.status_reason = ""
    # Durable hand-off to moderation: the task below may be lost (broker down); the sweep in
    # moderation finds the flag still set and runs the intake again (it is idempotent).
    artwork.handoff_pending = True
    artwork.save(
        update_fields=[
            "provenance_verdict", "label_mismatch", "status", "status_reason", "published_at",
            "handoff_pending", "updated_at",
        ]
    )  # fmt: skip
    evidence = [e for r in results for e in r.to_dict()["evidence"]]
    artwork_id = artwork.pk
    transaction.on_commit(
        lambda: artwork_scanned.send(
            sender=Artwork,
            artwork_id=artwork_id,
            verdict=verdict,
            mismatch=mismatch,
            evidence=evidence,
        )
    )
    if artwork.status == Artwork.Status.PUBLISHED:
        transaction.on_commit(lambda: artwork_published.send(sender=Artwork, artwork_id=artwork_id))


def image_fail(*, image_id: int, reason: str) -> None:
    """Mark an image and its artwork failed with a reason the artist can act on."""
    with transaction.atomic():
        image = ArtworkImage.objects.select_related("artwork").get(pk=image_id)
        artwork = Artwork.objects.select_for_update().get(pk=image.artwork_id)
        ArtworkImage.objects.filter(pk=image_id).exclude(state=ArtworkImage.State.READY).update(
            state=ArtworkImage.State.FAILED, error=reason[:500], state_changed_at=timezone.now()
        )
        if artwork.status == Artwork.Status.PROCESSING:
            artwork.status = Artwork.Status.FAILED
            artwork.status_reason = reason[:500]
            artwork.save(update_fields=["status", "status_reason", "updated_at"])


def artwork_retry(*, artwork: Artwork) -> int:
    """Put a failed artwork's failed images back in the queue; returns how many were requeued."""
    from gallery.services.upload import images_enqueue_on_commit

    with transaction.atomic():
        locked = Artwork.objects.select_for_update().get(pk=artwork.pk)
        if locked.status != Artwork.Status.FAILED:
            return 0
        ids = list(
            locked.images.filter(state=ArtworkImage.State.FAILED).values_list("pk", flat=True)
        )
        ArtworkImage.objects.filter(pk__in=ids).update(
            state=ArtworkImage.State.PENDING, error="", attempts=0, state_changed_at=timezone.now()
        )
        locked.status = Artwork.Status.PROCESSING
        locked.status_reason = ""
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        for image_id in ids:
            images_enqueue_on_commit(image_id)
    return len(ids)


def images_sweep_stuck(*, older_than: timedelta | None = None) -> int:
    """Re-enqueue images left pending/processing (lost task, broker restart); fail hopeless ones.

    Returns the number of images re-enqueued. Each sweep bumps ``attempts``; past
    ``MAX_ATTEMPTS`` the image is failed with a reason instead.
    """
    from gallery.services.upload import images_enqueue_on_commit

    if older_than is None:
        older_than = timedelta(minutes=settings.ATELIER_STUCK_AFTER_MINUTES)
    cutoff = timezone.now() - older_than
    stuck = ArtworkImage.objects.filter(
        state__in=[ArtworkImage.State.PENDING, ArtworkImage.State.PROCESSING],
        state_changed_at__lt=cutoff,
    ).values_list("pk", "attempts")[:1000]
    requeued = 0
    for image_id, attempts in list(stuck):
        if attempts >= MAX_ATTEMPTS:
            image_fail(image_id=image_id, reason=FAILED_ATTEMPTS)
            continue
        with transaction.atomic():
            # Conditional update: a worker finishing at this moment wins, and we skip it.
            claimed = ArtworkImage.objects.filter(
                Q(state=ArtworkImage.State.PENDING) | Q(state=ArtworkImage.State.PROCESSING),
                pk=image_id,
                state_changed_at__lt=cutoff,
            ).update(
                state=ArtworkImage.State.PENDING,
                attempts=F("attempts") + 1,
                state_changed_at=timezone.now(),
            )
            if claimed:
                images_enqueue_on_commit(image_id)
                requeued += 1
    if requeued:
        logger.info("sweeper re-enqueued %d stuck images", requeued)
    return requeued


def label_change(*, artwork: Artwork, to_label: str, by: str, actor, reason: str) -> bool:
    """Record a label change in the history and clear a provenance mismatch it resolves.

    Returns False (and writes nothing) when the label is unchanged.
    """
    with transaction.atomic():
        locked = Artwork.objects.select_for_update().get(pk=artwork.pk)
        if locked.label == to_label:
            return False
        LabelChange.objects.create(
            artwork=locked,
            from_label=locked.label,
            to_label=to_label,
            by=by,
            actor=actor,
            reason=reason[:500],
        )
        locked.label = to_label
        # The badge says "relabeled by moderators" until the artist changes the label again.
        locked.relabeled = by in (LabelChange.By.MODERATOR, LabelChange.By.COMMUNITY)
        if locked.provenance_verdict:
            locked.label_mismatch = provenance.contradicts(to_label, locked.provenance_verdict)
        locked.save(update_fields=["label", "label_mismatch", "relabeled", "updated_at"])
        artwork.label, artwork.label_mismatch = locked.label, locked.label_mismatch
        artwork.relabeled = locked.relabeled
    return True
