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
``follows:<viewer id>`` (one
viewer's following list), ``collections`` (every collection page: the community app's, which
may hold any post), ``collection:<id>`` (one collection's own rows) and ``all`` (in every key:
suspensions and renames, which touch every listing). Changes arrive from ``gallery.receivers``
(every saved or deleted artwork row, follows, artists) and from the services that write with
``update()`` (likes, tags, alt texts, files, collection counts).

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
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

# Seconds a rendered block lives. Bounds what no event announces: a suspension running out, an
# artist's new display name on cards already rendered elsewhere.
PAGE_TTL = 300
# Like counts move listings at most this often per artwork (gallery.tasks.listings_bump_likes).
LIKE_BATCH_SECONDS = 30
# Shared caches (a CDN, nginx) may keep an anonymous page this long, then revalidate with the ETag.
PUBLIC_MAX_AGE = 30
STALE_WHILE_REVALIDATE = 300
# Version counters and remembered ids (a handle's or an artwork's artist id) expire too, so a
# Redis without eviction (one Redis for cache and broker, as docker-compose runs it) holds only
# what was used lately, not one key per artwork ever viewed. A counter that expires restarts at
# the current time in nanoseconds (``versions``), beyond any value it reached: every key built
# from it is new, nothing old is served. A remembered id that expires costs one lookup.
VERSION_TTL = 7 * 24 * 3600
REMEMBER_TTL = 24 * 3600

GLOBAL = "all"
FEED, SEARCH, FOLLOWING = "feed", "search", "following"
# Every collection page and feed (community.collection_views) reads this scope: a collection
# may hold any post, so any post's change retires them all, as it retires every search.
COLLECTIONS = "collections"


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
    nanoseconds, so a counter lost to eviction or expiry (``VERSION_TTL``) never repeats an
    old value. None when the cache cannot answer (Redis down): the caller must not cache.
    """
    keys = [f"lv:{s}" for s in (GLOBAL, *scopes)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                cache.add(key, time.time_ns(), VERSION_TTL)
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
        FEED, SEARCH, FOLLOWING, COLLECTIONS, f"artist:{artist_id}", f"medium:{medium}",
        f"artwork:{artwork_id}", *(f"tag:{t}" for t in tag_ids),
    ]  # fmt: skip


def bump(scopes: Iterable[str]) -> None:
    """Move the versions of ``scopes`` on: every key built from the old ones is dead."""
    for scope in scopes:
        key = f"lv:{scope}"
        try:
            cache.incr(key)
        except ValueError:  # never read yet: nothing was cached under it
            cache.add(key, time.time_ns(), VERSION_TTL)


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


# Stand for the request's CSP nonce and a member's CSRF token in a stored page: each response
# gets its own back.
NONCE_MARK = "__atelier_csp_nonce__"
CSRF_MARK = "__atelier_csrf_token__"


def _bare_anonymous(request) -> bool:
    """A visitor with no session and no pending message: nothing of theirs is on the page.

    Such a page depends only on what its key names, so one rendering serves every such
    visitor. A session cookie (a signed-out member, a half-finished signup) or a message
    cookie ("Signed out.") may put something of the visitor's own on the page: rendered
    afresh, as before.
    """
    cookies = request.COOKIES
    return (
        not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def _member_bits(request) -> str | None:
    """What a member's page shell shows of them (gallery/base.html's header and banner), as a
    key part; None when a message is waiting (it is shown once, on the next page)."""
    from accounts.selectors import unread_count

    user = request.user
    if "messages" in request.COOKIES or "_messages" in request.session:
        return None
    avatar = user.avatar.name if user.avatar else ""
    return "\x1f".join(
        map(str, (
            user.pk, user.handle, user.name, avatar, user.is_moderator,
            user.is_trusted_reviewer, user.is_suspended, user.suspended_until,
            user.suspension_reason, unread_count(user),
        ))
    )  # fmt: skip


def whole_page(request, key: str | None, render, *, members: bool = False) -> HttpResponse:
    """The whole page from the cache when it can be; ``render(context)`` builds it otherwise
    (``context`` goes into the template's context).

    Bare anonymous visitors (``_bare_anonymous``) share one rendering. With ``members``, a
    signed-in member gets their own, keyed also on what the header shows of them
    (``_member_bits``), rendered with ``CSRF_MARK`` for the CSRF token and served with a
    fresh one: any masked form of the member's secret is valid. ``key`` is the page's
    listing or fragment key (its versions retire it like the block); the host and full path
    are added, since links and the canonical URL carry them.

    Stored: only a 200 that set no cookie and (anonymous) used no CSRF token, with the CSP
    nonce replaced by ``NONCE_MARK``; served with this request's own nonce, so the page's
    script tags match this response's ``Content-Security-Policy`` header. The middleware
    after the view (CSP, the AI-training headers, security headers) runs as for any response.
    """
    if key is None or request.method not in ("GET", "HEAD"):
        return render({})
    if _bare_anonymous(request):
        viewer, context = "", {}
    elif members and request.user.is_authenticated:
        viewer, context = _member_bits(request), {"csrf_token": CSRF_MARK}
        if viewer is None:
            return render({})
    else:
        return render({})
    page_key = _page_key(request, key, viewer)
    stored = cache.get(page_key)
    if stored is None:
        response = render(context)
        shareable = (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and (viewer or not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        )
        if not shareable:
            return _with_csrf(request, response) if viewer else response
        body = response.content.decode(response.charset)
        nonce = getattr(request, "_csp_nonce", None)
        if nonce:  # a LazyNonce is true only once the page has used it
            body = body.replace(str(nonce), NONCE_MARK)
        stored = (response["Content-Type"], body, getattr(response, "ai_training_allowed", False))
        cache.set(page_key, stored, PAGE_TTL)
    return _serve(request, stored)


def _page_key(request, key: str, viewer: str) -> str:
    raw = f"{key}\x1f{request.get_host()}\x1f{request.get_full_path()}\x1f{viewer}"
    return "lp:" + hashlib.sha256(raw.encode()).hexdigest()


def bare_anonymous(request) -> bool:
    """Whether ``whole_page`` shares one rendering with this visitor (``_bare_anonymous``)."""
    return request.method in ("GET", "HEAD") and _bare_anonymous(request)


def anonymous_page_from_cache(request, key: str) -> HttpResponse | None:
    """The page ``whole_page`` stored under ``key`` for bare anonymous visitors, or None: lets
    a view serve it before reading anything from the database."""
    if not bare_anonymous(request):
        return None
    stored = cache.get(_page_key(request, key, ""))
    return None if stored is None else _serve(request, stored)


def _serve(request, stored) -> HttpResponse:
    content_type, body, ai_training_allowed = stored
    if NONCE_MARK in body:
        body = body.replace(NONCE_MARK, str(request._csp_nonce))
    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, get_token(request))
    response = HttpResponse(body, content_type=content_type)
    response.ai_training_allowed = ai_training_allowed
    return response


def _with_csrf(request, response) -> HttpResponse:
    """A member's page rendered with ``CSRF_MARK`` but not stored: the real token put back."""
    if not response.streaming and CSRF_MARK.encode() in response.content:
        response.content = response.content.replace(CSRF_MARK.encode(), get_token(request).encode())
    return response
