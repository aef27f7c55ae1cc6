"""Listings: latest, following, tag, medium, artist, search. All honour the label preference."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from taggit.models import Tag

from accounts import services as account_services
from accounts.access import member_required
from accounts.models import FeedPreference, Follow, MaturePreference
from accounts.redirects import safe_next_url
from accounts.selectors import block_between, blocked_ids, viewer_filters
from gallery import explore, listing_cache, selectors, state
from gallery.models import Medium


def _listing(
    request,
    *,
    template: str,
    context: dict,
    surface: str,
    argument=None,
    scopes: list[str],
    members: bool = False,
    exclusions: dict | None = None,
    ai_training_allowed: bool = False,
    **filters,
):
    """Render a listing page whose block of cards comes from the cache when it can.

    ``surface`` and ``argument`` name the listing in the cache key; ``scopes`` are the version
    counters its cards depend on (gallery.listing_cache). Anonymous pages answer 304 to a
    matching ``If-None-Match`` before touching the database for the cards. ``members``: the
    page holds nothing of a member but what ``listing_cache.whole_page`` keys on, so members'
    whole pages are cached too.

    The viewer's blocks and mutes that apply on ``surface`` (``selectors.listing_exclusions``,
    or ``exclusions`` when the caller decided) filter the cards at query time; a viewer with
    any has blocks of their own, keyed on a digest of those sets, so a new block or mute shows
    on the next request and nobody else's cached page is touched.
    """
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    cursor = request.GET.get("after") or None
    partial = bool(request.htmx and cursor)
    selectors.decode_cursor(cursor)  # a tampered cursor is a 400 before any cache lookup
    # The owner's own profile lists posts nobody else sees: never shared through the cache.
    current = None if filters.get("own") else listing_cache.versions(scopes)
    # A member who blurs mature work still sees their own unblurred (gallery_cards.card_blurred),
    # so their blocks are their own; anonymous visitors and "show"/"hide" blocks are shared.
    viewer = request.user.pk if mature == MaturePreference.BLUR else None
    if exclusions is None:
        exclusions = selectors.listing_exclusions(
            viewer_filters(request.user), surface=surface, tag_id=filters.get("tag_id")
        )
    key = current and _block_key(
        surface=surface, argument=argument, preference=preference, mature=mature, cursor=cursor,
        partial=partial, viewer=viewer, hidden=selectors.exclusions_digest(exclusions),
        versions=current,
    )  # fmt: skip
    anonymous = not request.user.is_authenticated
    etag = listing_cache.etag_for(key) if key and anonymous else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag, varies_on_partial=bool(cursor))
    block_context = {
        **context,
        "page_after": bool(cursor),
        **selectors.viewing_choices(preference=preference, mature=mature),
    }

    def render_block() -> str:
        qs = selectors.artworks_for_listing(
            preference=preference, mature_preference=mature, **exclusions, **filters
        )
        page = selectors.keyset_page(qs, cursor)
        block = "gallery/_artwork_cards.html" if partial else "gallery/_listing_block.html"
        # ``request`` only for the cards' viewer (gallery_cards._viewer): no context
        # processors run, so no member's CSRF token can end up in a shared block.
        return render_to_string(block, {**block_context, "page": page, "request": request})

    def render_page(extra: dict):
        block = mark_safe(listing_cache.get_or_render(key, render_block))  # noqa: S308 - ours
        if partial:
            response = HttpResponse(block)
        else:
            response = render(
                request, template, {**block_context, "grid": block, "page": True, **extra}
            )
        # Set before whole_page stores the page: a page served from the cache carries it too
        # (gallery.middleware.AiTrainingOptOutMiddleware reads it).
        response.ai_training_allowed = ai_training_allowed
        return response

    # The whole page comes from the cache (one lookup, no template): for anonymous visitors,
    # and for members on the pages whose every member-specific part is in the key.
    response = listing_cache.whole_page(
        request, key and f"{key}:whole", render_page, members=members
    )
    return listing_cache.cacheable(request, response, etag, varies_on_partial=bool(cursor))


def _block_key(
    *, surface, argument, preference, mature, cursor, partial, viewer, hidden, versions
) -> str:
    """The cache key of a listing's block of cards (``_listing``); the whole page's is this
    plus ``:whole``."""
    return listing_cache.listing_cache_key(
        surface=surface, argument=argument, preference=preference, mature=mature, cursor=cursor,
        part=("cards" if partial else "grid") + (f":viewer{viewer}" if viewer else "")
        + (f":hide{hidden}" if hidden else ""),
        versions=versions,
    )  # fmt: skip


def home(request):
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": "Latest"},
        surface=state.Surface.FEED,
        scopes=[listing_cache.FEED],
    )


@member_required(allow_suspended=True)
def following(request):
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": "Following", "following_page": True},
        surface=state.Surface.FOLLOWING,
        argument=request.user.pk,
        scopes=[listing_cache.FOLLOWING, f"follows:{request.user.pk}"],
        members=True,
        following_of=request.user.pk,
    )


def tag(request, slug: str):
    known = _known(TAG_BY_SLUG, slug)
    cached = _page_before_lookup(request, known=known, surface=state.Surface.TAG, scope="tag:{}")
    if cached is not None:
        return cached
    tag_obj = get_object_or_404(Tag, slug=slug)
    _remember(request, known, tag_obj.pk)
    # A muted tag's own page still lists it (the member came here on purpose), says so and
    # offers to unmute; every other feed of theirs leaves it out.
    muted = tag_obj.pk in viewer_filters(request.user).muted_tags
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": f"#{tag_obj.name}", "tag": tag_obj, "tag_muted": muted},
        surface=state.Surface.TAG,
        argument=tag_obj.pk,
        scopes=[f"tag:{tag_obj.pk}"],
        tag_id=tag_obj.pk,
    )


def medium(request, medium: str):
    if medium not in Medium.values:
        raise Http404("No such medium.")
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": Medium(medium).label, "medium": medium},
        surface=state.Surface.MEDIUM,
        argument=medium,
        scopes=[f"medium:{medium}"],
        medium=medium,
    )


def search(request):
    query = explore.clean_query(request.GET.get("q"))
    # "#tag" names a tag: its page, when it exists; otherwise the word is searched.
    slug = explore.tag_slug_of(query)
    if slug is not None:
        if Tag.objects.filter(slug=slug).exists():
            return HttpResponseRedirect(reverse("gallery:tag", kwargs={"slug": slug}))
        query = query.lstrip("#").strip()
    if not query:
        return render(
            request,
            "gallery/feed_latest.html",
            {"heading": "Search", "search_page": True, "query": "", "page": None},
        )
    # Artists beside the artworks: per viewer (blocks), so outside the cached block. Only
    # blocks apply to finding a person (a mute hides their work from feeds, not their name).
    # Read only when the page is rendered: a bare anonymous visitor's whole page (artists
    # included) comes from the cache under the search scope's version, which every post's
    # change moves (an artist's post count, a first post), as renames and suspensions move
    # every key; a new bio shows within ``listing_cache.PAGE_TTL``.
    hides = explore.ViewerHides(blocked=blocked_ids(request.user))
    artists = SimpleLazyObject(lambda: explore.artist_search(text=query, hides=hides))
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={
            "heading": f"Results for “{query}”",
            "search_page": True,
            "query": query,
            "artists": artists,
        },
        surface=state.Surface.SEARCH,
        argument=query,
        scopes=[listing_cache.SEARCH],
        search=query,
    )


# What a handle or a tag's slug named when a bare anonymous visitor's page was last rendered:
# lets the next one be served from the cache before any query (``_page_before_lookup``).
ARTIST_BY_HANDLE = "artist-by-handle:{}"
TAG_BY_SLUG = "tag-by-slug:{}"


def _known(entry: str, address: str) -> str:
    # Addresses come from the URL, whatever their length or characters: digested into a key.
    return entry.format(hashlib.sha256(address.encode()).hexdigest()[:32])


def _page_before_lookup(request, *, known: str, surface: str, scope: str):
    """A bare anonymous visitor's listing page straight from the cache (or a 304), or None.

    ``known`` is the cache entry holding the id the address named last time (``ARTIST_BY_HANDLE``
    or ``TAG_BY_SLUG``); ``scope`` the listing's scope with ``{}`` for that id. The page's key
    holds the id, the scope's and the global versions, and ``whole_page`` adds the path. Every
    change to what the address names moves one of them (an artist's rename, suspension or
    deactivation the global version, a tag's rename or deletion its scope:
    gallery.receivers), so a stale id only misses: the page is then rendered from the
    database, which decides what the address names now.
    """
    if not listing_cache.bare_anonymous(request):
        return None
    found = listing_cache.cache.get(known)
    current = found and listing_cache.versions([scope.format(found)])
    if not current:
        return None
    cursor = request.GET.get("after") or None
    key = _block_key(
        surface=surface, argument=found, preference=selectors.viewer_preference(request),
        mature=state.mature_preference(request), cursor=cursor,
        partial=bool(request.htmx and cursor), viewer=None, hidden="", versions=current,
    )  # fmt: skip
    etag = listing_cache.etag_for(key)
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag, varies_on_partial=bool(cursor))
    response = listing_cache.anonymous_page_from_cache(request, f"{key}:whole")
    if response is None:
        return None
    return listing_cache.cacheable(request, response, etag, varies_on_partial=bool(cursor))


def _remember(request, known: str, found_id: int) -> None:
    """Keep what the address named for ``_page_before_lookup`` (only its visitors use it)."""
    if listing_cache.bare_anonymous(request):
        listing_cache.cache.set(known, found_id, listing_cache.REMEMBER_TTL)


def artist(request, handle: str):
    known = _known(ARTIST_BY_HANDLE, handle.lower())
    cached = _page_before_lookup(
        request, known=known, surface=state.Surface.ARTIST, scope="artist:{}"
    )
    if cached is not None:
        return cached
    user_model = get_user_model()
    person = get_object_or_404(user_model.objects.by_handle(handle), is_active=True)
    _remember(request, known, person.pk)
    blocked_view = blocked_profile(request, person)
    if blocked_view is not None:
        return blocked_view
    is_following = (
        request.user.is_authenticated
        and Follow.objects.filter(follower_id=request.user.pk, artist=person).exists()
    )
    own = request.user.is_authenticated and request.user.pk == person.pk
    filters = viewer_filters(request.user)
    context = {
        "artist": person,
        "is_following": is_following,
        "own": own,
        "artist_muted": person.pk in filters.muted_artists,
        # A moderator in a block with this member still sees the page (moderation work is
        # never hidden from them), with a note saying so.
        "block_note": person.pk in filters.blocked,
    }
    if not request.GET.get("after"):
        # Read only when the page is rendered (a cached page reads nothing): pinned works and
        # sections, under the same rules as the listing below (gallery.selectors.portfolio_of).
        context["portfolio_block"] = _portfolio_lazily(request, person, own=own)
    if own and not request.GET.get("after"):
        context["not_public"] = list(selectors.artworks_not_public_of(artist_id=person.pk))
        context["drafts"] = list(selectors.drafts_of(artist_id=person.pk))
    response = _listing(
        request,
        template="gallery/artist_detail.html",
        context=context,
        surface=state.Surface.ARTIST,
        argument=person.pk,
        scopes=[f"artist:{person.pk}"],
        artist_id=person.pk,
        own=own,
        # Blocks were settled above (a moderator may see this page through one); mutes
        # never apply to an artist's own page.
        exclusions={},
        ai_training_allowed=not person.ai_training_opt_out,
    )
    return response


class _LazyBlock:
    """Markup rendered only when a template prints it (a whole page served from the cache
    never does), once."""

    def __init__(self, render) -> None:
        self._render, self._html = render, None

    def __html__(self) -> str:
        if self._html is None:
            self._html = self._render()
        return self._html

    __str__ = __html__


def _portfolio_lazily(request, person, *, own: bool) -> _LazyBlock:
    """The artist's pinned works and sections (gallery/_portfolio_block.html), from the cache
    when it can: keyed like the listing block on the ``artist:<id>`` scope, the label filter
    and the mature choice, so any portfolio change or change to one of the artist's works
    retires it. The artist's own view is never cached (it shows what others do not see)."""
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)

    def render_block() -> str:
        portfolio = selectors.portfolio_of(
            artist_id=person.pk, preference=preference, mature_preference=mature, own=own
        )
        # ``request`` only for the cards' viewer, as in _listing: no member's token inside.
        return render_to_string(
            "gallery/_portfolio_block.html",
            {"portfolio": portfolio, "own": own, "mature_preference": mature, "request": request},
        )

    def block() -> str:
        current = None if own else listing_cache.versions([f"artist:{person.pk}"])
        key = current and listing_cache.listing_cache_key(
            surface="artist-portfolio", argument=person.pk, preference=preference, mature=mature,
            cursor=None, part="portfolio", versions=current,
        )  # fmt: skip
        return mark_safe(listing_cache.get_or_render(key, render_block))  # noqa: S308 - ours

    return _LazyBlock(block)


def blocked_profile(request, person):
    """The page a member in a block with ``person`` gets instead of their profile (or their
    follower lists), or None when there is no block (or the viewer is a moderator: blocks never
    hide moderation work). The blocked side gets the plain 404 — nothing says they were
    blocked; the blocker gets a page that says so and offers to unblock."""
    relation = block_between(request.user, person.pk)
    if relation is None or request.user.is_moderator:
        return None
    if relation == "received":
        raise Http404("No such artist.")
    # 200: for the blocker this is a real page about their own choice (noindex, never stored).
    response = render(request, "gallery/artist_blocked.html", {"artist": person})
    response["Cache-Control"] = "private, no-store"
    return response


def _viewing_choice_set(request, *, field: str, values, default: str, cookie: str, save):
    """Change one of the viewer's listing choices from any listing page.

    Members keep it on their account (``save``) and post, with the CSRF token, since it
    changes their account. Anonymous visitors change only their own ``cookie`` with a GET: the
    listing's form then needs no CSRF token, so the page sets no cookie and stays shareable.
    An unknown value falls back to ``default``.
    """
    source = request.POST if request.method == "POST" else request.GET
    value = source.get(field, default)
    if value not in values:
        value = default
    response = HttpResponseRedirect(safe_next_url(request, default="/"))
    if request.user.is_authenticated:
        if request.method == "POST":
            save(user=request.user, preference=value)
    else:
        response.set_cookie(
            cookie,
            value,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


@require_http_methods(["GET", "POST"])
def preference_set(request):
    """The label filter (human-only by default): ``selectors.PREFERENCE_COOKIE``."""
    return _viewing_choice_set(
        request,
        field="preference",
        values=FeedPreference.values,
        default=FeedPreference.HUMAN,
        cookie=selectors.PREFERENCE_COOKIE,
        save=account_services.preference_set,
    )


@require_http_methods(["GET", "POST"])
def mature_preference_set(request):
    """The mature-work choice (blurred by default): ``state.MATURE_COOKIE``."""
    return _viewing_choice_set(
        request,
        field="mature",
        values=MaturePreference.values,
        default=MaturePreference.BLUR,
        cookie=state.MATURE_COOKIE,
        save=account_services.mature_preference_set,
    )


@require_POST
@member_required
def follow(request, handle: str):
    person = get_object_or_404(get_user_model().objects.by_handle(handle), is_active=True)
    following_now = request.POST.get("following") == "1"
    count = account_services.follow_set(
        follower=request.user, artist=person, following=following_now
    )
    if request.htmx:
        return render(
            request,
            "gallery/_follow_button.html",
            {"artist": person, "is_following": following_now, "count": count},
        )
    return HttpResponseRedirect(person.get_absolute_url())
