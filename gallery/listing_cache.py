"""Render once, serve many: listing blocks and artwork page parts under versioned cache keys.

A listing page's block of cards is cached under a key made of the listing (surface and its
argument), the viewer's label preference, the mature-content choice, the cursor and the
*versions* of the scopes it reads. A version is a counter in the cache (``lv:<scope>``); every
change to a post bumps the counters of the scopes it appears in, so the next request builds a new
key and the old block is never read again (it expires by ``PAGE_TTL``). Nothing is deleted and no
request ever has to know which pages exist.

Scopes: ``feed``, ``search``, ``following`` (every following feed), ``artist:<id>``,
``tag:<id>``, ``medium:<value>``, ``artwork:<id>`` (its page), ``comments:<id>`` (the comment
thread under its page, bumped alone so a new comment does not re-render the images),
``follows:<viewer id>`` (one viewer's following list) and ``all`` (in every key: suspensions
and renames, which touch every listing). Changes arrive from ``gallery.receivers`` (every saved
or deleted artwork row, follows, artists) and from the services that write with ``update()``
(likes, comments, tags, alt texts, files).

The cache fails open: when Redis is unreachable, ``versions`` answers None and callers render
without the cache (config.cache logs the outage).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers

# Seconds a rendered block lives. Bounds what no event announces: a suspension running out, an
# artist's new display name on cards already rendered elsewhere.
PAGE_TTL = 300
# Like counts move listings at most this often per artwork (gallery.tasks.listings_bump_likes).
LIKE_BATCH_SECONDS = 30
# Shared caches (a CDN, nginx) may keep an anonymous page this long, then revalidate with the ETag.
PUBLIC_MAX_AGE = 30
STALE_WHILE_REVALIDATE = 300

GLOBAL = "all"
FEED, SEARCH, FOLLOWING = "feed", "search", "following"


def _release() -> str:
    """A digest of the templates: a deploy that changes markup starts new keys and ETags."""
    digest = hashlib.sha1(usedforsecurity=False)
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


RELEASE = _release()


def versions(scopes: Iterable[str]) -> str | None:
    """The current versions of ``scopes`` (and of ``all``) as one string, for a key or an ETag.

    One ``get_many``; a scope seen for the first time starts at the current time in
    nanoseconds, so a counter lost to eviction never repeats an old value. None when the cache
    cannot answer (Redis down): the caller must not cache.
    """
    keys = [f"lv:{s}" for s in (GLOBAL, *scopes)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                cache.add(key, time.time_ns(), None)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
    return ".".join(str(found[k]) for k in keys)


def listing_cache_key(
    *,
    surface: str,
    argument: str | int | None,
    preference: str,
    mature: str,
    cursor: str | None,
    part: str,
    versions: str,
) -> str:
    """The key of one listing block.

    ``surface``: a ``gallery.state.Surface`` value; ``argument``: what selects the listing on
    that surface (tag id, medium, artist id, search text, following viewer's id; None for the
    latest feed); ``mature``: the viewer's mature-content choice (gallery.state's, once it
    exists; "" until then); ``part``: which markup (a whole grid, the cards of an htmx page, an
    API page's JSON).
    """
    raw = "\x1f".join(
        map(str, (RELEASE, surface, argument, preference, mature, cursor or "", part, versions))
    )
    return "lc:" + hashlib.sha256(raw.encode()).hexdigest()


def extended_key(key: str, extra: str) -> str:
    """A key for ``key``'s markup plus parts versioned apart (``extra``: their versions), e.g.
    the artwork page's ETag over its cached fragments and its comment thread."""
    if not extra:
        return key
    return "lc:" + hashlib.sha256(f"{key}\x1f{extra}".encode()).hexdigest()


def etag_for(key: str) -> str:
    return '"' + key.removeprefix("lc:")[:32] + '"'


def get_or_render(key: str | None, render) -> str:
    """The cached value under ``key``, or ``render()`` stored there; no key, no cache."""
    if key is None:
        return render()
    value = cache.get(key)
    if value is None:
        value = render()
        cache.set(key, value, PAGE_TTL)
    return value


def artwork_scopes(*, artwork_id: int, artist_id: int, medium: str) -> list[str]:
    """Every scope a post appears in. One query for its tags."""
    from gallery.models import TaggedArtwork

    tag_ids = TaggedArtwork.objects.filter(content_object_id=artwork_id).values_list(
        "tag_id", flat=True
    )
    return [
        FEED, SEARCH, FOLLOWING, f"artist:{artist_id}", f"medium:{medium}",
        f"artwork:{artwork_id}", *(f"tag:{t}" for t in tag_ids),
    ]  # fmt: skip


def bump(scopes: Iterable[str]) -> None:
    """Move the versions of ``scopes`` on: every key built from the old ones is dead."""
    for scope in scopes:
        key = f"lv:{scope}"
        try:
            cache.incr(key)
        except ValueError:  # never read yet: nothing was cached under it
            cache.add(key, time.time_ns(), None)


def bump_now_and_on_commit(scopes: list[str], *, artwork_id: int | None = None) -> None:
    """Bump now, and again after the commit.

    Now: the writer's own next request (and tests, which never commit) sees the change. After
    the commit: a reader that rendered from the old rows between the first bump and the commit
    cached its block under the new versions; the second bump retires it. With ``artwork_id``
    the scopes are read again after the commit, so tags set later in the transaction count.
    """
    bump(scopes)

    def again() -> None:
        if artwork_id is None:
            bump(scopes)
            return
        from gallery.models import Artwork

        row = Artwork.objects.filter(pk=artwork_id).values("artist_id", "medium").first()
        fresh = artwork_scopes(artwork_id=artwork_id, **row) if row else []
        bump(set(scopes) | set(fresh))

    transaction.on_commit(again)


def artwork_changed(artwork) -> None:
    """A post's state, label, text, tags or files changed: bump every scope it is listed in."""
    scopes = artwork_scopes(
        artwork_id=artwork.pk, artist_id=artwork.artist_id, medium=artwork.medium
    )
    bump_now_and_on_commit(scopes, artwork_id=artwork.pk)


def likes_changed(*, artwork_id: int, artist_id: int, medium: str) -> None:
    """A like count moved: bump the post's scopes at most about once per ``LIKE_BATCH_SECONDS``.

    The first like of a window bumps at once and schedules one more bump at the window's end;
    likes during the window ride on that one, so a count lags at most ``LIKE_BATCH_SECONDS``.
    Without a broker (``make run``, eager tasks) the second bump follows the commit at once.
    """
    if not cache.add(f"likes-pending:{artwork_id}", 1, LIKE_BATCH_SECONDS):
        return
    bump(artwork_scopes(artwork_id=artwork_id, artist_id=artist_id, medium=medium))
    from gallery.tasks import listings_bump_likes

    def schedule() -> None:
        try:
            listings_bump_likes.apply_async((artwork_id,), countdown=LIKE_BATCH_SECONDS)
        except Exception:  # the broker is down: a bump now beats a lost one
            listings_bump_likes.run(artwork_id)

    transaction.on_commit(schedule)


def comments_changed(*, artwork_id: int, artist_id: int, medium: str, count_moved: bool) -> None:
    """The thread under a post changed (community.services): its page's thread at once, through
    the ``comments:<id>`` scope the page's ETag and thread block are keyed on; and when the
    visible count moved, the cards' comment count batched with the like count (``likes_changed``:
    it lags at most ``LIKE_BATCH_SECONDS``, so a busy thread does not empty every listing)."""
    bump_now_and_on_commit([f"comments:{artwork_id}"])
    if count_moved:
        likes_changed(artwork_id=artwork_id, artist_id=artist_id, medium=medium)


def _headers(request, response, etag: str | None, *, varies_on_partial: bool) -> None:
    """Anonymous pages: shared caches may keep them briefly, then revalidate with the ETag.
    Members' pages carry their name, notifications and form tokens: never stored.

    They vary on the preference cookie (SessionMiddleware adds ``Vary: Cookie`` already, and a
    proxy should key on that one cookie: docs/performance.md) and, where a cursor makes htmx
    ask for cards only, on ``HX-Request``.
    """
    if varies_on_partial:
        patch_vary_headers(response, ("HX-Request",))
    if request.user.is_authenticated or etag is None:
        response["Cache-Control"] = "private, no-store"
        return
    response["ETag"] = etag
    response["Cache-Control"] = (
        f"public, max-age={PUBLIC_MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
    )


def cacheable(request, response, etag: str | None, *, varies_on_partial: bool = False):
    """Set the caching headers of a page built from ``etag``'s versions (None: not shareable)."""
    _headers(request, response, etag, varies_on_partial=varies_on_partial)
    return response


def not_modified(request, etag: str, *, varies_on_partial: bool = False):
    """The 304 for a matching ``If-None-Match``, with the same caching headers."""
    response = HttpResponseNotModified()
    _headers(request, response, etag, varies_on_partial=varies_on_partial)
    patch_vary_headers(response, ("Cookie",))
    return response


def matches(request, etag: str | None) -> bool:
    """Whether an anonymous request's ``If-None-Match`` names ``etag`` (or is ``*``)."""
    if etag is None or request.user.is_authenticated:
        return False
    sent = request.headers.get("If-None-Match", "")
    return sent.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in sent.split(",")]
