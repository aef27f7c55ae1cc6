"""Celery tasks of accounts: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from accounts import services


# Acknowledged after it ran, and put back on the queue if the worker dies mid-render: a
# lost process does not lose the avatar, and avatar_apply makes a second run harmless.
# Storage and broker errors are worth a retry; a bad file is not (avatar_apply records it).
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def render_avatar(user_id: int, pending: str) -> None:
    """Decode and resize a member's new avatar (idempotent; a superseded upload is skipped)."""
    # The soft limit leaves time to tell the member why; the hard one kills a render that
    # hangs even so.
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
