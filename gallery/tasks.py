"""Celery tasks: thin wrappers that take ids and call one service, and the worker's start-up."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from functools import partial

import imagehash  # noqa: F401 - imported at worker boot so the first task is not slowed by it
from celery import current_app, shared_task
from celery.signals import worker_ready
from django.db import connections

from gallery.services import label_files, pipeline, rescan, withdrawal, zoom

logger = logging.getLogger(__name__)

# New each time a worker starts: the worker's main process imports this module before its pool
# forks (Celery imports task modules first), so every pool process shares it. It tells a
# restarted worker's leases from those of its previous life.
BOOT_ID = uuid.uuid4().hex[:12]
# How long a runner waits for another worker to answer a ping before taking its lease over.
PING_TIMEOUT = 1.5


def _runner(node: str | None) -> pipeline.Runner:
    return pipeline.Runner(
        node=node or f"eager@{socket.gethostname()}", boot=BOOT_ID, pid=os.getpid()
    )


def _holder_alive(holder: pipeline.Runner, *, me: pipeline.Runner) -> bool:
    """Whether the runner holding a lease may still be working on it (then we leave it be)."""
    if holder.node == me.node:
        # Same worker name: another boot id is a previous life (nodenames are unique among
        # live workers); in this life, a pool process that was killed no longer exists.
        return holder.boot == me.boot and holder.pid != me.pid and _pid_exists(holder.pid)
    # Another worker: it answers a ping (remote control runs in its main process) unless it
    # is gone. RabbitMQ redelivers a dead worker's task at once; this lets us act on it.
    replies = current_app.control.ping(destination=[holder.node], timeout=PING_TIMEOUT)
    return any(holder.node in reply for reply in replies)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=pipeline.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    # With the claims these retries make, stays under pipeline.MAX_ATTEMPTS: the sweeper gets
    # one more try in before it fails the image.
    max_retries=pipeline.MAX_ATTEMPTS - 2,
)
def process_image(self, image_id: int) -> None:
    """Process one uploaded image: idempotent, safe to deliver twice or after a killed worker.

    Permanent errors fail the image inside the service. Transient ones (``TRANSIENT_ERRORS``:
    storage, database, broker) are retried with backoff; in eager mode (no worker, no beat
    to sweep later) they fail the image at once so nothing stays processing, and the artist
    can press Retry. Time limits come from the settings (``CELERY_TASK_*_TIME_LIMIT``).
    """
    eager = bool(self.request.is_eager)
    me = _runner(None if eager else self.request.hostname)
    try:
        pipeline.image_process(
            image_id=image_id,
            runner=me,
            # In eager mode no worker runs tasks: a live lease is respected until it expires.
            holder_alive=(lambda holder: True) if eager else partial(_holder_alive, me=me),
        )
    except pipeline.TRANSIENT_ERRORS:
        if not eager:
            raise
        logger.warning("image %s: transient error in eager mode", image_id, exc_info=True)
        pipeline.image_fail(image_id=image_id, reason=pipeline.FAILED_TRANSIENT)


@shared_task(
    acks_late=True,
    autoretry_for=pipeline.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
)
def provenance_rescan_batch(run_id: int, chain: bool = True) -> int:
    """Re-read one batch of a provenance rescan; with ``chain``, enqueue the next batch.

    Resumable and idempotent through the run's cursor and each image's reader version
    (``gallery.services.rescan``). The command runs batches one by one without ``chain`` in
    eager mode, where enqueueing from a task would recurse. Returns the batch's size.
    """
    count = rescan.rescan_batch(run_id=run_id)
    if count and chain:
        provenance_rescan_batch.delay(run_id)
    return count


# Label-packet rewrites read and write public files: a storage or database blip is retried
# with backoff, and a worker killed mid-rewrite hands the task back (acks_late; idempotent).
FILE_REWRITE_TASK = {
    "acks_late": True,
    "autoretry_for": pipeline.TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "max_retries": 5,
}


@shared_task(**FILE_REWRITE_TASK)
def rewrite_label_packets(artwork_id: int) -> int:
    """Put the artwork's current label packet into its public derivatives (idempotent)."""
    return label_files.derivatives_rewrite_label(artwork_id=artwork_id)


@shared_task(**FILE_REWRITE_TASK)
def rewrite_artist_label_packets(artist_id: int) -> int:
    """After a profile change: every post of the artist gets its current packet (idempotent)."""
    return label_files.artist_derivatives_rewrite_label(artist_id=artist_id)


@shared_task(**FILE_REWRITE_TASK)
def make_zoom_copy(image_id: int) -> bool:
    """Make the zoom copy of one image rendered before zoom copies existed (idempotent)."""
    return zoom.image_zoom_add(image_id=image_id)


@shared_task(acks_late=True)
def make_artist_zoom_copies(artist_id: int) -> int:
    """After an artist allows zooming: one ``make_zoom_copy`` per image of theirs without one."""
    ids = list(zoom.images_without_zoom(artist_id=artist_id).values_list("pk", flat=True))
    for image_id in ids:
        make_zoom_copy.delay(image_id)
    return len(ids)


@shared_task(acks_late=True)
def sweep_stuck_images() -> int:
    """Beat task: re-enqueue images whose task was lost; fail those that keep failing."""
    return pipeline.images_sweep_stuck()


@shared_task(acks_late=True)
def sweep_public_files() -> dict[str, int]:
    """Beat task: finish file withdrawals, restorations and deletions a storage outage left."""
    return withdrawal.public_files_sweep()


@worker_ready.connect(dispatch_uid="gallery.tasks.requeue_orphans")
def _requeue_orphans(sender, **kwargs) -> None:
    """A worker that starts re-enqueues at once what its killed previous life left leased, and
    sweeps for anything else lost, instead of waiting for the broker or the next beat."""
    try:
        pipeline.images_requeue_orphans(node=sender.hostname, boot=BOOT_ID)
        pipeline.images_sweep_stuck()
    except Exception:
        logger.exception("start-up re-enqueue failed; the beat sweeper will catch up")
    finally:
        # The main process forks replacement pool processes later: leave them no socket.
        connections.close_all()


@shared_task(ignore_result=True)
def listings_bump_likes(artwork_id: int) -> None:
    """End of a like-count batch: retire the cached listings that show the post's count."""
    from gallery import listing_cache
    from gallery.models import Artwork

    row = Artwork.objects.filter(pk=artwork_id).values("artist_id", "medium").first()
    if row is not None:
        listing_cache.bump(listing_cache.artwork_scopes(artwork_id=artwork_id, **row))


@shared_task(acks_late=True, ignore_result=True)
def explore_rank() -> dict[str, int]:
    """Beat task: recompute the explore scores and the tag index's counts (idempotent: each
    run rewrites the same rows; gallery.services.explore)."""
    from gallery.services import explore

    ranked = explore.ranks_compute()
    ranked["tags"] = explore.tag_stats_compute()
    return ranked
