"""Trust levels: grow with account age, accepted work and accurate flags and votes; fall with
strikes."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import TrustLevel, User
from accounts.services import user_trust_set
from moderation.models import ReviewerRecord, Strike

THRESHOLDS = ((20, TrustLevel.VETERAN), (10, TrustLevel.TRUSTED), (5, TrustLevel.REGULAR),
              (2, TrustLevel.MEMBER))  # fmt: skip


def trust_points(user: User) -> float:
    """The member's trust points: up to 6 for account age (one a month), up to 5 for posts
    (half a point each), one per upheld flag or agreeing vote, minus half per dismissed flag,
    minus 5 per active strike. ``THRESHOLDS`` turns points into a level."""
    record = ReviewerRecord.objects.filter(user=user).first()
    age_days = (timezone.now() - user.date_joined).days
    points = min(age_days / 30, 6) + min(user.artwork_count, 10) / 2
    if record:
        points += record.flags_upheld + record.votes_agreed
        points -= (record.flags_decided - record.flags_upheld) * 0.5
    active = Strike.objects.filter(
        user=user, reversed_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    return points - 5 * active


def trust_recompute(*, user_id: int) -> int:
    """Set the member's trust level from their record (``accounts.services.user_trust_set``)
    and return it. Raises ``User.DoesNotExist`` for an unknown id."""
    user = User.objects.get(pk=user_id)
    points = trust_points(user)
    level = next((lvl for limit, lvl in THRESHOLDS if points >= limit), TrustLevel.NEW)
    if level != user.trust_level:
        user_trust_set(user_id=user_id, level=level)
    return level


def record_for(user_id: int) -> ReviewerRecord:
    """The member's flag and vote record, created empty on first use (``get_or_create`` on
    the unique user column, so concurrent first uses make one row)."""
    record, _ = ReviewerRecord.objects.get_or_create(user_id=user_id)
    return record
