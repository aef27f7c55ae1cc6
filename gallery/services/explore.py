"""Explore: the Popular and Rising scores, the tag index's counts, and staff picks.

Scores are computed here by the beat task (``gallery.tasks.explore_rank``), never while a
visitor waits: a request reads ``ArtworkRank`` rows through ``gallery.explore``. The formula and
its reasons are in docs/explore.md; the constants below are its knobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from accounts.models import FeedPreference, Follow
from config.errors import Conflict, NotAllowed
from gallery import listing_cache, state
from gallery.models import (
    PUBLIC_STATUSES,
    Artwork,
    ArtworkRank,
    RankFeed,
    StaffPick,
    TaggedArtwork,
    TagStat,
)

# score = (likes + SAVE_WEIGHT * saves + FOLLOW_WEIGHT * follows)
#         / (age_hours + AGE_OFFSET_HOURS) ** GRAVITY
# A save (adding to a collection) says more than a like; a follow the artist gained lately
# says the artist's work is being discovered now. docs/explore.md explains each choice.
SAVE_WEIGHT = 2.0
FOLLOW_WEIGHT = 0.5
# Follows count when the artist gained them this recently.
FOLLOW_DAYS = 7
# The offset keeps a post's first hours from dividing by ~0; the exponent is the decay.
AGE_OFFSET_HOURS = 2.0
GRAVITY = 1.5
# Posts read and written per batch: bounded memory and short transactions at any size.
BATCH = 2000
# How many tag rows one tag-count query reads at most (by artwork id range).
TAG_COUNT_SPAN = 200_000
# Version scopes of the explore pages and the tag index (gallery.listing_cache).
EXPLORE_SCOPE = "explore"
PICKS_SCOPE = "picks"
TAGS_SCOPE = "tags"

# Counts of saves per artwork, given artwork ids. Collections live in the community app, which
# gallery never imports: community registers its counter here (register_saves_counter) in its
# AppConfig.ready(). Until then every post has 0 saves.
_saves_counter: Callable[[list[int]], dict[int, int]] | None = None


def register_saves_counter(counter: Callable[[list[int]], dict[int, int]] | None) -> None:
    """Set the function that counts saves (collection items) per artwork id for the ranking.

    ``counter(ids)`` returns ``{artwork_id: saves}`` (missing ids count 0) in one query. Called
    once from the community app's ``ready()``; None removes it (tests). Never raises.
    """
    global _saves_counter
    _saves_counter = counter


def score(*, likes: int, saves: int, follows: int, age_hours: float) -> float:
    """The Popular score of one post (docs/explore.md): engagement divided by a power of age.

    Pure arithmetic; a post dated in the future (clock skew) counts as brand new.
    """
    engagement = likes + SAVE_WEIGHT * saves + FOLLOW_WEIGHT * follows
    return engagement / (max(age_hours, 0.0) + AGE_OFFSET_HOURS) ** GRAVITY


def _saves_by_artwork(artwork_ids: list[int]) -> dict[int, int]:
    # The saves input, kept apart so the collections branch plugs in here and nowhere else.
    if _saves_counter is None:
        return {}
    return _saves_counter(artwork_ids)


def _follows_gained(artist_ids: Iterable[int], since: datetime) -> dict[int, int]:
    rows = (
        Follow.objects.filter(artist_id__in=set(artist_ids), created_at__gte=since)
        .values("artist_id")
        .annotate(n=Count("id"))
        .values_list("artist_id", "n")
    )
    return dict(rows)


def _established(artist_ids: Iterable[int], before: datetime) -> set[int]:
    # An EXISTS per artist stops at their first old public post (the artist's index), where a
    # MIN(published_at) over their posts would read all of them: millions for a whole batch.
    old = Artwork.objects.filter(
        artist_id=OuterRef("pk"), status__in=PUBLIC_STATUSES, published_at__lt=before
    )
    rows = get_user_model().objects.filter(pk__in=set(artist_ids)).filter(Exists(old))
    return set(rows.values_list("pk", flat=True))


def ranks_compute(*, now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Recompute every Popular and Rising score; delete the ranks of posts no longer eligible.

    Eligible for Popular: published posts published within ``ATELIER_EXPLORE_WINDOW_DAYS``.
    Rising: those of them whose artist's first public post is within
    ``ATELIER_EXPLORE_RISING_DAYS``. Who may *see* a ranked post (hidden since, disputed label,
    suspended artist, the viewer's filters) is decided when the page is read, not here.

    Walks the posts newest first in batches of ``batch`` on the feed index; each batch is
    four reads and one upsert (``ArtworkRank`` is unique per artwork and feed), so a run that
    dies halfway leaves the old scores of the rest, and running it twice gives the same rows.
    Rows not rewritten by this run are deleted at the end. Bumps the explore pages' version.
    Returns the number of rows written per feed.
    """
    run_at = now or timezone.now()
    window = max(settings.ATELIER_EXPLORE_WINDOW_DAYS, settings.ATELIER_EXPLORE_RISING_DAYS)
    since = run_at - timedelta(days=window)
    popular_since = run_at - timedelta(days=settings.ATELIER_EXPLORE_WINDOW_DAYS)
    rising_since = run_at - timedelta(days=settings.ATELIER_EXPLORE_RISING_DAYS)
    follows_since = run_at - timedelta(days=FOLLOW_DAYS)
    written = {RankFeed.POPULAR.value: 0, RankFeed.RISING.value: 0}
    # Keyset on (published_at, id) descending: the gallery_artwork_feed_all index, whatever
    # the table's size; OFFSET would reread every earlier batch.
    candidates = Artwork.objects.filter(
        status=Artwork.Status.PUBLISHED, published_at__gte=since, published_at__lte=run_at
    ).order_by("-published_at", "-id")
    after: tuple[datetime, int] | None = None
    while True:
        qs = candidates
        if after is not None:
            qs = qs.filter(Q(published_at__lt=after[0]) | Q(published_at=after[0], id__lt=after[1]))
        rows = list(qs.values_list("id", "artist_id", "like_count", "published_at")[:batch])
        if not rows:
            break
        after = (rows[-1][3], rows[-1][0])
        artist_ids = {row[1] for row in rows}
        follows = _follows_gained(artist_ids, follows_since)
        established = _established(artist_ids, rising_since)
        saves = _saves_by_artwork([row[0] for row in rows])
        ranks = []
        for artwork_id, artist_id, likes, published_at in rows:
            value = score(
                likes=likes,
                saves=saves.get(artwork_id, 0),
                follows=follows.get(artist_id, 0),
                age_hours=(run_at - published_at).total_seconds() / 3600,
            )
            if published_at >= popular_since:
                ranks.append(ArtworkRank(artwork_id=artwork_id, feed=RankFeed.POPULAR, score=value))
            # Rising: no public post of the artist's is older than the rising window.
            if artist_id not in established:
                ranks.append(ArtworkRank(artwork_id=artwork_id, feed=RankFeed.RISING, score=value))
        for rank in ranks:
            rank.computed_at = run_at
            written[rank.feed] += 1
        ArtworkRank.objects.bulk_create(
            ranks,
            update_conflicts=True,
            unique_fields=["artwork", "feed"],
            update_fields=["score", "computed_at"],
        )
    # A later run's rows carry a later run_at: an overlapping earlier run never deletes them.
    ArtworkRank.objects.filter(computed_at__lt=run_at).delete()
    listing_cache.bump([EXPLORE_SCOPE])
    return written


def tag_stats_compute(*, now: datetime | None = None, span: int = TAG_COUNT_SPAN) -> int:
    """Recount, for each label preference, how many listed artworks carry each tag.

    Reads the tag rows by artwork id range (``span`` artworks per query and preference), sums
    them, upserts one ``TagStat`` per tag and preference, and deletes the counts of tags no
    longer carried by a listed post. Idempotent; bumps the tag index's version. Returns the
    number of rows written.
    """
    run_at = now or timezone.now()
    bounds = Artwork.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"] or 0, bounds["high"] or 0
    stats: list[TagStat] = []
    for preference in FeedPreference.values:
        listed = Artwork.objects.filter(state.listing_q(preference, now=run_at))
        counts: dict[int, int] = {}
        for start in range(low, high + 1, span):
            part = (
                TaggedArtwork.objects.filter(
                    content_object_id__gte=start,
                    content_object_id__lt=start + span,
                    content_object_id__in=listed.values("id"),
                )
                .values("tag_id")
                .annotate(n=Count("id"))
                .values_list("tag_id", "n")
            )
            for tag_id, n in part:
                counts[tag_id] = counts.get(tag_id, 0) + n
        stats.extend(
            TagStat(tag_id=tag_id, preference=preference, count=n, computed_at=run_at)
            for tag_id, n in counts.items()
        )
    TagStat.objects.bulk_create(
        stats,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["tag", "preference"],
        update_fields=["count", "computed_at"],
    )
    TagStat.objects.filter(computed_at__lt=run_at).delete()
    listing_cache.bump([TAGS_SCOPE])
    return len(stats)


def staff_pick_set(*, moderator, artwork: Artwork, picked: bool) -> bool:
    """Add ``artwork`` to the staff picks (``picked``) or take it out; returns ``picked``.

    Only moderators in good standing may (``NotAllowed`` for anyone else, suspended moderators
    included); only a published post can be picked (``Conflict``), so a pick never lists what
    nobody may see. Picking twice or unpicking an unpicked post changes nothing (the one-to-one
    row is the guarantee). Bumps the picks listing's version now and after the commit.
    """
    if not getattr(moderator, "is_authenticated", False) or not moderator.is_moderator:
        raise NotAllowed("Only moderators can choose staff picks.")
    if moderator.is_suspended:
        raise NotAllowed("Your account is suspended: you cannot choose staff picks until it ends.")
    with transaction.atomic():
        if picked:
            if artwork.status != Artwork.Status.PUBLISHED:
                raise Conflict("Only a published post can be a staff pick.")
            StaffPick.objects.get_or_create(artwork=artwork, defaults={"picked_by": moderator})
        else:
            StaffPick.objects.filter(artwork=artwork).delete()
        listing_cache.bump_now_and_on_commit([PICKS_SCOPE])
    return picked
