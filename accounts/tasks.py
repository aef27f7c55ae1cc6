"""Celery tasks of accounts: thin wrappers that take ids and call one service."""

from __future__ import annotations

import time
from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from accounts import services

# Acknowledged after it ran, and put back on the queue if the worker dies mid-render: a
# lost process does not lose the avatar or banner, and avatar_apply / banner_apply make a second
# run harmless. Storage and broker errors are worth a retry; a bad file is not (the apply
# records it). The soft limit leaves time to tell the member why; the hard one kills a render
# that hangs even so.
RENDER_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OSError, ConnectionError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(**RENDER_TASK)
def render_avatar(user_id: int, pending: str) -> None:
    """Decode and resize a member's new avatar (idempotent; a superseded upload is skipped)."""
    try:
        services.avatar_apply(user_id=user_id, pending=pending)
    except SoftTimeLimitExceeded:
        services.avatar_fail(
            user_id=user_id, pending=pending, reason=services.AVATAR_FAILED_TIMEOUT
        )


@shared_task(acks_late=True)
def sweep_pending_avatars() -> int:
    """Beat task: re-enqueue avatars whose render task was lost."""
    return services.avatars_sweep_pending()


@shared_task(**RENDER_TASK)
def render_banner(user_id: int, pending: str) -> None:
    """Decode, crop and re-encode a member's new portfolio banner (idempotent, as avatars)."""
    try:
        services.banner_apply(user_id=user_id, pending=pending)
    except SoftTimeLimitExceeded:
        services.banner_fail(
            user_id=user_id, pending=pending, reason=services.BANNER_FAILED_TIMEOUT
        )


@shared_task(acks_late=True)
def sweep_pending_banners() -> int:
    """Beat task: re-enqueue banners whose render task was lost."""
    return services.banners_sweep_pending()


# --- Notifications ------------------------------------------------------------------------------
# Each fan-out step and each digest claim is idempotent through the database (see
# accounts.services_notifications), so a redelivered or duplicated task repeats no email.
FANOUT_BUDGET_SECONDS = 60
DIGEST_BUDGET_SECONDS = 60


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=5, max_retries=5)
def fanout_followers(fanout_id: int) -> None:
    """Tell an artist's followers about one event, batch after batch; past the time budget
    it enqueues itself to go on (the sweep catches a lost one)."""
    from accounts.services_notifications import fanout_step

    started = time.monotonic()
    while not fanout_step(fanout_id=fanout_id):
        if time.monotonic() - started > FANOUT_BUDGET_SECONDS:
            fanout_followers.delay(fanout_id)
            return


@shared_task(acks_late=True)
def sweep_fanouts() -> int:
    """Beat task: re-enqueue fan-outs whose task was lost."""
    from accounts.services_notifications import fanouts_sweep

    return fanouts_sweep()


@shared_task(acks_late=True)
def prune_notifications() -> dict[str, int]:
    """Beat task (daily): delete old digest rows and old read notifications."""
    from accounts.services_notifications import notifications_prune

    return notifications_prune()


@shared_task(
    acks_late=True, autoretry_for=(OSError, ConnectionError), retry_backoff=30, max_retries=5
)
def send_digests(period: str, window_end: str | None = None, after_id: int = 0) -> int:
    """Beat task (daily and weekly): one digest email per member with events
    (``digests_send``); a long run goes on in a new task with the same window."""
    from accounts.services_notifications import digest_window_end, digests_send

    end = datetime.fromisoformat(window_end) if window_end else digest_window_end(period)
    try:
        run = digests_send(
            period=period, window_end=end, after_id=after_id, budget_seconds=DIGEST_BUDGET_SECONDS
        )
    except SoftTimeLimitExceeded:
        # A slow mail server: start this part again; claims already sent are skipped.
        send_digests.delay(period, end.isoformat(), after_id)
        return 0
    if run.next_after is not None:
        send_digests.delay(period, end.isoformat(), run.next_after)
    return run.sent
