"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

import imagehash  # noqa: F401 - imported at worker boot so the first task is not slowed by it
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from gallery.services import pipeline, withdrawal


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def process_image(self, image_id: int) -> None:
    """Process one uploaded image (idempotent; safe to run twice or after a killed worker)."""
    try:
        pipeline.image_process(image_id=image_id)
    except SoftTimeLimitExceeded:
        pipeline.image_fail(image_id=image_id, reason=pipeline.FAILED_TIMEOUT)


@shared_task(acks_late=True)
def sweep_stuck_images() -> int:
    """Beat task: re-enqueue images stuck in pending/processing past the threshold."""
    return pipeline.images_sweep_stuck()


@shared_task(acks_late=True)
def sweep_public_files() -> dict[str, int]:
    """Beat task: finish file withdrawals, restorations and deletions a storage outage left."""
    return withdrawal.public_files_sweep()
