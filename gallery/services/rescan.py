"""Re-reading stored originals when the provenance reader improves (``provenance_rescan``).

Every scan stores the ``READER_VERSION`` that made it (``ArtworkImage.provenance_reader_version``);
a rescan re-reads only the ready images of settled posts (published, hidden, awaiting approval)
whose scan is older, in id order and in batches (``RescanRun.cursor``), and updates each
image's evidence and verdict and its post's verdict. A post whose new verdict contradicts its
label when the old one did not is a new mismatch: it goes to moderation through the same
durable hand-off as a fresh upload (``handoff_pending`` + ``artwork_scanned``), which raises
the provenance flag and opens the case. A mismatch that was already there is left as it is (a
moderator may have accepted the label), and one the better reader no longer sees is cleared.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict
from gallery import provenance
from gallery.models import Artwork, ArtworkImage, RescanRun
from gallery.services.handoff import artwork_scanned_on_commit
from gallery.storage import private_storage

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
RESCAN_STATUSES = (
    Artwork.Status.PUBLISHED,
    Artwork.Status.HIDDEN,
    Artwork.Status.AWAITING_APPROVAL,
)


@dataclass(frozen=True)
class ImageRescan:
    """What re-reading one image did."""

    updated: bool = False  # the stored scan was replaced (False: not stale any more, or gone)
    missing: bool = False  # the original is no longer in storage; the old scan stays
    changed: bool = False  # the image's verdict changed
    new_mismatch: bool = False  # its post now contradicts its label and did not before


def images_stale(
    *, since: datetime.date | None = None, artist: User | None = None
) -> QuerySet[ArtworkImage]:
    """Ready images of settled posts scanned by an older reader, oldest id first.

    ``since`` keeps images uploaded on or after that day (UTC), ``artist`` one artist's.
    """
    images = ArtworkImage.objects.filter(
        state=ArtworkImage.State.READY,
        provenance_reader_version__lt=provenance.READER_VERSION,
        artwork__status__in=RESCAN_STATUSES,
    )
    if since is not None:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
        images = images.filter(created_at__gte=start)
    if artist is not None:
        images = images.filter(artwork__artist=artist)
    return images.order_by("pk")


def rescan_start(*, since: datetime.date | None = None, artist: User | None = None) -> RescanRun:
    """Start a rescan of the stale images in scope, or resume the unfinished one with that scope.

    Returns the run (``total`` counts the stale images in scope when it started, plus those
    already done when it resumes). Raises ``Conflict`` when another scope's run is unfinished:
    one run at a time (``gallery_rescanrun_one_running``), so batches never compete.
    """
    running = RescanRun.objects.filter(status=RescanRun.Status.RUNNING).first()
    if running is None:
        try:
            with transaction.atomic():
                running = RescanRun.objects.create(
                    reader_version=provenance.READER_VERSION,
                    since=since,
                    artist=artist,
                    total=images_stale(since=since, artist=artist).count(),
                )
            return running
        except IntegrityError:  # a second command won the race; resume or refuse its run
            running = RescanRun.objects.get(status=RescanRun.Status.RUNNING)
    same_scope = (
        running.since == since
        and running.artist_id == (artist.pk if artist else None)
        and running.reader_version == provenance.READER_VERSION
    )
    if not same_scope:
        raise Conflict(
            f"Rescan {running.pk} ({running.scope}, reader {running.reader_version}) is not "
            "finished: run the command with that scope to finish it first."
        )
    return running


def rescan_batch(*, run_id: int, size: int = BATCH_SIZE) -> int:
    """Re-read the next ``size`` stale images of the run; returns how many were looked at.

    0 means the run is finished (it is marked so). The cursor moves only after the batch is
    done, and only from the value it was read at: a batch cut short (a killed worker) is done
    again on resume, and images it had finished are no longer stale, so nothing is counted
    twice. Transient storage or database errors propagate for the task to retry.
    """
    run = RescanRun.objects.select_related("artist").get(pk=run_id)
    if run.status != RescanRun.Status.RUNNING:
        return 0
    ids = list(
        images_stale(since=run.since, artist=run.artist)
        .filter(pk__gt=run.cursor)
        .values_list("pk", flat=True)[:size]
    )
    if not ids:
        RescanRun.objects.filter(pk=run_id, status=RescanRun.Status.RUNNING).update(
            status=RescanRun.Status.FINISHED, finished_at=timezone.now(), updated_at=timezone.now()
        )
        return 0
    outcomes = [image_rescan(image_id=image_id) for image_id in ids]
    RescanRun.objects.filter(pk=run_id, cursor=run.cursor).update(
        cursor=ids[-1],
        done=F("done") + sum(o.updated or o.missing for o in outcomes),
        changed=F("changed") + sum(o.changed for o in outcomes),
        new_mismatches=F("new_mismatches") + sum(o.new_mismatch for o in outcomes),
        missing=F("missing") + sum(o.missing for o in outcomes),
        updated_at=timezone.now(),
    )
    return len(ids)


def image_rescan(*, image_id: int) -> ImageRescan:
    """Re-read one image's original with the current reader and store what it says.

    Does nothing when the image is gone, not ready, or already scanned by this reader (a
    conditional update on the version read, so two runs never both write). A missing original
    keeps the old scan. Then the post's verdict is recomputed (``_artwork_reverdict``).
    """
    image = (
        ArtworkImage.objects.filter(
            pk=image_id,
            state=ArtworkImage.State.READY,
            provenance_reader_version__lt=provenance.READER_VERSION,
        )
        .only("pk", "artwork_id", "original", "provenance_verdict", "provenance_reader_version")
        .first()
    )
    if image is None:
        return ImageRescan()
    try:
        with private_storage().open(image.original.name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        logger.warning("rescan: the original of image %s is missing", image_id)
        return ImageRescan(missing=True)
    scan = provenance.scan_bytes(data)
    with transaction.atomic():
        # The artwork row lock orders this with the pipeline's settle and label changes.
        artwork = Artwork.objects.select_for_update().get(pk=image.artwork_id)
        updated = ArtworkImage.objects.filter(
            pk=image.pk, provenance_reader_version=image.provenance_reader_version
        ).update(
            provenance=scan.to_dict(),
            provenance_verdict=scan.verdict,
            provenance_reader_version=provenance.READER_VERSION,
        )
        if not updated:
            return ImageRescan()
        new_mismatch = _artwork_reverdict(artwork)
    return ImageRescan(
        updated=True, changed=scan.verdict != image.provenance_verdict, new_mismatch=new_mismatch
    )


def _artwork_reverdict(artwork: Artwork) -> bool:
    """Under the artwork's row lock: recompute its verdict; return True for a new mismatch."""
    if artwork.status not in RESCAN_STATUSES:
        return False  # processing posts settle with the current reader anyway
    results = [
        provenance.ScanResult.from_dict(p)
        for p in artwork.images.filter(provenance__isnull=False).values_list(
            "provenance", flat=True
        )
    ]
    verdict = provenance.combine(results)
    before = provenance.contradicts(artwork.label, artwork.provenance_verdict)
    after = provenance.contradicts(artwork.label, verdict)
    if verdict == artwork.provenance_verdict:
        return False
    artwork.provenance_verdict = verdict
    fields = ["provenance_verdict", "updated_at"]
    if before != after:
        artwork.label_mismatch = after
        fields.append("label_mismatch")
    new_mismatch = after and not before
    if new_mismatch:
        # The same durable hand-off as a fresh upload: moderation's intake raises the flag and
        # opens the case; its sweep finishes it if the task below is lost.
        artwork.handoff_pending = True
        fields.append("handoff_pending")
        artwork_scanned_on_commit(
            artwork_id=artwork.pk, verdict=verdict, mismatch=True, results=results
        )
    artwork.save(update_fields=fields)
    return new_mismatch
