"""Reads of accounts' rows that depend on who is asking: a member's own notifications, whom
they blocked or muted, and the follower lists of a profile as they may see them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import Block, Follow, Mute, Notification, User


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first, ties broken by id (newest first too).

    The order is the one ``config.cursors.keyset_page(key="created_at")`` pages on and the
    one the ``accounts_notification_list`` index (user, -created_at) serves, so the API and
    the site's list read the same rows in the same order. ``unread_only`` keeps those not yet
    marked read. Rows kept only for a digest (the member turned the kind off in-site) are
    left out. ``actor`` is joined (one query per page). Lazy: the caller slices or pages it;
    nothing is read here, nothing raises.
    """
    qs = (
        Notification.objects.filter(user=user, in_site=True)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread: the header's badge. Read with the
    rest of the member's page state (``load_member_state``) and kept on the user object for
    the rest of the request (the page cache's key and the header both ask)."""
    if getattr(user, "_atelier_unread", None) is None:
        load_member_state(user)
    return user._atelier_unread


def _unread_notifications(user) -> QuerySet[Notification]:
    # The partial index ``accounts_notification_unread`` repeats this condition.
    return Notification.objects.filter(user=user, read_at__isnull=True, in_site=True)


# A member page asks three things of its member besides the row itself: a verified address
# (``member_required``), the moderator role (the header's links) and the unread count (the
# badge). One query answers all three, with the row itself when the session's member is loaded
# (``member_with_state``, through accounts.backends); its SQL is compiled once per process from
# the same ORM definitions the single questions use, with a sentinel id put back per request,
# and prepared once per PostgreSQL connection.
_SENTINEL = -987_654_321_012
STATE_COLUMNS = ("verified", "moderator", "unread")


def _member_state_queryset() -> QuerySet[User]:
    from allauth.account.models import EmailAddress
    from django.db.models import (
        BooleanField,
        Count,
        Exists,
        ExpressionWrapper,
        OuterRef,
        Subquery,
        Value,
    )
    from django.db.models.functions import Coalesce

    from accounts.models import moderator_q

    unread = (
        _unread_notifications(OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(n=Count("*"))
        .values("n")
    )
    return User.objects.filter(pk=_SENTINEL).annotate(
        verified=Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
        moderator=ExpressionWrapper(moderator_q(), output_field=BooleanField()),
        unread=Coalesce(Subquery(unread), Value(0)),
    )


class _Statement:
    """One query compiled once per process (``build`` gives its queryset, filtered on
    ``_SENTINEL``) and, on PostgreSQL, prepared once per connection under ``name``: PostgreSQL
    then plans it once per connection, not on every member page (the member-state query took
    0.65 ms to plan and 0.07 ms to run; settings.DATABASE_PREPARED_STATEMENTS turns it off).

    A prepared statement outlives the transaction that made it, rollbacks included, and dies
    with the session: the raw connection it was made on is remembered, so a reconnection
    prepares again. Preparing runs on the raw cursor: it is not one of the page's queries
    (the tests that count a page's queries count what every request runs).
    """

    def __init__(self, name: str, build) -> None:
        self.name, self._build, self._sql = name, build, None

    def _compiled(self) -> tuple[str, tuple]:
        if self._sql is None:
            built = self._build()  # a queryset, or SQL written from the models' metadata
            sql, params = built if isinstance(built, tuple) else built.query.sql_with_params()
            self._sql = (sql, tuple(params))
        return self._sql

    def _prepared(self, connection, sql: str, arity: int) -> bool:
        from django.conf import settings

        if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
            return False
        connection.ensure_connection()
        session = connection.connection
        marks = connection.__dict__.setdefault("_atelier_prepared", {})
        if marks.get(self.name) is not session:
            with session.cursor() as raw:
                raw.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [self.name])
                if raw.fetchone() is None:
                    # Django's placeholders become PostgreSQL's $1, $2…: the SQL holds no other
                    # percent sign (every value is a parameter), which the check keeps true.
                    pieces = sql.split("%s")
                    if len(pieces) != arity + 1 or "%" in "".join(pieces):
                        raise ValueError(f"Cannot number the placeholders of {sql!r}")
                    numbered = "".join(f"{piece}${n}" for n, piece in enumerate(pieces[:-1], 1))
                    raw.execute(f"PREPARE {self.name} AS {numbered}{pieces[-1]}")
            marks[self.name] = session
        return True

    def fetchone(self, connection, value):
        """The statement's row with ``value`` in place of ``_SENTINEL`` (a member's id, a
        token's digest), or None."""
        sql, params = self._compiled()
        params = tuple(value if p == _SENTINEL else p for p in params)
        with connection.cursor() as cursor:
            if self._prepared(connection, sql, len(params)):
                cursor.execute(f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})", params)
            else:
                cursor.execute(sql, params)
            return cursor.fetchone()


_MEMBER_STATE = _Statement(
    "atelier_member_state", lambda: _member_state_queryset().values_list(*STATE_COLUMNS)
)
# Every concrete column of the row (in ``_meta.concrete_fields`` order), then the state.
_MEMBER_WITH_STATE = _Statement("atelier_member_with_state", _member_state_queryset)


def _keep_state(user: User, verified, moderator, unread) -> None:
    user._atelier_verified = bool(verified)
    user._atelier_is_moderator = bool(moderator)
    user._atelier_unread = int(unread)


def load_member_state(user: User) -> None:
    """Read ``user``'s verified address, moderator role and unread count in one query and keep
    them on the instance for the request (``accounts.access.has_verified_email``,
    ``User.is_moderator``, ``unread_count``). Services that change one of them in the request
    drop the kept value (``forget_unread``)."""
    from django.db import connections, router

    connection = connections[router.db_for_read(User, instance=user)]
    row = _MEMBER_STATE.fetchone(connection, user.pk)
    _keep_state(user, *(row if row else (False, False, 0)))


def member_with_state(user_id) -> User | None:
    """The member ``user_id`` with their page state already kept (``load_member_state``), in
    one query: what accounts.backends loads for a signed-in session on every request. None
    when there is no such row (or the id is not one)."""
    from django.db import connections, router

    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    alias = router.db_for_read(User)
    row = _MEMBER_WITH_STATE.fetchone(connections[alias], pk)
    if row is None:
        return None
    user = _instance(User, connections[alias], row)
    _keep_state(user, *row[len(User._meta.concrete_fields) :])
    return user


def _token_with_member_sql() -> tuple[str, tuple]:
    from django.db import connections, router

    from accounts.models import ApiToken

    quote = connections[router.db_for_read(ApiToken)].ops.quote_name

    def columns(model, alias: str) -> str:
        return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    # Only the models' own table and column names go in; the digest is the one parameter.
    sql = (
        f"SELECT {columns(ApiToken, 't')}, {columns(User, 'u')}"  # noqa: S608
        f" FROM {quote(ApiToken._meta.db_table)} t JOIN {quote(User._meta.db_table)} u"
        f" ON u.{column(User, 'id')} = t.{column(ApiToken, 'user')}"
        f" WHERE t.{column(ApiToken, 'key_hash')} = %s"
        f" AND t.{column(ApiToken, 'revoked_at')} IS NULL LIMIT 1"
    )
    return sql, (_SENTINEL,)


# Every API call with a token asks for it: written once from the models' metadata and prepared
# once per connection, as the member's own statement (planning it was most of its 0.4 ms).
_TOKEN_WITH_MEMBER = _Statement("atelier_token_with_member", _token_with_member_sql)


def active_token(digest: str):
    """The unrevoked ``ApiToken`` whose key has this digest, its ``user`` loaded, or None. One
    prepared statement (api.authentication asks on every call made with a token)."""
    from django.db import connections, router

    from accounts.models import ApiToken

    alias = router.db_for_read(ApiToken)
    row = _TOKEN_WITH_MEMBER.fetchone(connections[alias], digest)
    if row is None:
        return None
    split = len(ApiToken._meta.concrete_fields)
    token = _instance(ApiToken, connections[alias], row[:split])
    token.user = _instance(User, connections[alias], row[split:])
    return token


def _instance(model, connection, row):
    """A ``model`` instance from ``row``, whose first columns are the model's concrete fields
    in order, with what the ORM's compiler would apply to each column (JSON decoded, say)."""
    fields = model._meta.concrete_fields
    values = list(row[: len(fields)])
    for index, column, converters in _row_converters(connection, model):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


_converters_found: dict[tuple[str, str], list] = {}


def _row_converters(connection, model) -> list:
    """The database and field converters of ``model``'s columns on ``connection``, found once
    per alias as Django's SQL compiler finds them for a select (``get_converters``)."""
    found = _converters_found.get((connection.alias, model._meta.label))
    if found is None:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                found.append((index, column, converters))
        _converters_found[(connection.alias, model._meta.label)] = found
    return found


def forget_unread(user) -> None:
    """Drop the unread count kept on ``user`` (it changed in this request)."""
    user._atelier_unread = None


def blocked_ids(user) -> frozenset[int]:
    """The ids of members hidden from ``user`` by a block, in either direction: those ``user``
    blocked and those who blocked ``user``. Every surface that shows one member's work,
    comments, follows or notifications to another filters on this one set.

    Anonymous visitors (or ``None``) block nobody: an empty set, and no query.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    # One query for both directions: a union of the two halves, each served by an index.
    made = Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True)
    received = Block.objects.filter(blocked_id=user.pk).values_list("blocker_id", flat=True)
    return frozenset(made.union(received))


def muted_artist_ids(user) -> frozenset[int]:
    """The artists ``user`` muted (hidden from their own feeds only); empty for anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Mute.objects.filter(user_id=user.pk, artist__isnull=False).values_list(
            "artist_id", flat=True
        )
    )


def muted_tag_ids(user) -> frozenset[int]:
    """The taggit ``Tag`` ids ``user`` muted (hidden from their own feeds only); empty for
    anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Mute.objects.filter(user_id=user.pk, tag__isnull=False).values_list("tag_id", flat=True)
    )


@dataclass(frozen=True)
class ViewerFilters:
    """What one viewer's listings leave out: members in a block with them (either direction),
    and the artists and tags they muted. ``digest`` names the three sets in a cache key ("" when
    all are empty: such a viewer shares the everyone's cached blocks)."""

    blocked: frozenset[int] = frozenset()
    muted_artists: frozenset[int] = frozenset()
    muted_tags: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.blocked or self.muted_artists or self.muted_tags)

    @property
    def digest(self) -> str:
        if self.empty:
            return ""
        raw = "|".join(
            ",".join(map(str, sorted(ids)))
            for ids in (self.blocked, self.muted_artists, self.muted_tags)
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


NO_FILTERS = ViewerFilters()
# The sets live in the cache under the member's filters_version, so a change never needs a
# delete to take effect (a new version is a new key); the TTL only frees memory.
FILTERS_TTL = 24 * 3600


def viewer_filters(user) -> ViewerFilters:
    """The blocks and mutes that shape ``user``'s listings (``ViewerFilters``).

    No query at all for anonymous viewers and for members who never blocked, were blocked or
    muted (``filters_version`` 0: the row the request already holds says so). Otherwise one
    cache read, or on a miss (or with Redis down) two queries, stored under the member's
    current ``filters_version``: a block or mute moves the version (on both sides of a block),
    so the next request reads fresh sets. Never raises.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_FILTERS
    version = getattr(user, "filters_version", 0)
    if not version:
        return NO_FILTERS
    key = f"viewer-filters:{user.pk}:{version}"
    found = cache.get(key)
    if found is not None:
        return ViewerFilters(*map(frozenset, found))
    blocked = set()
    for blocker_id, blocked_id in Block.objects.filter(
        Q(blocker_id=user.pk) | Q(blocked_id=user.pk)
    ).values_list("blocker_id", "blocked_id"):
        blocked.add(blocked_id if blocker_id == user.pk else blocker_id)
    artists, tags = set(), set()
    for artist_id, tag_id in Mute.objects.filter(user_id=user.pk).values_list(
        "artist_id", "tag_id"
    ):
        (artists.add(artist_id) if artist_id else tags.add(tag_id))
    cache.set(key, (sorted(blocked), sorted(artists), sorted(tags)), FILTERS_TTL)
    return ViewerFilters(frozenset(blocked), frozenset(artists), frozenset(tags))


def block_between(viewer, other_id: int) -> str | None:
    """How ``viewer`` and the member ``other_id`` stand: ``"made"`` when the viewer blocked
    them, ``"received"`` when they blocked the viewer, None otherwise (and for anonymous
    viewers). Reads ``viewer_filters`` (no query for members without blocks), plus one query
    to tell the direction when there is a block."""
    if other_id not in viewer_filters(viewer).blocked:
        return None
    made = Block.objects.filter(blocker_id=viewer.pk, blocked_id=other_id).exists()
    return "made" if made else "received"


def blocks_made(*, user: User) -> QuerySet[Block]:
    """The members ``user`` blocked, newest first, with each blocked member's row (one query)."""
    return (
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked")
        .order_by("-created_at", "-id")
    )


def mutes_made(*, user: User) -> QuerySet[Mute]:
    """The artists and tags ``user`` muted, newest first, with the artist's or tag's row."""
    return (
        Mute.objects.filter(user_id=user.pk)
        .select_related("artist", "tag")
        .order_by("-created_at", "-id")
    )


def follow_list(*, person: User, direction: str, viewer) -> QuerySet[Follow]:
    """The follows of ``person``'s followers (``direction="followers"``) or of those they
    follow (``"following"``), newest first on (created_at, id) for ``config.cursors``, each
    with the other member's row in the same query.

    Members in a block with ``viewer`` are left out, as are deactivated accounts. Lazy: the
    caller pages it. Whether ``viewer`` may see ``person``'s lists at all is the caller's
    check (``block_between``). ``ValueError`` for any other ``direction``.
    """
    if direction == "followers":
        qs = Follow.objects.filter(artist_id=person.pk).select_related("follower")
        other = "follower"
    elif direction == "following":
        qs = Follow.objects.filter(follower_id=person.pk).select_related("artist")
        other = "artist"
    else:
        raise ValueError(direction)
    qs = qs.filter(**{f"{other}__is_active": True})
    hidden = viewer_filters(viewer).blocked
    if hidden:
        qs = qs.exclude(**{f"{other}_id__in": hidden})
    return qs.only(
        "created_at", other, f"{other}__handle", f"{other}__display_name", f"{other}__avatar",
        f"{other}__bio", f"{other}__follower_count", f"{other}__artwork_count",
    ).order_by("-created_at", "-id")  # fmt: skip
