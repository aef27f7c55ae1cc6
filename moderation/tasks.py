"""Moderation's Celery tasks: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task

from gallery.services.pipeline import TRANSIENT_ERRORS
from moderation.services import decisions, intake, maintenance, reports

# Storage, database and broker hiccups are retried with backoff; anything else is a bug that
# retrying would not fix (the durable hand-off marks let the sweeps finish the work later).
RETRY = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def process_case(case_id: int) -> None:
    """Score the case, hold the post if enough trusted members agree, tell moderators."""
    maintenance.case_process(case_id=case_id)


@shared_task(**RETRY)
def intake_artwork(artwork_id: int) -> bool:
    """A settled post's moderation intake (flags, duplicate checks, approval case)."""
    return intake.artwork_intake(artwork_id=artwork_id)


@shared_task(acks_late=True)
def sweep_handoffs() -> dict:
    """Beat task: finish hand-offs whose task was lost (post intakes, case scoring)."""
    return {
        "intakes": intake.intake_sweep(),
        "cases": maintenance.cases_sweep_unprocessed(),
    }


@shared_task(acks_late=True)
def expire_claims() -> int:
    """Beat task: free cases whose claim ran out; returns how many."""
    return decisions.claims_expire()


@shared_task(acks_late=True)
def daily_upkeep() -> dict:
    """Strike expiry (trust recomputed), evidence deadlines, missed mismatch flags."""
    return maintenance.upkeep()


@shared_task(acks_late=True)
def build_reports() -> list[int]:
    """Beat task: build the periodic reports that are due; returns their ids."""
    return [r.pk for r in reports.reports_build_due()]
