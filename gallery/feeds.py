"""Atom feeds per artist and per tag, filtered by the viewer's label preference.

Feed readers send no cookies, so ``?show=human|assisted-minor|assisted|all`` chooses the filter
explicitly; without it the viewer's own preference (or human-only) applies.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from taggit.models import Tag

from accounts.models import FeedPreference
from config.urls_abs import absolute_url
from gallery import selectors, state

FEED_SIZE = 30


def _preference(request) -> str:
    return selectors.viewer_preference(request, request.GET.get("show"))


class _ArtworkFeed(Feed):
    """Every link is made absolute here: Django's ``add_domain`` would otherwise prefix the
    sites framework's single domain, wrong whenever the site is served on another host or port.
    """

    feed_type = Atom1Feed

    def item_link(self, item) -> str:
        return absolute_url(None, item.get_absolute_url())

    def items(self, obj):
        return list(self._queryset(obj)[:FEED_SIZE])

    def item_title(self, item) -> str:
        return f"{item.title} [{state.badge(state.Facts.of(item)).text}]"

    def item_description(self, item) -> str:
        badge = state.badge(state.Facts.of(item))
        why = f" ({badge.why})" if badge.why else ""
        return f"{badge.text}{why} · {item.get_medium_display()}. {item.description}"

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item) -> str:
        return item.artist.name

    def item_categories(self, item):
        return [item.label]


class ArtistFeed(_ArtworkFeed):
    def get_object(self, request, handle: str):
        self.preference = _preference(request)
        return get_object_or_404(get_user_model(), handle__iexact=handle, is_active=True)

    def title(self, obj) -> str:
        return f"{obj.name} on Atelier"

    def link(self, obj) -> str:
        return absolute_url(None, obj.get_absolute_url())

    def feed_url(self, obj) -> str:
        return absolute_url(None, reverse("gallery:artist_feed", kwargs={"handle": obj.handle}))

    def subtitle(self, obj) -> str:
        return f"New artworks by @{obj.handle} ({FeedPreference(self.preference).label})"

    def _queryset(self, obj):
        return selectors.artworks_for_listing(preference=self.preference, artist_id=obj.pk)


class TagFeed(_ArtworkFeed):
    def get_object(self, request, slug: str):
        self.preference = _preference(request)
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
        return selectors.artworks_for_listing(preference=self.preference, tag_id=obj.pk)
