"""Celery tasks of privacy: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from privacy.services import deletion, export


# Acknowledged after it ran and put back if the worker dies: a redelivery finds the export
# claimed (skipped) or, once the sweep judged the first worker dead, claims it afresh. No
# autoretry: a storage error puts the row back in the queue and the sweep re-enqueues it
# minutes later, which is the backoff, and a durable one. The limits follow the setting
# (which settings.py keeps below the broker's visibility timeout).
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.ATELIER_EXPORT_TIME_LIMIT - 15,
    time_limit=settings.ATELIER_EXPORT_TIME_LIMIT,
)
def build_export(export_id: int) -> str:
    """Build one member's data export (idempotent: a second delivery is skipped)."""
    try:
        return export.export_build(export_id=export_id)
    except Exception:
        # Already logged and recorded on the row (queued again for the sweep); raising would
        # only make Celery log it twice.
        return "requeued"


@shared_task(acks_late=True)
def sweep_exports() -> dict[str, int]:
    """Beat task: re-queue exports a dead worker or a lost message left, expire old files."""
    return export.exports_sweep()


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def purge_accounts() -> int:
    """Beat task: purge the accounts past their deletion grace period (resumable)."""
    return deletion.accounts_purge_due()
