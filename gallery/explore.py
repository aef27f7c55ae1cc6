"""Selectors for discovery: the explore feeds, related work, the tag index and artist search.

Every listing here goes through the same filters as the feeds: the state table's
``listing_q`` (what may be listed, the label preference, the mature choice) and the viewer's
blocks and mutes (``viewer_hides`` / ``hide_from_viewer``, the one place this module applies
them). Scores are read from ``ArtworkRank``, written by the beat task
(``gallery.services.explore``); nothing here computes one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Case, F, FilteredRelation, IntegerField, Q, QuerySet, Value, When

from accounts.models import MaturePreference
from accounts.selectors import viewer_filters
from config import cursors
from gallery import selectors, state
from gallery.models import (
    Artwork,
    ArtworkImage,
    ImageHashBand,
    RankFeed,
    StaffPick,
    TaggedArtwork,
    TagStat,
)
from imaging import hash_distance

POPULAR, RISING, PICKS = RankFeed.POPULAR.value, RankFeed.RISING.value, "picks"
FEEDS = (POPULAR, RISING, PICKS)
# The annotation each explore listing sorts and pages on: a score, or the pick's time.
KEY = "explore_key"
# Related work on an artwork page: how many of each kind, and how far to look.
RELATED_BY_ARTIST = 6
RELATED_OTHERS = 12
RELATED_TAGS = 5  # the post's first tags that are followed
RELATED_PER_TAG = 40  # the latest posts read per followed tag
RELATED_SIMILAR_CANDIDATES = 200
# Hamming distance (of 64 bits) under which two covers count as looking alike.
SIMILAR_MAX_DISTANCE = 18
TAG_INDEX_SIZE = 120
ARTIST_RESULTS = 20
QUERY_MAX = 100


@dataclass(frozen=True)
class ViewerHides:
    """Whom and what one viewer does not want to see: blocked members (both directions),
    muted artists and muted tags. Empty for anonymous visitors."""

    blocked: frozenset[int] = field(default_factory=frozenset)
    muted_artists: frozenset[int] = field(default_factory=frozenset)
    muted_tags: frozenset[int] = field(default_factory=frozenset)

    @property
    def artists(self) -> frozenset[int]:
        return self.blocked | self.muted_artists

    def __bool__(self) -> bool:
        return bool(self.blocked or self.muted_artists or self.muted_tags)

    @property
    def digest(self) -> str:
        """A short digest of the sets, for cache keys: a new block or mute makes a new key."""
        raw = "|".join(
            ",".join(map(str, sorted(ids)))
            for ids in (self.blocked, self.muted_artists, self.muted_tags)
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def viewer_hides(user) -> ViewerHides:
    """The viewer's blocks and mutes, from ``accounts.selectors.viewer_filters``: no query for
    anonymous visitors and members who never blocked or muted, one cache read (two queries on
    a miss) for the others. Never raises."""
    filters = viewer_filters(user)
    return ViewerHides(
        blocked=filters.blocked,
        muted_artists=filters.muted_artists,
        muted_tags=filters.muted_tags,
    )


def hide_from_viewer(qs: QuerySet[Artwork], hides: ViewerHides) -> QuerySet[Artwork]:
    """``qs`` without the posts of blocked or muted artists and those carrying a muted tag.

    The one filter every discovery listing applies (the lead may merge it with the feeds'
    own at merge time); no query of its own.
    """
    if hides.artists:
        qs = qs.exclude(artist_id__in=hides.artists)
    if hides.muted_tags:
        qs = qs.exclude(
            id__in=TaggedArtwork.objects.filter(tag_id__in=hides.muted_tags).values(
                "content_object_id"
            )
        )
    return qs


def explore_listing(
    *,
    feed: str,
    preference: str,
    mature_preference: str = MaturePreference.BLUR,
    hides: ViewerHides | None = None,
    columns: tuple[str, ...] | None = None,
) -> QuerySet[Artwork]:
    """One explore feed for a viewer: Popular and Rising by their stored score, Staff picks
    by pick time, newest first; each ordered by (``explore_key``, id) descending for
    ``explore_page``.

    ``feed`` is one of ``FEEDS`` (anything else: ``ValueError``). Lazy; one query per page.
    """
    if feed not in FEEDS:
        raise ValueError(f"unknown explore feed {feed!r}")
    qs = Artwork.objects.filter(state.listing_q(preference, mature_preference=mature_preference))
    if feed == PICKS:
        qs = qs.filter(staff_pick__isnull=False).annotate(**{KEY: F("staff_pick__created_at")})
    else:
        # A filtered join, so the score read is the one of this feed (a post can be in both).
        qs = (
            qs.annotate(rank=FilteredRelation("ranks", condition=Q(ranks__feed=feed)))
            .filter(rank__isnull=False)
            .annotate(**{KEY: F("rank__score")})
        )
    qs = hide_from_viewer(qs, hides or ViewerHides())
    return (
        qs.select_related("artist", "cover")
        .only(*(columns or selectors.CARD_COLUMNS))
        .order_by(f"-{KEY}", "-id")
    )


def explore_page(
    qs: QuerySet[Artwork], cursor: str | None, size: int = selectors.PAGE_SIZE
) -> cursors.Page:
    """One keyset page of an explore listing after ``cursor`` (a score or a pick time);
    ``BadCursor`` (400) for a tampered cursor. Scores move at each recompute: a reader paging
    across one may see a post twice or miss one, never an error."""
    return cursors.keyset_page(qs, cursor, key=KEY, size=size)


def decode_explore_cursor(feed: str, cursor: str | None) -> None:
    """Check ``cursor`` for ``feed`` before any cache lookup: ``BadCursor`` if tampered."""
    if cursor:
        if feed == PICKS:
            cursors.decode_time(cursor)
        else:
            cursors.decode_score(cursor)


@dataclass
class Related:
    """Related work for one artwork: more by its artist, then other artists' work sharing
    its tags, then work that looks like it (``reasons`` maps an id to "tags" or "similar")."""

    by_artist: list[Artwork]
    others: list[Artwork]
    reasons: dict[int, str]


def related_artworks(
    *,
    artwork: Artwork,
    preference: str,
    mature_preference: str = MaturePreference.BLUR,
    hides: ViewerHides | None = None,
    columns: tuple[str, ...] | None = None,
    tags=None,
) -> Related:
    """Related work for ``artwork`` under the viewer's label preference, mature choice, blocks
    and mutes, in at most five queries whatever the table sizes:

    1. up to ``RELATED_BY_ARTIST`` of the artist's other listed posts, newest first;
    2. the post's first ``RELATED_TAGS`` tag ids;
    3. the latest ``RELATED_PER_TAG`` posts of each of those tags (one UNION of index scans);
    4. posts whose final image shares a quarter of the cover's perceptual hash
       (``ImageHashBand``), their distance measured here;
    5. the listed posts among those candidates, other artists only.

    Shared tags rank first (more shared tags first), then looks-alike (closest first). The
    artwork's cover must be loaded with it (``select_related("cover")``), as every page does.
    ``tags``: the post's tags when the caller loads them anyway (the page does): step 2 then
    reads them instead of querying again.
    """
    hides = hides or ViewerHides()
    listed = hide_from_viewer(
        selectors.artworks_for_listing(
            preference=preference, mature_preference=mature_preference, columns=columns
        ),
        hides,
    )
    by_artist = list(
        listed.filter(artist_id=artwork.artist_id).exclude(pk=artwork.pk)[:RELATED_BY_ARTIST]
    )
    shared: dict[int, int] = {}
    if tags is not None:
        tag_ids = [tag.pk for tag in list(tags)[:RELATED_TAGS]]
    else:
        tag_ids = list(
            TaggedArtwork.objects.filter(content_object_id=artwork.pk)
            .order_by("id")
            .values_list("tag_id", flat=True)[:RELATED_TAGS]
        )
    if tag_ids:
        # Per tag, the newest carriers through gallery_tagged_tag_artwork (a backward index
        # scan each): counting every carrier of a popular tag would read millions of rows.
        parts = [
            TaggedArtwork.objects.filter(tag_id=tag_id)
            # Other artists only here, or a prolific artist's own posts fill every slot.
            .exclude(content_object__artist_id=artwork.artist_id)
            .order_by("-content_object_id")
            .values_list("content_object_id", flat=True)[:RELATED_PER_TAG]
            for tag_id in tag_ids
        ]
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for candidate in union:
            shared[candidate] = shared.get(candidate, 0) + 1
    distances: dict[int, int] = {}
    cover = artwork.cover if artwork.cover_id else None
    phash = getattr(cover, "phash", "") or ""
    if len(phash) == 16:
        match = Q()
        for band, value in enumerate(selectors.hash_bands(phash)):
            match |= Q(band=band, value=value)
        rows = (
            ArtworkImage.objects.filter(
                pk__in=ImageHashBand.objects.filter(match).values("image_id"),
                kind=ArtworkImage.Kind.FINAL,
                state=ArtworkImage.State.READY,
            )
            # Other artists only, as for tags: an artist's own series would fill the slots.
            .exclude(artwork__artist_id=artwork.artist_id)
            .values_list("artwork_id", "phash")[:RELATED_SIMILAR_CANDIDATES]
        )
        for other_id, other_hash in rows:
            if len(other_hash or "") != 16:
                continue
            distance = hash_distance(phash, other_hash)
            if distance <= SIMILAR_MAX_DISTANCE:
                distances[other_id] = min(distance, distances.get(other_id, 64))
    candidates = set(shared) | set(distances)
    others: list[Artwork] = []
    if candidates:
        found = listed.filter(pk__in=candidates).exclude(artist_id=artwork.artist_id)
        # Shared tags first (most shared, then newest), then the closest look-alikes.
        others = sorted(
            found,
            key=lambda a: (
                (0, -shared[a.pk], -a.pk) if a.pk in shared else (1, distances[a.pk], -a.pk)
            ),
        )[:RELATED_OTHERS]
    reasons = {a.pk: "tags" if a.pk in shared else "similar" for a in others}
    return Related(by_artist=by_artist, others=others, reasons=reasons)


def is_staff_pick(artwork_id: int) -> bool:
    """Whether the artwork is among the staff picks (one query)."""
    return StaffPick.objects.filter(artwork_id=artwork_id).exists()


def tag_index(*, preference: str, limit: int = TAG_INDEX_SIZE) -> list[dict]:
    """The most used tags under ``preference``, most used first, with their counts, as
    counted by the beat task (``TagStat``): one query on its index. Each row is
    ``{"name", "slug", "count"}``; the caller drops the viewer's muted tags (``without_muted``)
    so the list itself can be shared."""
    rows = (
        TagStat.objects.filter(preference=preference, count__gt=0)
        .order_by("-count", "tag_id")
        .values_list("tag_id", "tag__name", "tag__slug", "count")[:limit]
    )
    return [{"id": i, "name": name, "slug": slug, "count": n} for i, name, slug, n in rows]


def tag_index_cached(*, preference: str) -> tuple[list[dict], str | None]:
    """``tag_index`` through the page cache, shared by the site's page and the API; returns
    the rows and the cache key (None when the cache is down: then read fresh). At most one
    query, none when cached; the version moves when the beat task recounts."""
    from gallery import listing_cache
    from gallery.services.explore import TAGS_SCOPE

    current = listing_cache.versions([TAGS_SCOPE])
    key = current and listing_cache.listing_cache_key(
        surface="tags", argument=None, preference=preference, mature="", cursor=None,
        part="index", versions=current,
    )  # fmt: skip
    return listing_cache.get_or_render(key, lambda: tag_index(preference=preference)), key


def without_muted(tags: list[dict], hides: ViewerHides) -> list[dict]:
    """The tag index rows minus the viewer's muted tags (no query)."""
    if not hides.muted_tags:
        return tags
    return [t for t in tags if t["id"] not in hides.muted_tags]


def clean_query(text: str | None) -> str:
    """Search text as every search reads it: stripped, at most ``QUERY_MAX`` characters,
    control characters dropped."""
    text = "".join(ch for ch in (text or "") if ch.isprintable())
    return text.strip()[:QUERY_MAX].strip()


def tag_slug_of(text: str) -> str | None:
    """The tag a ``#tag`` search names (its slug), None when the text is not one."""
    from django.utils.text import slugify

    if not text.startswith("#") or " " in text.strip():
        return None
    return slugify(text[1:]) or None


def artist_search(
    *, text: str, hides: ViewerHides | None = None, limit: int = ARTIST_RESULTS
) -> list:
    """Active artists (members with at least one public post) whose handle, display name or
    bio contains ``text``, best match first: the handle itself, then handles starting with it,
    then the rest by how much they posted. Blocked members (either direction) never appear.
    One query; empty text gives an empty list without one. ``text`` is matched literally (``%``
    and ``_`` are escaped by the lookup)."""
    text = clean_query(text).lstrip("@")
    if not text:
        return []
    hides = hides or ViewerHides()
    qs = (
        get_user_model()
        .objects.filter(is_active=True, artwork_count__gt=0)
        .filter(
            Q(handle__icontains=text) | Q(display_name__icontains=text) | Q(bio__icontains=text)
        )
        .exclude(pk__in=hides.blocked)
        .annotate(
            closeness=Case(
                When(handle__iexact=text, then=Value(0)),
                When(handle__istartswith=text, then=Value(1)),
                When(display_name__icontains=text, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .only("handle", "display_name", "bio", "avatar", "artwork_count")
        .order_by("closeness", "-artwork_count", "handle")
    )
    return list(qs[:limit])
