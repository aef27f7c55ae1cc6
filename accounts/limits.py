"""Per-member limits on accounts' actions: upload attempts (artworks and avatars alike).

Every upload attempt counts, accepted or refused, artwork or avatar: refusing a file costs the
server work too, and without a count a refused upload could be repeated forever (issue 10).
The count itself is ``config.ratelimit``'s token bucket, the site's one rate-limit mechanism.
"""

from __future__ import annotations

from accounts.models import User
from config.ratelimit import allow_upload_attempt


def upload_attempt_record(*, user: User) -> None:
    """Count one upload attempt by ``user``.

    Raises ``config.errors.RateLimited`` (code ``upload_attempts``, with the seconds until the
    next attempt counts) past ``ATELIER_UPLOAD_ATTEMPTS_PER_HOUR``. While Redis is down the
    count fails open (``config.cache``), like every other limit.
    """
    allow_upload_attempt(user_id=user.pk)
