"""The image pipeline: provenance, hash, derivatives, publication, and the stuck-image sweeper."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import BotoCoreError, ClientError
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

import imaging
from gallery import provenance
from gallery.models import Artwork, ArtworkImage, ImageHashBand
from gallery.selectors import hash_bands
from gallery.services.label_files import (
    artwork_label_packet,
    packet_tag,
)
from gallery.services.publication import SETTLED, artwork_settle
from gallery.storage import private_storage, with_public_url

logger = logging.getLogger(__name__)

# After this many claims of the same image (crashed, stalled or transiently failing runs) it is
# failed instead of tried again.
MAX_ATTEMPTS = 6
# A lease outlives the task's hard time limit by this much: a live run never loses its lease.
LEASE_MARGIN = timedelta(seconds=30)

# Errors that say nothing about the image: storage I/O (OSError covers sockets and files, S3
# raises botocore's), the database going away, the broker refusing a follow-up task. The task
# retries these with backoff; everything else is permanent and fails the image at once.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    BotoCoreError,
    ClientError,
    OperationalError,
    InterfaceError,
    BrokerError,
)

FAILED_DECODE = (
    "We could not read this image. Please export it again as JPEG, PNG, WebP or GIF and "
    "upload that file."
)
FAILED_RENDER = (
    "We could not make the display copies of this image. Please export it again (another "
    "format or a smaller size often helps) and upload that file; if it keeps failing, tell us."
)
FAILED_MEMORY = (
    "This image needs more memory to process than we have. Try a smaller file (under 50 "
    "megapixels), then press Retry."
)
FAILED_TIMEOUT = (
    "Processing this image took too long. Try a smaller file (under 50 megapixels), then "
    "press Retry."
)
FAILED_MISSING = "We no longer have the original file of this image. Please upload it again."
FAILED_ATTEMPTS = "Processing kept failing on our side. Press Retry; if it fails again, tell us."
FAILED_TRANSIENT = (
    "A temporary problem on our side stopped processing this image. Press Retry in a few "
    "minutes; if it fails again, tell us."
)
FAILED_UNEXPECTED = (
    "Something went wrong on our side while processing this image. Press Retry; if it fails "
    "again, tell us."
)


class PermanentImageError(Exception):
    """The image cannot be processed however often we try; `reason` tells the artist why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Runner:
    """Who holds an image's lease: a worker's nodename, its boot id (new each time the worker
    starts) and the process id of the pool process doing the work."""

    node: str
    boot: str
    pid: int

    def __str__(self) -> str:
        return f"{self.node}|{self.boot}|{self.pid}"

    @classmethod
    def parse(cls, value: str) -> Runner | None:
        parts = value.rsplit("|", 2)
        if len(parts) != 3 or not parts[2].isdigit():
            return None
        return cls(node=parts[0], boot=parts[1], pid=int(parts[2]))


def images_enqueue_on_commit(image_id: int) -> None:
    """Enqueue ``process_image`` for one image once the current transaction commits.

    Effects: registers an on-commit callback; nothing is sent if the transaction rolls back.
    Failure modes: a broker outage is logged by Django (``robust=True``), never raised into the
    request that committed; the sweeper (``images_sweep_stuck``) re-enqueues the image later.
    """
    # The one function-level import left in the services: gallery.tasks imports this module
    # at load time (its tasks call the pipeline), so importing it back at the top is a cycle.
    from gallery.tasks import process_image

    transaction.on_commit(lambda: process_image.delay(image_id), robust=True)


def lease_duration() -> timedelta:
    """How long a claim lasts: the hard time limit (the pool kills a task past it) plus margin."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + LEASE_MARGIN


def _derivative_name(image: ArtworkImage, derivative: imaging.Derivative, *, zoom=False) -> str:
    ext = "jpg" if derivative.format == "jpeg" else derivative.format
    stem = image.derivative_stem({"width": derivative.width, "zoom": zoom})
    return f"art/{image.derivative_key}/{stem}.{ext}"


def derivative_record(
    image: ArtworkImage, derivative: imaging.Derivative, packet: bytes, *, zoom: bool = False
) -> dict:
    """Save one rendered derivative to public storage; returns its ``derivatives`` record.

    The zoom copy's record says ``"zoom": true`` and its file has a secret name
    (``ArtworkImage.derivative_stem``): it lives with the others (moved, relabelled, exported
    and deleted with them) but no srcset lists it.
    """
    name = _derivative_name(image, derivative, zoom=zoom)
    default_storage.save(name, ContentFile(derivative.data))
    record = {
        "name": name,
        "width": derivative.width,
        "height": derivative.height,
        "format": derivative.format,
        "bytes": len(derivative.data),
        "label": packet_tag(packet),
    }
    if zoom:
        record["zoom"] = True
    # The finished public URL is stored with the record: cards then never ask the storage for
    # it (gallery.storage.with_public_url).
    return with_public_url(record)


def image_claim(
    *, image_id: int, runner: Runner, holder_alive: Callable[[Runner], bool]
) -> ArtworkImage | None:
    """Take the processing lease on an image, or return None when there is nothing to do.

    Nothing to do: the image is gone, finished, or leased to a runner that ``holder_alive``
    says is still working (a duplicate delivery must not process it in parallel). A lease
    that expired, or whose holder is dead, is taken over. The take-over is a conditional
    update on the row as read (state, holder, attempts), so of two runners racing for the same
    image exactly one wins. An image claimed ``MAX_ATTEMPTS`` times already is failed instead.
    """
    image = ArtworkImage.objects.filter(pk=image_id).first()
    if image is None or image.state not in (
        ArtworkImage.State.PENDING,
        ArtworkImage.State.PROCESSING,
    ):
        return None
    now = timezone.now()
    if (
        image.state == ArtworkImage.State.PROCESSING
        and image.lease_until
        and image.lease_until > now
    ):
        holder = Runner.parse(image.lease_owner)
        if holder is not None and holder_alive(holder):
            logger.info(
                "image %s is being processed by %s; skipping this delivery", image_id, holder
            )
            return None
        logger.warning("image %s: taking over the lease of %s, which is gone", image_id, holder)
    if image.attempts >= MAX_ATTEMPTS:
        image_fail(image_id=image_id, reason=FAILED_ATTEMPTS)
        return None
    claimed = ArtworkImage.objects.filter(
        pk=image_id, state=image.state, lease_owner=image.lease_owner, attempts=image.attempts
    ).update(
        state=ArtworkImage.State.PROCESSING,
        lease_owner=str(runner),
        lease_until=now + lease_duration(),
        attempts=F("attempts") + 1,
        state_changed_at=now,
    )
    if not claimed:
        return None
    return ArtworkImage.objects.select_related("artwork").get(pk=image_id)


def image_process(*, image_id: int, runner: Runner, holder_alive: Callable[[Runner], bool]) -> None:
    """Claim, scan, hash and render one image, then publish its artwork if every image is ready.

    Idempotent: a finished image or one another live runner holds returns at once (see
    ``image_claim``); a re-run rewrites the same derivative names. Errors are classified here:
    a permanent one (unreadable or unrenderable file, missing original, soft time limit, any
    unexpected exception, which is logged with its traceback) fails the image and its artwork
    at once with a reason the artist can act on, keeping the original for a retry. A
    ``TRANSIENT_ERRORS`` one releases the lease and is raised for the task to retry.
    """
    image = image_claim(image_id=image_id, runner=runner, holder_alive=holder_alive)
    if image is None:
        return
    try:
        _image_run(image, runner)
    except TRANSIENT_ERRORS:
        _lease_release(image_id=image_id, runner=runner)
        raise
    except PermanentImageError as exc:
        image_fail(image_id=image_id, reason=exc.reason, runner=runner)
    except SoftTimeLimitExceeded:
        image_fail(image_id=image_id, reason=FAILED_TIMEOUT, runner=runner)
    except MemoryError:
        image_fail(image_id=image_id, reason=FAILED_MEMORY, runner=runner)
    except Exception:
        logger.exception("image %s failed with an unexpected error", image_id)
        image_fail(image_id=image_id, reason=FAILED_UNEXPECTED, runner=runner)


def _image_run(image: ArtworkImage, runner: Runner) -> None:
    try:
        with private_storage().open(image.original.name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError as exc:
        raise PermanentImageError(FAILED_MISSING) from exc
    # Provenance first: re-encoding drops every manifest and chunk it reads.
    scan = provenance.scan_bytes(data)
    packet = artwork_label_packet(Artwork.objects.select_related("artist").get(pk=image.artwork_id))
    try:
        rendered = imaging.render(
            io.BytesIO(data),
            max_pixels=settings.ATELIER_MAX_PIXELS,
            xmp=packet,
            zoom_edge=settings.ATELIER_ZOOM_MAX_EDGE,
        )
    except imaging.ImageRejected as exc:
        raise PermanentImageError(f"{FAILED_DECODE} ({exc.reason})") from exc
    except (SoftTimeLimitExceeded, MemoryError):
        raise
    except Exception as exc:
        # Rendering is a pure function of the file's bytes: whatever it raises (Pillow's
        # OSError included) will be raised again by a retry, so it is permanent.
        logger.exception("image %s: rendering failed", image.pk)
        raise PermanentImageError(FAILED_RENDER) from exc
    derivatives = [derivative_record(image, d, packet) for d in rendered.derivatives]
    if rendered.zoom is not None:
        derivatives.append(derivative_record(image, rendered.zoom, packet, zoom=True))
    _image_finish(image, runner, scan, rendered, derivatives)


def _lease_release(*, image_id: int, runner: Runner) -> None:
    """Give the image back (pending) so the task's retry can claim it at once."""
    try:
        ArtworkImage.objects.filter(
            pk=image_id, state=ArtworkImage.State.PROCESSING, lease_owner=str(runner)
        ).update(
            state=ArtworkImage.State.PENDING,
            lease_owner="",
            lease_until=None,
            state_changed_at=timezone.now(),
        )
    except TRANSIENT_ERRORS:
        # The database is what failed: the lease expires by itself and the sweeper takes over.
        logger.warning("image %s: could not release the lease", image_id, exc_info=True)


def _image_finish(image, runner, scan, rendered, derivatives) -> None:
    now = timezone.now()
    with transaction.atomic():
        # The artwork row lock serialises the last two images finishing at the same moment,
        # so exactly one of them sees "all ready" and publishes.
        artwork = Artwork.objects.select_for_update().get(pk=image.artwork_id)
        # Only the lease holder finishes: a runner whose lease was taken over (it was presumed
        # dead) writes nothing.
        updated = ArtworkImage.objects.filter(
            pk=image.pk, state=ArtworkImage.State.PROCESSING, lease_owner=str(runner)
        ).update(
            state=ArtworkImage.State.READY,
            lease_owner="",
            lease_until=None,
            state_changed_at=now,
            width=rendered.width,
            height=rendered.height,
            phash=rendered.phash,
            placeholder=rendered.placeholder,
            derivatives=derivatives,
            provenance=scan.to_dict(),
            provenance_verdict=scan.verdict,
            provenance_reader_version=provenance.READER_VERSION,
            generation=scan.parameters,
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
        artwork_settle(artwork)


def image_fail(*, image_id: int, reason: str, runner: Runner | None = None) -> None:
    """Mark an image and its artwork failed with a reason the artist can act on.

    With ``runner``, only while that runner still holds the image's lease (a runner presumed
    dead must not fail an image another runner has taken over). A ready image stays ready.
    """
    with transaction.atomic():
        image = ArtworkImage.objects.select_related("artwork").get(pk=image_id)
        artwork = Artwork.objects.select_for_update().get(pk=image.artwork_id)
        images = ArtworkImage.objects.filter(pk=image_id).exclude(state=ArtworkImage.State.READY)
        if runner is not None:
            images = images.filter(lease_owner=str(runner))
        failed = images.update(
            state=ArtworkImage.State.FAILED,
            error=reason[:500],
            lease_owner="",
            lease_until=None,
            state_changed_at=timezone.now(),
        )
        if failed and artwork.status == Artwork.Status.PROCESSING:
            artwork.status = Artwork.Status.FAILED
            artwork.status_reason = reason[:500]
            artwork.save(update_fields=["status", "status_reason", "updated_at"])
        elif failed and artwork.status in SETTLED:
            # An image added to a settled post failed: the post stays as it is (the artist
            # sees the reason on the edit page); the other new images need not wait for it.
            artwork_settle(artwork)


def artwork_retry(*, artwork: Artwork) -> int:
    """Put a failed artwork's failed images back in the queue; returns how many were requeued.

    Effects, under the artwork's row lock: its failed images go back to ``pending`` with their
    attempts reset, the artwork to ``processing``, and one task per image is enqueued after
    the commit. An artwork that is not ``failed`` (a double click, a retry already running)
    is left alone and 0 returned. The caller has checked ownership.
    """
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
    """Re-enqueue images whose task was lost; fail the ones that keep failing.

    Two kinds are lost: ``processing`` images whose lease expired (their worker died, or the
    lease predates leases) and ``pending`` images nobody claimed for ``older_than`` (default
    ``ATELIER_STUCK_AFTER_MINUTES``: the enqueue was lost in a broker outage, or the message
    died with its broker). An expired lease is given back (pending) before the re-enqueue; a
    pending image's clock restarts, so a long queue is topped up once per period, not every
    sweep. An image claimed ``MAX_ATTEMPTS`` times is failed with a reason instead. Each step
    is a conditional update, so a worker claiming or finishing the image meanwhile wins.
    Returns the number of images re-enqueued.
    """
    if older_than is None:
        older_than = timedelta(minutes=settings.ATELIER_STUCK_AFTER_MINUTES)
    now = timezone.now()
    cutoff = now - older_than
    lost_pending = Q(state=ArtworkImage.State.PENDING, state_changed_at__lt=cutoff)
    lost_processing = Q(state=ArtworkImage.State.PROCESSING) & (
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, state_changed_at__lt=cutoff)
    )
    stuck = ArtworkImage.objects.filter(lost_pending | lost_processing).values_list(
        "pk", "state", "lease_owner", "attempts"
    )[:1000]
    requeued = 0
    for image_id, state, lease_owner, attempts in list(stuck):
        if attempts >= MAX_ATTEMPTS:
            image_fail(image_id=image_id, reason=FAILED_ATTEMPTS)
            continue
        with transaction.atomic():
            # Conditional on the row as read: a worker that claimed or finished it wins.
            claimed = ArtworkImage.objects.filter(
                (lost_pending | lost_processing),
                pk=image_id,
                state=state,
                lease_owner=lease_owner,
                attempts=attempts,
            ).update(
                state=ArtworkImage.State.PENDING,
                lease_owner="",
                lease_until=None,
                state_changed_at=now,
            )
            if claimed:
                images_enqueue_on_commit(image_id)
                requeued += 1
    if requeued:
        logger.info("sweeper re-enqueued %d stuck images", requeued)
    return requeued


def images_requeue_orphans(*, node: str, boot: str) -> int:
    """Re-enqueue the images leased to an earlier life of the worker named ``node``.

    Called when a worker starts (``boot`` is its new boot id): nodenames are unique among
    live workers, so a lease held under the same name with another boot id belongs to a
    worker that was killed, and its message would otherwise wait for the broker (Redis: the
    visibility timeout). The tasks take the lease over (``image_claim``); the old message, if
    it is ever redelivered, finds the image finished. Returns the number re-enqueued.
    """
    ids = [
        image_id
        for image_id, owner in ArtworkImage.objects.filter(
            state=ArtworkImage.State.PROCESSING, lease_owner__startswith=f"{node}|"
        ).values_list("pk", "lease_owner")
        if (holder := Runner.parse(owner)) and holder.node == node and holder.boot != boot
    ]
    with transaction.atomic():
        for image_id in ids:
            images_enqueue_on_commit(image_id)
    if ids:
        logger.warning("worker %s re-enqueued %d images its previous run held", node, len(ids))
    return len(ids)
