"""Atom feeds per artist and per tag, filtered by the viewer's label preference.

Feed readers send no cookies, so ``?show=human|assisted-minor|assisted|all`` chooses the filter
explicitly; without it the viewer's own preference (or human-only) applies.

Mature work: a feed reader cannot blur an entry behind a click, so feeds leave mature posts
out by default, whoever asks. ``?mature=show`` includes them, each marked: a ``mature``
category and "mature" in its title (state.mature_treatment, Surface.ATOM).

Images: each entry's summary opens with its cover (an ``<img>`` with the cover's alt text) and
carries it as a ``rel="enclosure"`` link, always a public derivative's absolute URL
(``ArtworkImage.public_best``), never the original; a mature cover only reaches feeds whose URL
asked for mature work, since the others leave the whole entry out.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import escape, format_html
from taggit.models import Tag

from accounts.models import FeedPreference, MaturePreference
from config.urls_abs import absolute_url
from gallery import listing_cache, selectors, state

FEED_SIZE = 30
# The cover's size in entries: wide enough for a reader's column, small enough for a feed.
COVER_WIDTH = 1280
MIME_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp", "png": "image/png"}


def _preference(request) -> str:
    return selectors.viewer_preference(request, request.GET.get("show"))


def _mature(request) -> str:
    # Only the feed's own URL decides: the viewer's cookie or account would make one feed URL
    # answer differently to a reader that shares it.
    if request.GET.get("mature") == MaturePreference.SHOW:
        return MaturePreference.SHOW
    return MaturePreference.HIDE


class _ArtworkFeed(Feed):
    """Every link is made absolute here: Django's ``add_domain`` would otherwise prefix the
    sites framework's single domain, wrong whenever the site is served on another host or port.
    """

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        """The feed's document, cached under its listing's version (gallery.listing_cache).

        Links in it are absolute and follow the host the request came on when SITE_URL is
        unset, so the host is part of the key.
        """
        obj = self.get_object(request, *args, **kwargs)
        scope = self.scope(obj)
        current = listing_cache.versions([scope, *self.more_scopes(obj)])
        key = current and listing_cache.listing_cache_key(
            surface=state.Surface.ATOM, argument=f"{scope}@{request.get_host()}",
            preference=self.preference, mature=self.mature, cursor=None, part="atom",
            versions=current,
        )  # fmt: skip
        etag = listing_cache.etag_for(key) if key else None
        if listing_cache.matches(request, etag):
            return listing_cache.not_modified(request, etag)

        def document() -> str:
            feed = self.get_feed(obj, request)
            return feed.writeString("utf-8")

        body = listing_cache.get_or_render(key, document)
        response = HttpResponse(body, content_type=self.feed_type.content_type)
        return listing_cache.cacheable(request, response, etag)

    def more_scopes(self, obj) -> list[str]:
        """Version scopes the feed reads beyond ``scope(obj)`` (a collection's feed: any post)."""
        return []

    def item_link(self, item) -> str:
        return absolute_url(None, item.get_absolute_url())

    def items(self, obj):
        return list(self._queryset(obj)[:FEED_SIZE])

    def item_title(self, item) -> str:
        mature = " · mature" if item.mature else ""
        return f"{item.title} [{state.badge(state.Facts.of(item)).text}{mature}]"

    def item_description(self, item) -> str:
        """The summary, as HTML (Atom's ``type="html"``): every text in it escaped, the
        artist's description included, so a reader never runs markup a member typed."""
        badge = state.badge(state.Facts.of(item))
        why = f" ({badge.why})" if badge.why else ""
        text = escape(f"{badge.text}{why} · {item.get_medium_display()}. {item.description}")
        cover = _cover(item)
        if cover is None:
            return text
        return format_html(
            '<p><img src="{}" alt="{}" width="{}" height="{}"></p><p>{}</p>',
            cover["url"], item.cover.alt_text or item.title, cover["width"], cover["height"], text,
        )  # fmt: skip

    def item_enclosures(self, item) -> list[Enclosure]:
        cover = _cover(item)
        if cover is None or not cover.get("bytes"):
            return []  # Atom's enclosure needs a length; records before sizes were kept lack it
        return [Enclosure(cover["url"], str(cover["bytes"]), cover["type"])]

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item) -> str:
        return item.artist.name

    def item_categories(self, item):
        return [item.label, "mature"] if item.mature else [item.label]


def _cover(item) -> dict | None:
    """The entry's cover derivative (a JPEG up to ``COVER_WIDTH``) with its absolute public
    URL and MIME type, or None (no cover, no JPEG, files not in public storage)."""
    if item.cover is None:
        return None
    chosen = item.cover.public_best("jpeg", COVER_WIDTH)
    if chosen is None:
        return None
    return {
        **chosen,
        "url": absolute_url(None, chosen["url"]),
        "type": MIME_TYPES.get(chosen["format"], "application/octet-stream"),
    }


class ArtistFeed(_ArtworkFeed):
    def get_object(self, request, handle: str):
        self.preference, self.mature = _preference(request), _mature(request)
        return get_object_or_404(get_user_model().objects.by_handle(handle), is_active=True)

    def title(self, obj) -> str:
        return f"{obj.name} on Atelier"

    def link(self, obj) -> str:
        return absolute_url(None, obj.get_absolute_url())

    def feed_url(self, obj) -> str:
        return absolute_url(None, reverse("gallery:artist_feed", kwargs={"handle": obj.handle}))

    def subtitle(self, obj) -> str:
        return f"New artworks by @{obj.handle} ({FeedPreference(self.preference).label})"

    def _queryset(self, obj):
        return selectors.artworks_for_listing(
            preference=self.preference,
            mature_preference=self.mature,
            artist_id=obj.pk,
            columns=selectors.ATOM_COLUMNS,
        )

    def scope(self, obj) -> str:
        return f"artist:{obj.pk}"


class TagFeed(_ArtworkFeed):
    def get_object(self, request, slug: str):
        self.preference, self.mature = _preference(request), _mature(request)
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj) -> str:
        return f"#{obj.name} on Atelier"

    def link(self, obj) -> str:
        return absolute_url(None, f"/tags/{obj.slug}/")

    def feed_url(self, obj) -> str:
        return absolute_url(None, reverse("gallery:tag_feed", kwargs={"slug": obj.slug}))

    def subtitle(self, obj) -> str:
        return f"Artworks tagged {obj.name} ({FeedPreference(self.preference).label})"

    def _queryset(self, obj):
        return selectors.artworks_for_listing(
            preference=self.preference,
            mature_preference=self.mature,
            tag_id=obj.pk,
            columns=selectors.ATOM_COLUMNS,
        )

    def scope(self, obj) -> str:
        return f"tag:{obj.pk}"
