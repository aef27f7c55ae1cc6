"""Writes to accounts: profiles and avatars, follows, notifications, API tokens."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.avatars import AvatarRejected, avatar_probe, avatar_render
from accounts.banners import BannerRejected, banner_probe, banner_render
from accounts.limits import upload_attempt_record
from accounts.models import (
    ApiToken,
    Block,
    Follow,
    MaturePreference,
    Mute,
    Notification,
    NotificationKind,
    User,
)

# The notification entry points live in their own module; re-exported so every caller keeps
# importing them from here.
from accounts.services_notifications import notifications_mark_read, notify  # noqa: F401
from config.errors import Conflict, Invalid, NotAllowed

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

    return _sweep_pending(
        field="avatar_pending", task=render_avatar, fail=avatar_fail,
        lost=AVATAR_FAILED_LOST, older_than=older_than,
    )  # fmt: skip


def _sweep_pending(*, field: str, task, fail, lost: str, older_than: timedelta) -> int:
    """Re-enqueue ``task`` for members whose ``field`` (a file waiting in private storage) is
    older than ``older_than``; fail those whose file is gone with ``lost``. At most 500 a run;
    stops at the first broker error (the next run tries again). Avatars and banners share it."""
    storage = private_storage()
    cutoff = timezone.now() - older_than
    requeued = 0
    waiting = User.objects.exclude(**{field: ""}).values_list("pk", field)[:500]
    for user_id, pending in waiting:
        try:
            waiting_since = storage.get_modified_time(pending)
        except (FileNotFoundError, OSError):
            fail(user_id=user_id, pending=pending, reason=lost)
            continue
        if waiting_since < cutoff:
            try:
                task.delay(user_id, pending)
            except Exception:  # broker still down: the next sweep tries again
                break
            requeued += 1
    return requeued


# --- Portfolio banners (issue 17 item 4): the avatar's pipeline, at banner size -------------

BANNER_FAILED_TIMEOUT = "The banner took too long to process. Try a smaller image."
BANNER_FAILED_LOST = "We lost your new banner on the way. Please upload it again."


def banner_update(*, user: User, banner: UploadedFile | None = None, remove: bool = False) -> User:
    """Take a new portfolio banner in for processing, or remove the banner.

    As ``profile_update`` does for avatars: a new banner counts as an upload attempt, is
    probed in the request (no decode) and waits in private storage under a server-generated
    name while ``render_banner`` makes the public 1500 x 500 WebP (no metadata) in the worker;
    the current banner stays until then. Removing also drops a banner still waiting.

    Raises, before anything is written: ``NotAllowed`` for a suspended member (they may
    remove their banner, not upload one), ``BannerRejected`` for a bad file and
    ``config.errors.RateLimited`` past the hourly upload attempts.
    """
    if banner is None and not remove:
        return user
    pending_name = None
    if banner is not None:
        if user.is_suspended:
            raise NotAllowed(
                "Your account is suspended, so you cannot upload a new banner until "
                f"{user.suspended_until:%d %B %Y}. You may remove your current one."
            )
        upload_attempt_record(user=user)
        probe = banner_probe(banner)
        name = f"banners-pending/{secrets.token_urlsafe(18)}.{probe.extension}"
        pending_name = private_storage().save(name, banner)
    try:
        with transaction.atomic():
            locked = (
                User.objects.select_for_update().only("banner", "banner_pending").get(pk=user.pk)
            )
            stale_private = locked.banner_pending or None
            stale_public = None
            if pending_name is not None:
                user.banner_pending, user.banner_error = pending_name, ""
                _banner_enqueue_on_commit(user.pk, pending_name)
            else:
                stale_public = locked.banner.name or None
                user.banner, user.banner_pending, user.banner_error = "", "", ""
            # save(), not update(): gallery.receivers retires the cached artist page.
            user.save(update_fields=["banner", "banner_pending", "banner_error"])
            _delete_on_commit(public=stale_public, private=stale_private)
    except BaseException:
        if pending_name is not None:
            private_storage().delete(pending_name)
        raise
    return user


def banner_apply(*, user_id: int, pending: str) -> None:
    """Render a member's waiting banner and make it their banner (worker side).

    Idempotent: returns at once unless ``pending`` is still the member's waiting upload. A
    file that cannot be decoded records the reason in ``banner_error`` and keeps the current
    banner. Storage errors raise, for the task to retry.
    """
    if not User.objects.filter(pk=user_id, banner_pending=pending).exists():
        return
    try:
        with private_storage().open(pending, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        banner_fail(user_id=user_id, pending=pending, reason=BANNER_FAILED_LOST)
        return
    try:
        rendered = banner_render(io.BytesIO(data))
    except BannerRejected as exc:
        banner_fail(user_id=user_id, pending=pending, reason=str(exc))
        return
    name = default_storage.save(f"banners/{secrets.token_urlsafe(16)}.webp", ContentFile(rendered))
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user_id, banner_pending=pending).first()
        if locked is None:  # superseded while we rendered
            _delete_on_commit(public=name, private=None)
            return
        old = locked.banner.name or None
        locked.banner, locked.banner_pending, locked.banner_error = name, "", ""
        # save(), not update(): gallery.receivers retires the cached artist page.
        locked.save(update_fields=["banner", "banner_pending", "banner_error"])
        _delete_on_commit(public=old, private=pending)


def banner_fail(*, user_id: int, pending: str, reason: str) -> None:
    """Drop a waiting banner that cannot be used and tell the member why (current one stays)."""
    with transaction.atomic():
        failed = User.objects.filter(pk=user_id, banner_pending=pending).update(
            banner_pending="", banner_error=reason[:300]
        )
        if failed:
            _delete_on_commit(public=None, private=pending)


def banners_sweep_pending(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Re-enqueue banners still waiting after ``older_than`` (as ``avatars_sweep_pending``)."""
    from accounts.tasks import render_banner

    return _sweep_pending(
        field="banner_pending", task=render_banner, fail=banner_fail,
        lost=BANNER_FAILED_LOST, older_than=older_than,
    )  # fmt: skip


def _banner_enqueue_on_commit(user_id: int, pending: str) -> None:
    from accounts.tasks import render_banner

    transaction.on_commit(lambda: render_banner.delay(user_id, pending), robust=True)


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
    """Follow or unfollow; counters move only when a row was really added or removed, and a
    new follow notifies the artist (``notify``: their settings, blocks).

    Returns the artist's follower count. Following yourself is ignored. Raises ``NotAllowed``
    when following someone in a block with ``follower`` (either direction); unfollowing is
    always allowed (there is nothing to unfollow after a block: ``block_set`` removed it).
    """

    if follower.pk == artist.pk:
        return artist.follower_count
    with transaction.atomic():
        changed = 0
        # Both rows locked in id order, as block_set locks them: a block committed at the same
        # moment is seen here, or sees this follow and removes it.
        if following:
            _lock_pair(follower.pk, artist.pk)
        if following and _blocked_pair(follower.pk, artist.pk):
            raise NotAllowed("You cannot follow this member.", code="blocked")
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
        if changed == 1:
            # Grouped per follower: unfollowing and following again says nothing new while
            # the first notice is unread.
            notify(
                user=artist,
                kind=NotificationKind.FOLLOW,
                title=f"{follower.name} followed you",
                url=follower.get_absolute_url(),
                actor=follower,
                group_key=f"follow:{follower.pk}",
            )
    return User.objects.values_list("follower_count", flat=True).get(pk=artist.pk)


# --- Blocks and mutes (issue 16) -----------------------------------------------------------------
# A block hides two members from each other everywhere; a mute hides an artist or a tag from the
# muting member's own feeds. Both are safety tools: suspended members may use them (they change
# nothing anyone else sees), and blocking a moderator is allowed but hides no moderation work
# (the moderation app's pages never read blocks; see docs/architecture.md).


def _blocked_pair(a_id: int, b_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def _lock_pair(a_id: int, b_id: int) -> None:
    # Always in id order: two members blocking each other at once wait, never deadlock.
    list(User.objects.select_for_update().filter(pk__in=[a_id, b_id]).order_by("pk").values("pk"))


def _filters_moved(*users: User) -> None:
    # A new filters_version is a new key for accounts.selectors.viewer_filters and for every
    # listing block cached for these members: the change shows on their next request (and the
    # rows passed in are kept in step, for the rest of this one).
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        filters_version=F("filters_version") + 1
    )
    versions = dict(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list("pk", "filters_version")
    )
    for user in users:
        user.filters_version = versions.get(user.pk, user.filters_version)


def block_set(*, blocker: User, blocked: User, blocking: bool) -> bool:
    """Block (``blocking``) or unblock a member; True when something changed.

    Blocking removes follows in both directions, moving both members' follower and
    following counters by exactly the rows removed, and moves both members'
    ``filters_version`` (their listings drop each other at once). Idempotent: a second block
    or unblock changes nothing and returns False (the unique constraint decides a double click).
    Raises ``Invalid`` for blocking yourself and ``Conflict`` past ``ATELIER_MAX_BLOCKS``.
    """
    if blocker.pk == blocked.pk:
        raise Invalid("You cannot block yourself.", code="self")
    with transaction.atomic():
        # Both members' rows are the lock: two blocks by one member cannot both pass the
        # count, and a follow_set between the two waits for this block (or it for the follow).
        _lock_pair(blocker.pk, blocked.pk)
        if not blocking:
            deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
            if deleted:
                _filters_moved(blocker, blocked)
            return bool(deleted)
        if Block.objects.filter(blocker=blocker, blocked=blocked).exists():
            return False
        if Block.objects.filter(blocker=blocker).count() >= settings.ATELIER_MAX_BLOCKS:
            raise Conflict(
                f"You have blocked {settings.ATELIER_MAX_BLOCKS} members, the most one may; "
                "unblock someone first.",
                code="too_many",
            )
        try:
            with transaction.atomic():
                Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:  # the same block committed by a concurrent request
            return False
        for follower, artist in ((blocker, blocked), (blocked, blocker)):
            # Through follow_set's own counter rule: a count moves only for a row removed.
            # Queryset delete sends post_delete per row: gallery's receiver retires the
            # following feeds these follows fed.
            removed, _ = Follow.objects.filter(follower=follower, artist=artist).delete()
            if removed:
                User.objects.filter(pk=artist.pk).update(follower_count=F("follower_count") - 1)
                User.objects.filter(pk=follower.pk).update(following_count=F("following_count") - 1)
        _filters_moved(blocker, blocked)
    return True


def _mute_set(*, user: User, muting: bool, **subject) -> bool:
    with transaction.atomic():
        user_lock(user_id=user.pk)
        if not muting:
            deleted, _ = Mute.objects.filter(user=user, **subject).delete()
            if deleted:
                _filters_moved(user)
            return bool(deleted)
        if Mute.objects.filter(user=user, **subject).exists():
            return False
        if Mute.objects.filter(user=user).count() >= settings.ATELIER_MAX_MUTES:
            raise Conflict(
                f"You have muted {settings.ATELIER_MAX_MUTES} artists and tags, the most one "
                "may; unmute one first.",
                code="too_many",
            )
        try:
            with transaction.atomic():
                Mute.objects.create(user=user, **subject)
        except IntegrityError:  # the same mute committed by a concurrent request
            return False
        _filters_moved(user)
    return True


def mute_artist_set(*, user: User, artist: User, muting: bool) -> bool:
    """Mute or unmute an artist in ``user``'s own feeds; True when something changed.

    The artist is not told and nothing else changes (follows stay). Idempotent like
    ``block_set``. Raises ``Invalid`` for muting yourself and ``Conflict`` past
    ``ATELIER_MAX_MUTES`` (artists and tags counted together).
    """
    if user.pk == artist.pk:
        raise Invalid("You cannot mute yourself.", code="self")
    return _mute_set(user=user, muting=muting, artist=artist)


def mute_tag_set(*, user: User, tag, muting: bool) -> bool:
    """Mute or unmute a tag (a taggit ``Tag``) in ``user``'s own feeds; True when something
    changed. Idempotent; ``Conflict`` past ``ATELIER_MAX_MUTES``."""
    return _mute_set(user=user, muting=muting, tag=tag)


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


# --- Closing an account (the use cases are privacy.services.deletion's) ------------------------


def user_deletion_mark(*, user_id: int) -> User | None:
    """Mark the member as asking for deletion and deactivate them, under their row lock.

    Returns the updated row, or None when it was already marked (a double submit changes
    nothing). Saved through ``save(update_fields=…)`` so gallery's receivers retire every
    cached listing at once (``is_active`` is one of the fields every listing shows).
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if user.deletion_requested_at is not None:
        return None
    user.deletion_requested_at, user.is_active = timezone.now(), False
    user.save(update_fields=["deletion_requested_at", "is_active"])
    return user


def user_deletion_unmark(*, user_id: int, requested_after) -> User | None:
    """Cancel a pending deletion requested after ``requested_after`` (the grace period's
    start), reactivating the member. Returns the row, or None when nothing was pending or the
    grace period is over (then the purge owns the account). Must run in a transaction."""
    user = User.objects.select_for_update().get(pk=user_id)
    pending = user.deletion_requested_at is not None and user.deleted_at is None
    if not pending or user.deletion_requested_at <= requested_after:
        return None
    user.deletion_requested_at, user.is_active = None, True
    user.save(update_fields=["deletion_requested_at", "is_active"])
    return user


def follows_erase(*, user_id: int) -> int:
    """Delete every follow from and to the member, moving the other sides' counters.

    Returns how many follows went. Idempotent (a second run finds none). Each deleted row
    sends post_delete, so the listing caches of both sides are retired by their receiver.
    """
    from django.db.models import F, Q

    from accounts.models import Follow

    with transaction.atomic():
        rows = list(
            Follow.objects.select_for_update()
            .filter(Q(follower_id=user_id) | Q(artist_id=user_id))
            .values_list("pk", "follower_id", "artist_id")
        )
        Follow.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        for _, follower_id, artist_id in rows:
            if follower_id == user_id:
                User.objects.filter(pk=artist_id, follower_count__gt=0).update(
                    follower_count=F("follower_count") - 1
                )
            else:
                User.objects.filter(pk=follower_id, following_count__gt=0).update(
                    following_count=F("following_count") - 1
                )
    return len(rows)


def user_personal_rows_erase(*, user_id: int) -> None:
    """Delete the member's accounts rows that are theirs alone: blocks and mutes (both
    directions of a block), notifications, API tokens, and allauth's email addresses.
    Idempotent."""
    from django.db.models import Q

    from accounts.models import Block, Mute

    with transaction.atomic():
        Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).delete()
        Mute.objects.filter(Q(user_id=user_id) | Q(artist_id=user_id)).delete()
        Notification.objects.filter(user_id=user_id).delete()
        ApiToken.objects.filter(user_id=user_id).delete()
        EmailAddress.objects.filter(user_id=user_id).delete()


def user_tombstone(*, user_id: int) -> list[tuple[str, str]]:
    """Strip the member's row down to a tombstone and mark it deleted.

    The row stays (moderation's cases, decisions, appeals and the append-only audit log
    point at it) but says nothing about the person: handle ``deleted-<id>``, an address at
    the reserved ``.invalid`` domain (the column is unique, so it cannot be empty for two),
    no name, bio, links, avatar, banner or portfolio, an unusable password, inactive, no staff
    rights, groups or permissions, counters at zero. Returns the (store, name) of the avatar
    and banner files to delete, which the caller writes down for deletion in the same
    transaction. Idempotent. Must run in a transaction.
    """
    from accounts.models import TOMBSTONE_PREFIX

    user = User.objects.select_for_update().get(pk=user_id)
    files = []
    if user.avatar.name:
        files.append(("public", user.avatar.name))
    if user.avatar_pending:
        files.append(("private", user.avatar_pending))
    if user.banner.name:
        files.append(("public", user.banner.name))
    if user.banner_pending:
        files.append(("private", user.banner_pending))
    # The portfolio's rows (gallery's, reached through the reverse relations: accounts does
    # not import gallery). Pins of deleted works went with them already.
    user.portfolio_pins.all().delete()
    user.portfolio_sections.all().delete()
    user.handle = f"{TOMBSTONE_PREFIX}{user.pk}"
    user.email = f"{TOMBSTONE_PREFIX}{user.pk}@deleted.invalid"
    user.display_name = user.bio = user.avatar_pending = user.avatar_error = ""
    user.suspension_reason = ""
    user.avatar = user.banner = ""
    user.banner_pending = user.banner_error = ""
    user.commission_status = user.commission_note = ""
    user.links = []
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.follower_count = user.following_count = user.artwork_count = 0
    user.deleted_at = user.deleted_at or timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return files
