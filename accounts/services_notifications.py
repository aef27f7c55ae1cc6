"""Notifications: the one entry point (``notify``), members' settings per kind, batching,
fan-out to followers, digests and one-click unsubscribe.

Routing, in one place: ``notify`` reads the recipient's choice for the kind (or the kind's
default in ``accounts.models.KIND_POLICY``) and

- in-site on: a row in the member's list (batched rows are updated instead, see ``notify``);
- email "immediate": one email after the commit (``accounts.emails``);
- email "daily"/"weekly": a row the digest counts (hidden from the list if in-site is off);
- both off: nothing at all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts import emails
from accounts.models import (
    KIND_POLICY,
    Block,
    DigestPeriod,
    EmailChoice,
    Follow,
    Notification,
    NotificationDigest,
    NotificationFanout,
    NotificationKind,
    NotificationSetting,
    User,
)
from accounts.selectors import forget_unread
from config.errors import Invalid

logger = logging.getLogger(__name__)

# A batch remembers this many actors (newest last): enough to ignore a re-like by anyone
# recent, small enough to rewrite on every like.
MAX_GROUP_ACTORS = 100
DEFAULT_TEMPLATE = "accounts/email/notification"


@dataclass(frozen=True)
class Choice:
    """A member's effective choice for one kind."""

    kind: str
    label: str
    in_site: bool
    email: str
    in_site_locked: bool


def _effective(kind: str, in_site: bool | None, email: str | None) -> tuple[bool, str]:
    policy = KIND_POLICY[kind]
    in_site = policy.in_site if in_site is None else in_site
    # A locked kind reaches the list whatever a stored row (or a hand-made request) says.
    return (in_site or policy.in_site_locked), (email or policy.email)


def notify(
    *,
    user: User,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    url: str = "",
    actor: User | None = None,
    group_key: str = "",
    group_title: str = "",
    email_template: str = "",
    email_context: dict | None = None,
) -> Notification | None:
    """Tell ``user`` about something, as their settings for ``kind`` say (module docstring).

    ``actor``: who caused it; nothing happens when it is the recipient, or when either blocked
    the other. ``group_key`` batches: while the member has an unread row with that key, a new
    event updates it (``count`` + 1, ``actor`` the latest, title ``group_title`` with
    ``{count}`` filled in, moved to the top) instead of adding one; the same actor twice counts
    once (unlike, like again). Callers put the day in the key, so a batch spans one UTC day
    and a digest counts it whole. ``email_template`` (``<name>.txt``/``.html``) and
    ``email_context`` replace the plain email for an immediate one; only a new row (or none,
    in-site off) emails, never an update to a batch.

    Cheap, as it runs inside other services' transactions: one query for the recipient's
    choice and the blocks, one insert (a batch: a locked read and an update or insert).
    Returns the row written or updated, or None. Raises ``ValueError`` for an unknown kind.
    """
    kind = NotificationKind(kind)
    if actor is not None and actor.pk == user.pk:
        return None
    choice = _choice_and_block(user=user, kind=kind, actor=actor)
    if choice is None:
        return None
    in_site, email = choice
    digest = email in (EmailChoice.DAILY, EmailChoice.WEEKLY)
    note = None
    created = True
    if in_site or digest:
        fields = dict(
            user=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url[:300],
            actor=actor,
            in_site=in_site,
            group_key=group_key[:100],
            actor_ids=[actor.pk] if actor is not None and group_key else [],
        )
        if group_key:
            note, created = _group_add(fields=fields, group_title=group_title, actor=actor)
        else:
            note = Notification.objects.create(**fields)
    if email == EmailChoice.IMMEDIATE and created:
        emails.email_on_commit(
            user=user,
            scope=kind.value,
            subject=title[:200],
            template=email_template or DEFAULT_TEMPLATE,
            context={
                **(email_context or {}),
                "title": title,
                "body": body,
                "url": url,
                "kind_label": kind.label,
            },
        )
    return note


def _choice_and_block(*, user: User, kind: str, actor: User | None) -> tuple[bool, str] | None:
    """(in_site, email) for ``user`` and ``kind`` in one query, or None when a block between
    ``user`` and ``actor`` drops the notification."""
    setting = NotificationSetting.objects.filter(user=OuterRef("pk"), kind=kind)
    query = User.objects.filter(pk=user.pk).annotate(
        s_in_site=Subquery(setting.values("in_site")[:1]),
        s_email=Subquery(setting.values("email")[:1]),
        blocked=(
            Exists(
                Block.objects.filter(
                    Q(blocker=OuterRef("pk"), blocked=actor.pk)
                    | Q(blocker=actor.pk, blocked=OuterRef("pk"))
                )
            )
            if actor is not None
            else Value(False)
        ),
    )
    row = query.values_list("s_in_site", "s_email", "blocked").first()
    if row is None or row[2]:
        return None
    return _effective(kind, row[0], row[1])


def _group_add(*, fields: dict, group_title: str, actor: User | None) -> tuple[Notification, bool]:
    """Add one event to the member's open batch for ``fields["group_key"]``, or open one.
    Returns (row, opened)."""
    for _attempt in range(2):
        open_row = (
            Notification.objects.select_for_update()
            .filter(user=fields["user"], group_key=fields["group_key"], read_at__isnull=True)
            .first()
        )
        if open_row is not None:
            if actor is not None and actor.pk in open_row.actor_ids:
                return open_row, False  # a re-like after an unlike: nothing new to say
            open_row.count += 1
            if actor is not None:
                open_row.actor_ids = [*open_row.actor_ids, actor.pk][-MAX_GROUP_ACTORS:]
            open_row.actor = actor
            open_row.title = (
                group_title.replace("{count}", str(open_row.count))[:200]
                if group_title
                else fields["title"]
            )
            # Moved to the top: "12 people liked" is news now, not when the first like came.
            open_row.created_at = timezone.now()
            open_row.save(update_fields=["count", "actor_ids", "actor", "title", "created_at"])
            return open_row, False
        try:
            # A savepoint: losing the race to a concurrent first like must not abort the
            # caller's transaction; the loop then finds and updates the winner's row.
            with transaction.atomic():
                return Notification.objects.create(**fields), True
        except IntegrityError:
            continue
    raise RuntimeError("notification batch kept changing under us")  # pragma: no cover


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the member's notifications read, or all of them; returns how many changed.

    A batch marked read closes: the next event opens a new one. Another member's id changes
    nothing (0).
    """
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    changed = qs.update(read_at=timezone.now())
    forget_unread(user)  # the badge on this request's own page counts afresh
    return changed


# --- Settings -----------------------------------------------------------------------------------


def notification_choices(*, user: User) -> list[Choice]:
    """The member's effective choice for every kind they can receive, in ``NotificationKind``
    order (moderators-only kinds for moderators alone). One query."""
    stored = {
        s.kind: s
        for s in NotificationSetting.objects.filter(user=user).only("kind", "in_site", "email")
    }
    choices = []
    for kind in NotificationKind:
        policy = KIND_POLICY[kind]
        if policy.moderators_only and not user.is_moderator:
            continue
        row = stored.get(kind.value)
        in_site, email = _effective(
            kind.value, row.in_site if row else None, row.email if row else None
        )
        choices.append(Choice(kind.value, kind.label, in_site, email, policy.in_site_locked))
    return choices


def notification_settings_set(*, user: User, changes: dict[str, dict]) -> list[Choice]:
    """Store the member's choices: ``changes`` maps a kind to ``{"in_site": bool, "email":
    EmailChoice}`` (either key may be left out: it keeps its current value).

    Suspended members may do this (it only limits what reaches them). Raises ``Invalid`` with
    field errors, before writing anything, for an unknown kind, a kind the member cannot
    receive (moderators-only), an unknown email choice, or in-site turned off for a kind that
    cannot be (moderation's decisions about your own posts). Returns the new choices.
    """
    current = {c.kind: c for c in notification_choices(user=user)}
    errors: dict[str, list[str]] = {}
    rows = []
    for kind, change in changes.items():
        if kind not in current:
            errors[kind] = ["There is no such kind of notification."]
            continue
        if not isinstance(change, dict):
            errors[kind] = ["Send in_site and/or email for each kind."]
            continue
        in_site = change.get("in_site", current[kind].in_site)
        email = change.get("email", current[kind].email)
        if not isinstance(in_site, bool):
            errors[kind] = ["in_site is true or false."]
            continue
        if email not in EmailChoice.values:
            errors[kind] = ["Choose immediate, daily, weekly or off for email."]
            continue
        if current[kind].in_site_locked and not in_site:
            errors[kind] = [
                "Moderation decisions about your own posts and account always appear in your "
                "notifications; you can still choose how they are emailed."
            ]
            continue
        rows.append(NotificationSetting(user=user, kind=kind, in_site=in_site, email=email))
    if errors:
        raise Invalid("Some notification settings could not be saved.", field_errors=errors)
    if rows:
        NotificationSetting.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["in_site", "email"],
        )
    return notification_choices(user=user)


def unsubscribe_check(*, token: str) -> tuple[User, str]:
    """The member and scope a token names, changing nothing (the page a GET shows).

    Raises ``Invalid`` (code ``bad_token``) for a forged, altered or expired token, or one
    whose member is gone.
    """
    try:
        user_id, scope = emails.unsubscribe_read(token)
    except emails.BadToken as exc:
        raise Invalid(exc.message, code="bad_token") from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Invalid("This unsubscribe link's account no longer exists.", code="bad_token")
    return user, scope


def unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn email off for the scope a signed token names (``accounts.emails``): one kind,
    every kind on one digest, or all email. No login: the token is the proof. In-site
    choices stay as they are. Idempotent (a second click changes nothing).

    Returns (member, scope). Raises ``Invalid`` (code ``bad_token``) for a forged, altered,
    expired token or one whose member is gone.
    """
    user, scope = unsubscribe_check(token=token)
    choices = notification_choices(user=user)
    if scope == emails.SCOPE_ALL:
        kinds = choices
    elif scope.startswith("digest-"):
        kinds = [c for c in choices if c.email == scope.removeprefix("digest-")]
    else:
        kinds = [c for c in choices if c.kind == scope]
    if kinds:
        NotificationSetting.objects.bulk_create(
            [
                NotificationSetting(user=user, kind=c.kind, in_site=c.in_site, email="off")
                for c in kinds
            ],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["email"],
        )
    return user, scope


def unsubscribe_scope_label(scope: str) -> str:
    """What a scope means, for the unsubscribe page."""
    if scope == emails.SCOPE_ALL:
        return "all email from Atelier"
    if scope.startswith("digest-"):
        return f"the {scope.removeprefix('digest-')} digest"
    return f"email about “{NotificationKind(scope).label.lower()}”"


# --- Fan-out to followers -----------------------------------------------------------------------

FANOUT_BATCH = 500


def followers_notify_start(
    *, artist_id: int, key: str, kind: NotificationKind, title: str, url: str
) -> bool:
    """Start telling every follower of ``artist_id`` about one event, once ever per ``key``.

    Call inside the transaction that makes the event true (a post becoming public): the
    ``NotificationFanout`` row is written there and the task starts after the commit, so the
    publish never waits on followers (an artist with 100,000 followers publishes as fast as
    one with none) and a lost task is finished by ``fanouts_sweep``. ``title`` may hold
    ``{actor}`` for the artist's name. Returns False when ``key`` was seen before (a post
    published again after a hold tells nobody twice).
    """
    from accounts.tasks import fanout_followers

    try:
        with transaction.atomic():
            fanout = NotificationFanout.objects.create(
                key=key[:100],
                kind=NotificationKind(kind),
                actor_id=artist_id,
                title=title[:200],
                url=url[:300],
            )
    except IntegrityError:
        return False
    fanout_id = fanout.pk
    # robust: a broker outage is logged, not raised after the commit; the sweep retries.
    transaction.on_commit(lambda: fanout_followers.delay(fanout_id), robust=True)
    return True


def followers_notify_cancel(*, key: str) -> None:
    """Stop a fan-out not finished yet (the post was removed meanwhile); no-op otherwise."""
    NotificationFanout.objects.filter(key=key, done_at__isnull=True).update(done_at=timezone.now())


def fanout_step(*, fanout_id: int, size: int = FANOUT_BATCH) -> bool:
    """Tell the next ``size`` followers (in follower id order); True when none are left.

    One transaction per batch holding the fan-out's row lock: the batch's rows and the moved
    ``after_id`` commit together, so a killed worker leaves no half batch and a second worker
    waits rather than repeating it. Each follower's settings and blocks apply as in
    ``notify``; immediate emails go after the commit. An unknown or finished fan-out is done.
    """
    with transaction.atomic():
        fanout = (
            NotificationFanout.objects.select_for_update()
            .select_related("actor")
            .filter(pk=fanout_id, done_at__isnull=True)
            .first()
        )
        if fanout is None:
            return True
        follower_ids = list(
            Follow.objects.filter(artist_id=fanout.actor_id, follower_id__gt=fanout.after_id)
            .order_by("follower_id")
            .values_list("follower_id", flat=True)[:size]
        )
        _fanout_batch(fanout, follower_ids)
        done = len(follower_ids) < size
        if follower_ids:
            fanout.after_id = follower_ids[-1]
        fanout.done_at = timezone.now() if done else None
        fanout.save(update_fields=["after_id", "done_at"])
    return done


def _fanout_batch(fanout: NotificationFanout, follower_ids: list[int]) -> None:
    from accounts.selectors import blocked_ids

    if not follower_ids:
        return
    hidden = blocked_ids(fanout.actor)
    stored = {
        s.user_id: s
        for s in NotificationSetting.objects.filter(user_id__in=follower_ids, kind=fanout.kind)
    }
    title = fanout.title.replace("{actor}", fanout.actor.name)[:200]
    rows, immediate = [], []
    for follower_id in follower_ids:
        if follower_id in hidden:
            continue
        row = stored.get(follower_id)
        in_site, email = _effective(
            fanout.kind, row.in_site if row else None, row.email if row else None
        )
        if in_site or email in (EmailChoice.DAILY, EmailChoice.WEEKLY):
            rows.append(
                Notification(
                    user_id=follower_id,
                    kind=fanout.kind,
                    title=title,
                    url=fanout.url,
                    actor=fanout.actor,
                    in_site=in_site,
                )
            )
        if email == EmailChoice.IMMEDIATE:
            immediate.append(follower_id)
    Notification.objects.bulk_create(rows)
    kind = NotificationKind(fanout.kind)
    for user in User.objects.filter(pk__in=immediate).only("pk", "email", "handle", "display_name"):
        emails.email_on_commit(
            user=user,
            scope=kind.value,
            subject=title,
            template=DEFAULT_TEMPLATE,
            context={"title": title, "body": "", "url": fanout.url, "kind_label": kind.label},
        )


def fanouts_sweep(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Re-enqueue fan-outs still unfinished after ``older_than`` (their task was lost or its
    worker killed); ``fanout_step`` makes a second runner harmless. Returns how many."""
    from accounts.tasks import fanout_followers

    cutoff = timezone.now() - older_than
    ids = list(
        NotificationFanout.objects.filter(done_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    for fanout_id in ids:
        try:
            fanout_followers.delay(fanout_id)
        except Exception:  # broker still down: the next sweep tries again
            logger.warning("could not re-enqueue fan-out %s", fanout_id)
            break
    return len(ids)


# --- Digests ------------------------------------------------------------------------------------

# Small enough that one batch's emails fit well inside the task's time limit.
DIGEST_BATCH = 100
# How far back a member's first digest (or one after a long outage) looks.
DIGEST_LOOKBACK = {DigestPeriod.DAILY: timedelta(days=3), DigestPeriod.WEEKLY: timedelta(weeks=3)}


def digest_window_end(period: str, now: datetime | None = None) -> datetime:
    """The boundary a digest run covers up to: today's 00:00 UTC (daily), this Monday's
    00:00 UTC (weekly). Every run on the same day (week) gets the same boundary, which is
    what makes a rerun find its own claims."""
    now = (now or timezone.now()).astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == DigestPeriod.WEEKLY:
        return midnight - timedelta(days=midnight.weekday())
    return midnight


@dataclass
class DigestRun:
    sent: int
    next_after: int | None  # a member id to resume after, None when the run is complete


def digests_send(
    *,
    period: str,
    window_end: datetime | None = None,
    after_id: int = 0,
    budget_seconds: float | None = None,
) -> DigestRun:
    """Send one digest email to each member with events, on kinds whose email choice is
    ``period``, since their last digest of that period (at most ``DIGEST_LOOKBACK``) and
    before ``window_end`` (default: this period's boundary, ``digest_window_end``).

    Members are walked in id order from ``after_id``, ``DIGEST_BATCH`` at a time; past
    ``budget_seconds`` the run stops and returns where to resume. Idempotent: each member's
    digest is claimed (a ``NotificationDigest`` row, unique per member, period and window end)
    before its email is sent, and marked sent after; a rerun skips members whose digest is
    claimed for this window and sends the claimed ones never marked sent, of this window or
    an earlier one (a worker killed between claim and send). The one gap is a kill after the
    mail server took a message and before ``sent_at`` was stored: that member gets it twice.
    Members with nothing to report, no address, or the kind off get nothing. Mail server
    errors raise (the task retries).
    """
    period = DigestPeriod(period)
    end = window_end or digest_window_end(period)
    lookback = end - DIGEST_LOOKBACK[period]
    started = time.monotonic()
    sent = 0
    while True:
        members = list(
            User.objects.filter(pk__gt=after_id, is_active=True)
            .exclude(email="")
            .order_by("pk")
            .only("pk", "handle", "display_name", "email")[:DIGEST_BATCH]
        )
        if not members:
            return DigestRun(sent, None)
        _digests_claim(members, period=period, end=end, lookback=lookback)
        sent += _digests_deliver(members, period=period, end=end)
        after_id = members[-1].pk
        if len(members) < DIGEST_BATCH:
            return DigestRun(sent, None)
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            return DigestRun(sent, after_id)


def _digests_claim(members: list[User], *, period: str, end: datetime, lookback: datetime) -> None:
    ids = [m.pk for m in members]
    last_end = (
        NotificationDigest.objects.filter(user_id=OuterRef("user_id"), period=period)
        .order_by("-window_end")
        .values("window_end")[:1]
    )
    # Each member's window starts where their last digest ended (or the lookback); a member
    # whose digest for this window is already claimed has an empty window, so is skipped.
    counted = (
        Notification.objects.filter(user_id__in=ids, created_at__gte=lookback, created_at__lt=end)
        .annotate(since=Greatest(Coalesce(Subquery(last_end), Value(lookback)), Value(lookback)))
        .filter(created_at__gte=F("since"))
        .values("user_id", "kind", "since")
        .annotate(n=Sum("count"))
    )
    per_member: dict[int, dict] = {}
    starts: dict[int, datetime] = {}
    for row in counted:
        per_member.setdefault(row["user_id"], {})[row["kind"]] = row["n"]
        starts[row["user_id"]] = row["since"]
    if not per_member:
        return
    stored: dict[tuple[int, str], str] = dict(
        (((s.user_id, s.kind), s.email))
        for s in NotificationSetting.objects.filter(user_id__in=list(per_member)).only(
            "user_id", "kind", "email"
        )
    )
    claims = []
    for user_id, kinds in per_member.items():
        counts = {
            kind: n
            for kind, n in kinds.items()
            if _effective(kind, True, stored.get((user_id, kind)))[1] == period and n
        }
        if counts:
            claims.append(
                NotificationDigest(
                    user_id=user_id,
                    period=period,
                    window_start=starts[user_id],
                    window_end=end,
                    counts=counts,
                )
            )
    NotificationDigest.objects.bulk_create(claims, ignore_conflicts=True)


def _digests_deliver(members: list[User], *, period: str, end: datetime) -> int:
    by_id = {m.pk: m for m in members}
    sent = 0
    # Older windows too: a claim left unsent by a run that died is sent late, not never (the
    # member's next window starts at its end, so nothing is counted twice).
    pending = NotificationDigest.objects.filter(
        user_id__in=list(by_id), period=period, window_end__lte=end, sent_at__isnull=True
    ).order_by("user_id", "window_end")
    for digest_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            # The row lock is the claim on sending: a second runner (a redelivered task) skips
            # a digest being sent instead of sending it again. It holds one row for one email.
            digest = (
                NotificationDigest.objects.select_for_update(skip_locked=True)
                .filter(pk=digest_id, sent_at__isnull=True)
                .first()
            )
            if digest is None:
                continue
            _digest_send(by_id[digest.user_id], digest, period=period)
            # Only after the server took it; a kill just before this line is the one duplicate.
            NotificationDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


def _digest_send(user: User, digest: NotificationDigest, *, period: str) -> None:
    lines = [
        (NotificationKind(kind).label, n)
        for kind, n in sorted(digest.counts.items(), key=lambda kv: -kv[1])
    ]
    total = sum(n for _label, n in lines)
    message = emails.email_message(
        user=user,
        scope=emails.digest_scope(period),
        subject=f"Your {period} digest: {total} new notification{'s' if total != 1 else ''}",
        template="accounts/email/digest",
        context={"period": period, "lines": lines, "total": total, "digest": digest},
    )
    if message is not None:
        message.send()


# --- Retention ----------------------------------------------------------------------------------

# Rows deleted per statement: each batch is a short transaction however much piled up.
PRUNE_BATCH = 5000


def _delete_in_batches(qs) -> int:
    deleted = 0
    while True:
        ids = list(qs.order_by().values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        deleted += qs.model.objects.filter(pk__in=ids).delete()[0]


def notifications_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Beat task body (daily): delete what no page, email or digest will read again.

    - ``NotificationDigest`` rows whose window ended more than ``ATELIER_DIGEST_RETENTION_DAYS``
      ago, sent or not (an unsent claim that old is not worth sending). A member's next window
      starts at their last digest's end but never before ``DIGEST_LOOKBACK`` (3 weeks at most),
      which the setting's minimum of 28 days stays above, so pruning changes no digest.
    - ``Notification`` rows created more than ``ATELIER_NOTIFICATION_RETENTION_DAYS`` ago that
      the member has read, or that exist only for a digest to count (``in_site`` False). Unread
      notifications in the list stay however old they are.

    Batches of ``PRUNE_BATCH`` rows, each its own statement; idempotent. Returns how many rows
    of each went.
    """
    now = now or timezone.now()
    digests = NotificationDigest.objects.filter(
        window_end__lt=now - timedelta(days=settings.ATELIER_DIGEST_RETENTION_DAYS)
    )
    notes = Notification.objects.filter(
        Q(read_at__isnull=False) | Q(in_site=False),
        created_at__lt=now - timedelta(days=settings.ATELIER_NOTIFICATION_RETENTION_DAYS),
    )
    return {"digests": _delete_in_batches(digests), "notifications": _delete_in_batches(notes)}
