"""Writes to accounts: profiles and avatars, follows, notifications, API tokens."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.avatars import AvatarRejected, avatar_probe, avatar_render
from accounts.limits import upload_attempt_record
from accounts.models import ApiToken, MaturePreference, Notification, NotificationKind, User

AVATAR_FAILED_TIMEOUT = "The avatar took too long to process. Try a smaller image."
AVATAR_FAILED_LOST = "The uploaded avatar was lost on our side. Please upload it again."


def profile_update(
    *, user: User, data: dict[str, Any], avatar: UploadedFile | None = None, remove_avatar=False
) -> User:
    """Save cleaned profile fields; take a new avatar in for processing, or remove the avatar.

    A new avatar counts as an upload attempt (accounts.limits) and is probed (bounded work, no
    decode), then kept in private storage under a server-generated name while
    ``render_avatar`` makes it in the worker; the current avatar stays until then. Removing
    also drops a new avatar still waiting. Replaced files are deleted after the commit.

    Raises, before anything is written: ``AvatarRejected`` for a bad file or a suspended
    member (suspended members may remove their avatar, not upload one), and
    ``config.errors.RateLimited`` past the hourly upload attempts.
    """
    pending_name = None
    if avatar is not None:
        if user.is_suspended:
            raise AvatarRejected(
                "Your account is suspended, so you cannot upload a new avatar until "
                f"{user.suspended_until:%d %B %Y}. You may remove your current one."
            )
        upload_attempt_record(user=user)
        probe = avatar_probe(avatar)
        name = f"avatars-pending/{secrets.token_urlsafe(18)}.{probe.extension}"
        pending_name = private_storage().save(name, avatar)
    try:
        with transaction.atomic():
            # The row lock orders this against render_avatar finishing at the same moment.
            locked = (
                User.objects.select_for_update().only("avatar", "avatar_pending").get(pk=user.pk)
            )
            for field, value in data.items():
                setattr(user, field, value)
            fields = list(data)
            stale_public, stale_private = None, locked.avatar_pending or None
            if pending_name is not None:
                user.avatar_pending, user.avatar_error = pending_name, ""
                fields += ["avatar_pending", "avatar_error"]
                _avatar_enqueue_on_commit(user.pk, pending_name)
            elif remove_avatar:
                stale_public = locked.avatar.name or None
                user.avatar, user.avatar_pending, user.avatar_error = "", "", ""
                fields += ["avatar", "avatar_pending", "avatar_error"]
            else:
                stale_private = None
            # Only the fields this form owns: a whole-row save would write back a stale
            # avatar over the one the worker has just finished.
            user.save(update_fields=fields)
            _delete_on_commit(public=stale_public, private=stale_private)
    except BaseException:
        if pending_name is not None:
            private_storage().delete(pending_name)
        raise
    return user


def avatar_apply(*, user_id: int, pending: str) -> None:
    """Render a member's waiting avatar and make it their avatar (worker side).

    Idempotent: returns at once unless ``pending`` is still the member's waiting upload (a
    newer upload or a removal supersedes it). A file that cannot be decoded records the reason
    in ``avatar_error`` (``avatar_fail``) and keeps the current avatar. Storage errors raise,
    for the task to retry.
    """
    if not User.objects.filter(pk=user_id, avatar_pending=pending).exists():
        return
    try:
        with private_storage().open(pending, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        avatar_fail(user_id=user_id, pending=pending, reason=AVATAR_FAILED_LOST)
        return
    try:
        rendered = avatar_render(io.BytesIO(data))
    except AvatarRejected as exc:
        avatar_fail(user_id=user_id, pending=pending, reason=str(exc))
        return
    name = default_storage.save(f"avatars/{secrets.token_urlsafe(16)}.webp", ContentFile(rendered))
    with transaction.atomic():
        locked = (
            User.objects.select_for_update()
            .only("avatar", "avatar_pending")
            .filter(pk=user_id, avatar_pending=pending)
            .first()
        )
        if locked is None:  # superseded while we rendered
            _delete_on_commit(public=name, private=None)
            return
        old = locked.avatar.name or None
        User.objects.filter(pk=user_id).update(avatar=name, avatar_pending="", avatar_error="")
        _delete_on_commit(public=old, private=pending)


def avatar_fail(*, user_id: int, pending: str, reason: str) -> None:
    """Drop a waiting avatar that cannot be used and tell the member why (current one stays)."""
    with transaction.atomic():
        failed = User.objects.filter(pk=user_id, avatar_pending=pending).update(
            avatar_pending="", avatar_error=reason[:300]
        )
        if failed:
            _delete_on_commit(public=None, private=pending)


AVATAR_FAILED_LOST = "We lost your new avatar on the way. Please upload it again."


def avatars_sweep_pending(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Re-enqueue avatars still waiting after ``older_than`` (their task was lost: broker
    down, worker killed); the render is idempotent. A waiting file that is gone fails with a
    reason. Returns how many were re-enqueued. Beat runs it (accounts.tasks)."""
    from accounts.tasks import render_avatar

    storage = private_storage()
    cutoff = timezone.now() - older_than
    requeued = 0
    for user_id, pending in User.objects.exclude(avatar_pending="").values_list(
        "pk", "avatar_pending"
    )[:500]:
        try:
            waiting_since = storage.get_modified_time(pending)
        except (FileNotFoundError, OSError):
            avatar_fail(user_id=user_id, pending=pending, reason=AVATAR_FAILED_LOST)
            continue
        if waiting_since < cutoff:
            try:
                render_avatar.delay(user_id, pending)
            except Exception:  # broker still down: the next sweep tries again
                break
            requeued += 1
    return requeued


def _avatar_enqueue_on_commit(user_id: int, pending: str) -> None:
    from accounts.tasks import render_avatar

    # robust: a broker outage is logged, not raised after the commit.
    transaction.on_commit(lambda: render_avatar.delay(user_id, pending), robust=True)


def _delete_on_commit(*, public: str | None, private: str | None) -> None:
    if public:
        transaction.on_commit(lambda: default_storage.delete(public), robust=True)
    if private:
        transaction.on_commit(lambda: private_storage().delete(private), robust=True)


def private_storage() -> Storage:
    """Where raw uploads wait (never served); the same storage as artwork originals."""
    return storages["private"]


def follow_set(*, follower: User, artist: User, following: bool) -> int:
    """Follow or unfollow; counters move only when a row was really added or removed.

    Returns the artist's follower count. Following yourself is ignored.
    """
    from django.db import IntegrityError
    from django.db.models import F

    from accounts.models import Follow

    if follower.pk == artist.pk:
        return artist.follower_count
    with transaction.atomic():
        changed = 0
        if following:
            try:
                with transaction.atomic():
                    Follow.objects.create(follower=follower, artist=artist)
                changed = 1
            except IntegrityError:
                changed = 0
        else:
            deleted, _ = Follow.objects.filter(follower=follower, artist=artist).delete()
            changed = -1 if deleted else 0
        if changed:
            User.objects.filter(pk=artist.pk).update(follower_count=F("follower_count") + changed)
            User.objects.filter(pk=follower.pk).update(
                following_count=F("following_count") + changed
            )
    return User.objects.values_list("follower_count", flat=True).get(pk=artist.pk)


def notify(
    *,
    user: User,
    kind: NotificationKind,
    title: str,
    body: str = "",
    url: str = "",
    actor: User | None = None,
) -> None:
    """Add an in-site notification (email, where wanted, is the caller's job).

    ``actor`` (who caused it) is accepted and not used yet: the notifications branch drops a
    notification when the recipient and the actor block each other; callers pass it already.

    ``kind`` must be a ``NotificationKind``: a stray string raises ``ValueError`` here, before
    the database's check constraint would refuse it.
    """
    Notification.objects.create(
        user=user, kind=NotificationKind(kind), title=title[:200], body=body, url=url[:300]
    )


def preference_set(*, user: User, preference: str) -> None:
    """Store a member's feed label preference."""
    User.objects.filter(pk=user.pk).update(feed_preference=preference)
    user.feed_preference = preference


def mature_preference_set(*, user: User, preference: str) -> None:
    """Store a member's mature preference (``MaturePreference``: show, blur or hide).

    Raises ``ValueError`` for any other value, before the database's check constraint would.
    """
    preference = MaturePreference(preference).value
    User.objects.filter(pk=user.pk).update(mature_preference=preference)
    user.mature_preference = preference


MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "atl_"  # noqa: S105 (a marker that makes leaked keys easy to scan for)
# last_used_at is a hint for the member, not an audit trail: one write a minute per token at most.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a personal access token; returns the row and the key.

    The key is returned only here: the database keeps its SHA-256 digest. Raises
    ``ValidationError`` for an unknown scope (code ``scope``), for a suspended member (code
    ``suspended``: a new token would outlive nothing but serve to dodge the suspension) or
    when the member already has ``MAX_ACTIVE_TOKENS`` active tokens (code ``too_many``).
    """
    if scope not in ApiToken.Scope.values:
        raise ValidationError("Choose read or read-write access.", code="scope")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # The member's row is the lock: two concurrent creations cannot both pass the count,
        # and a suspension committed meanwhile is seen.
        suspended_until = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("suspended_until", flat=True)
            .get()
        )
        if suspended_until is not None and suspended_until > timezone.now():
            raise ValidationError(
                f"Your account is suspended until {suspended_until:%d %B %Y}: you cannot "
                "create API tokens until then. You can still revoke the ones you have.",
                code="suspended",
            )
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} tokens; revoke one you no longer use.",
                code="too_many",
            )
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:60] or "API token",
            scope=scope,
            key_prefix=key[:8],
            key_hash=ApiToken.digest(key),
        )
    return token, key


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the member's own active tokens at once.

    Returns False when there is no such token (another member's id, or revoked already).
    """
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def token_touch(*, token: ApiToken) -> None:
    """Record that a token was used, at most once per ``TOKEN_TOUCH_EVERY``."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the member's notifications read, or all of them; returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- Restrictions and trust, set by moderation --------------------------------------------------
# Accounts owns these rows; moderation decides when (decisions, the strike ladder, appeals, trust)
# and calls these, as gallery.services.visibility does for artworks. Each returns what an audit
# entry needs, and keeps the passed ``user`` in step with its row.


def _when(value) -> str | None:
    return value.isoformat() if value else None


def user_lock(*, user_id: int) -> None:
    """Lock the member's row until the caller's transaction ends: actions counted per member
    (reports per hour) run one after the other, so a burst cannot overshoot a limit. Must be
    called inside ``transaction.atomic``."""
    User.objects.select_for_update().filter(pk=user_id).exists()


def user_suspend(*, user: User, days: int, reason: str) -> tuple[dict, dict]:
    """Suspend the member for ``days`` from now with ``reason`` (shown to them), never
    shortening a longer suspension already running. Returns ``suspended_until`` before and
    after, for the audit log."""
    before = {"suspended_until": _when(user.suspended_until)}
    until = timezone.now() + timedelta(days=days)
    if user.suspended_until and user.suspended_until > until:
        until = user.suspended_until
    User.objects.filter(pk=user.pk).update(suspended_until=until, suspension_reason=reason[:500])
    user.suspended_until, user.suspension_reason = until, reason[:500]
    return before, {"suspended_until": until.isoformat()}


def user_uploads_hold(*, user: User, days: int) -> tuple[dict, dict]:
    """Hold the member's new posts for a moderator's approval for ``days`` from now (the strike
    ladder's middle rung). Returns ``uploads_held_until`` before and after."""
    before = {"uploads_held_until": _when(user.uploads_held_until)}
    until = timezone.now() + timedelta(days=days)
    User.objects.filter(pk=user.pk).update(uploads_held_until=until)
    user.uploads_held_until = until
    return before, {"uploads_held_until": until.isoformat()}


def user_restrictions_lift(*, user: User, suspension: bool, hold: bool) -> tuple[dict, dict]:
    """Lift the member's suspension and/or upload hold (a moderator's early lift, an upheld
    appeal). Writes nothing when neither is asked. Returns the lifted fields before and after."""
    fields: dict = {}
    if suspension:
        fields.update(suspended_until=None, suspension_reason="")
    if hold:
        fields["uploads_held_until"] = None
    if not fields:
        return {}, {}
    before = {name: _when(getattr(user, name)) for name in fields if name != "suspension_reason"}
    User.objects.filter(pk=user.pk).update(**fields)
    for name, value in fields.items():
        setattr(user, name, value)
    return before, dict.fromkeys(before)


def user_trust_set(*, user_id: int, level: int) -> bool:
    """Store the member's trust level (``TrustLevel``); True when it changed. Only rows whose
    level differs are written, so a recompute that finds no change costs no write."""
    return bool(
        User.objects.filter(pk=user_id).exclude(trust_level=level).update(trust_level=level)
    )
