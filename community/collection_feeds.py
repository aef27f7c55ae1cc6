"""An Atom feed per public collection: gallery.feeds' entries, caching and mature rule.

Private collections (and collections of members who block the reader, when the reader is
signed in) answer 404, as their pages do. Entries are the collection's newest saves, filtered
by ``?show=`` (else the reader's preference, human-only by default) and without mature work
unless the URL asks ``?mature=show``.
"""

from __future__ import annotations

from django.urls import reverse

from community import collection_selectors as pick
from config.errors import NotFound
from config.urls_abs import absolute_url
from gallery import listing_cache, selectors
from gallery.feeds import FEED_SIZE, _ArtworkFeed, _mature, _preference


class CollectionFeed(_ArtworkFeed):
    def get_object(self, request, handle: str, slug: str):
        self.preference, self.mature = _preference(request), _mature(request)
        collection = pick.collection_for_viewer(request.user, handle=handle, slug=slug)
        if not collection.is_listed:
            # Even its owner's feed reader must not publish a private (or moderator-hidden)
            # collection by URL.
            raise NotFound("No such collection.")
        return collection

    def title(self, obj) -> str:
        return f"{obj.title} — a collection by {obj.owner.name} on Atelier"

    def link(self, obj) -> str:
        return absolute_url(None, obj.get_absolute_url())

    def feed_url(self, obj) -> str:
        return absolute_url(
            None,
            reverse("collections:feed", kwargs={"handle": obj.owner.handle, "slug": obj.slug}),
        )

    def subtitle(self, obj) -> str:
        return obj.description or f"Works saved by @{obj.owner.handle}"

    def items(self, obj):
        rows = pick.collection_works(
            collection=obj,
            preference=self.preference,
            mature_preference=self.mature,
            columns=selectors.ATOM_COLUMNS,
        )[:FEED_SIZE]
        return [row.artwork for row in rows]

    def scope(self, obj) -> str:
        return f"collection:{obj.pk}"

    def more_scopes(self, obj) -> list[str]:
        # Any post's change (removed, hidden, relabeled) may change this feed's entries.
        return [listing_cache.COLLECTIONS]
