"""Reads that depend on the viewer: listings, with the label filter applied everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F, Q, QuerySet
from taggit.models import Tag

from accounts.models import FeedPreference, Follow, MaturePreference
from accounts.selectors import ViewerFilters
from config import cursors
from gallery import state
from gallery.models import (
    PUBLIC_STATUSES,
    Artwork,
    ArtworkImage,
    ImageHashBand,
    PortfolioSection,
    RescanRun,
    TaggedArtwork,
)
from imaging import hash_distance

PAGE_SIZE = 24
PREFERENCE_COOKIE = "atelier_feed"


def label_preference(value: str | None) -> str:
    """The label preference the site applies for ``value``: an unknown (or missing) value is
    human-only, everyone's default; "everything" is human-made + AI-assisted on a site that
    refuses AI-generated work (``ATELIER_ALLOW_AI_GENERATED``), which lists none of it."""
    if value not in FeedPreference.values:
        return FeedPreference.HUMAN
    if value == FeedPreference.ALL and not settings.ATELIER_ALLOW_AI_GENERATED:
        return FeedPreference.ASSISTED
    return value


def viewer_preference(request, chosen: str | None = None) -> str:
    """The label preference for this request: ``chosen`` when it names one (a feed's or the
    API's ``show``), else the one stored on members or in a cookie for anonymous viewers,
    through ``label_preference``."""
    if chosen not in FeedPreference.values:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = user.feed_preference
        else:
            chosen = request.COOKIES.get(PREFERENCE_COOKIE)
    return label_preference(chosen)


def artworks_for_listing(
    *,
    preference: str,
    tag: str | None = None,
    tag_id: int | None = None,
    medium: str | None = None,
    artist_id: int | None = None,
    following_of: int | None = None,
    search: str | None = None,
    own: bool = False,
    mature_preference: str = MaturePreference.BLUR,
    columns: tuple[str, ...] | None = None,
    hide_artists: frozenset[int] = frozenset(),
    hide_tags: frozenset[int] = frozenset(),
) -> QuerySet[Artwork]:
    """Listed artworks for a viewer, newest first, with what a card needs in one query.

    ``tag`` is a slug (looked up here, one query); callers that already hold the tag pass
    ``tag_id`` instead and save that query. ``own`` (with ``artist_id``: the viewer is that
    artist) lists all their public posts, disputed or not, ignoring the label preference.
    ``mature_preference`` (``state.mature_preference(request)``) leaves mature work out for
    "hide"; blurring it for "blur" is the cards' job (``gallery_cards.artwork_cards``).
    ``columns`` are the only columns loaded (``CARD_COLUMNS`` by default; Atom feeds and the
    API pass their own supersets): reading any other attribute of a row costs a query.
    ``hide_artists`` / ``hide_tags``: the viewer's blocks and mutes that apply to this listing
    (``listing_exclusions``); their posts are left out.
    """
    # What may be listed, the label filter and the mature filter come from the state table.
    qs = Artwork.objects.filter(state.listing_q(preference, mature_preference=mature_preference))
    if own:
        # The artist's own profile: every post of theirs anyone can open, whatever their
        # own viewing preference (state.present: Surface.ARTIST for the owner).
        qs = Artwork.objects.filter(status__in=PUBLIC_STATUSES)
    if tag_id is not None:
        qs = qs.filter(id__in=_tag_id_rows(tag_id))
    elif tag:
        qs = qs.filter(id__in=_tagged_ids(tag))
    if medium:
        qs = qs.filter(medium=medium)
    if artist_id is not None:
        qs = qs.filter(artist_id=artist_id)
    if following_of is not None:
        qs = qs.filter(
            artist_id__in=Follow.objects.filter(follower_id=following_of).values("artist_id")
        )
    if search:
        qs = _search(qs, search)
    if hide_artists:
        qs = qs.exclude(artist_id__in=hide_artists)
    if hide_tags:
        qs = qs.exclude(
            id__in=TaggedArtwork.objects.filter(tag_id__in=hide_tags).values("content_object_id")
        )
    # A card reads a handful of columns: leaving out the description, the search vector, the
    # cover's provenance report and most of the artist's row shrinks each row several times.
    return (
        qs.select_related("artist", "cover")
        .only(*(columns or CARD_COLUMNS))
        .order_by("-published_at", "-id")
    )


# Where mutes apply (blocks apply everywhere). A mute quiets the member's own feeds; an artist's
# page visited directly and a search typed on purpose still show the muted work, and a muted
# tag's own page still lists its posts, under a notice (gallery/views/feeds.tag).
MUTED_ARTISTS_APPLY = frozenset(
    {state.Surface.FEED, state.Surface.FOLLOWING, state.Surface.TAG, state.Surface.MEDIUM}
)
MUTED_TAGS_APPLY = MUTED_ARTISTS_APPLY


def listing_exclusions(
    filters: ViewerFilters, *, surface: str, tag_id: int | None = None
) -> dict[str, frozenset[int]]:
    """The ``hide_artists`` / ``hide_tags`` arguments of ``artworks_for_listing`` for a viewer
    with ``filters`` (``accounts.selectors.viewer_filters``) on ``surface``: every member in a
    block with them, plus their muted artists and tags where mutes apply
    (``MUTED_ARTISTS_APPLY``), less the tag whose own page this is. Empty sets leave the
    listing shared between viewers (``exclusions_digest``)."""
    artists = set(filters.blocked)
    tags: set[int] = set()
    if surface in MUTED_ARTISTS_APPLY:
        artists |= filters.muted_artists
    if surface in MUTED_TAGS_APPLY:
        tags = set(filters.muted_tags) - {tag_id}
    return {"hide_artists": frozenset(artists), "hide_tags": frozenset(tags)}


def exclusions_digest(exclusions: dict[str, frozenset[int]]) -> str:
    """A short name for ``listing_exclusions``' sets, for cache keys: "" when both are empty
    (the viewer shares everyone's blocks), else a digest that changes with either set."""
    if not any(exclusions.values()):
        return ""
    return ViewerFilters(
        blocked=exclusions.get("hide_artists", frozenset()),
        muted_tags=exclusions.get("hide_tags", frozenset()),
    ).digest


def artworks_not_public_of(*, artist_id: int, limit: int = 120) -> QuerySet[Artwork]:
    """The artist's own posts nobody else can open (processing, failed, waiting for approval,
    removed), newest first, for the owner's profile. Drafts have their own list
    (``drafts_of``)."""
    return (
        Artwork.objects.filter(artist_id=artist_id)
        .exclude(status__in=PUBLIC_STATUSES)
        .exclude(status=Artwork.Status.DRAFT)
        .exclude(
            status__in=[Artwork.Status.PROCESSING, Artwork.Status.FAILED], publish_when_ready=False
        )
        .select_related("artist", "cover")
        .only(*CARD_COLUMNS)
        .order_by("-created_at", "-id")[:limit]
    )


def drafts_of(
    *, artist_id: int, limit: int = 120, columns: tuple[str, ...] | None = None
) -> QuerySet[Artwork]:
    """The artist's drafts, newest first, for their own "Drafts" list: settled drafts and
    drafts still processing (saved as a draft, ``publish_when_ready`` off). Only ever called
    for the signed-in artist themselves (the state table shows a draft to nobody else).
    ``columns`` as in ``artworks_for_listing``."""
    return (
        Artwork.objects.filter(artist_id=artist_id)
        .filter(
            Q(status=Artwork.Status.DRAFT)
            | Q(
                status__in=[Artwork.Status.PROCESSING, Artwork.Status.FAILED],
                publish_when_ready=False,
            )
        )
        .select_related("artist", "cover")
        .only(*(columns or CARD_COLUMNS))
        .order_by("-created_at", "-id")[:limit]
    )


# Every column a card reads, and no other: templates/gallery/_card.html and _badge.html (title,
# cover image, like and comment counts, artist's name), gallery_cards.card_key and card_blurred
# (updated_at, like_count, comment_count, cover_id, the badge's facts, mature, visibility),
# state.Facts.of (the artist's
# suspension and whether the account is active) and the keyset cursor (published_at).
# tests/gallery/test_lean_listings.py fails if a listing reads anything else (each such read is
# one query per card).
CARD_COLUMNS = (
    "title", "label", "status", "label_mismatch", "held", "relabeled", "mature", "visibility",
    "like_count", "comment_count",
    "updated_at", "published_at", "artist", "cover",
    "artist__handle", "artist__display_name", "artist__suspended_until", "artist__is_active",
    "cover__width", "cover__height", "cover__alt_text", "cover__placeholder",
    "cover__derivatives", "cover__public_files",
)  # fmt: skip
# Atom entries add the description and the medium (gallery.feeds._ArtworkFeed.item_description).
ATOM_COLUMNS = (*CARD_COLUMNS, "description", "medium")


def _tagged_ids(tag: str):
    # The tag's id goes into the query as a literal, not as a join on its slug: the planner then
    # reads that tag's own frequency from the statistics on tag_id. Through the join it assumed
    # an average tag, and for a rare tag carried only by old artworks walked the whole feed
    # index (110 ms at 100k artworks, against 0.2 ms from gallery_tagged_tag_artwork).
    # tests/gallery/test_feed_plans.py checks both kinds of tag.
    tag_id = Tag.objects.filter(slug=tag).values_list("pk", flat=True).first()
    if tag_id is None:
        return TaggedArtwork.objects.none().values("content_object_id")
    return _tag_id_rows(tag_id)


def _tag_id_rows(tag_id: int):
    return TaggedArtwork.objects.filter(tag_id=tag_id).values("content_object_id")


def _search(qs: QuerySet[Artwork], text: str) -> QuerySet[Artwork]:
    text = text.strip()[:100]
    if connection.vendor == "postgresql":
        return qs.filter(search_vector=SearchQuery(text, search_type="websearch", config="simple"))
    words = text.split()
    for word in words[:5]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(artist__handle__icontains=word)
            | Q(artist__display_name__icontains=word)
            | Q(id__in=_tag_name_ids(word))
        )
    return qs


def _tag_name_ids(word: str):
    return TaggedArtwork.objects.filter(tag__name__icontains=word).values("content_object_id")


# The feeds' page type and cursors, under gallery's names for the feeds' callers (and benches).
Page = cursors.Page


def encode_cursor(artwork: Artwork) -> str:
    """The feed cursor after ``artwork``."""
    return cursors.encode(artwork.published_at, artwork.pk)


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(published_at, id) from a feed cursor, None for no cursor; ``BadCursor`` (400) else."""
    return cursors.decode_time(cursor) if cursor else None


def keyset_page(qs: QuerySet[Artwork], cursor: str | None, size: int = PAGE_SIZE) -> Page:
    """One page of a feed after ``cursor``, on (published_at, id) descending, walking the
    feed's index (``config.cursors.keyset_page``). A tampered cursor is a 400."""
    return cursors.keyset_page(qs, cursor, key="published_at", size=size)


def hash_bands(phash: str) -> list[int]:
    """The four 16-bit quarters of a 16-hex-digit perceptual hash."""
    return [int(phash[i : i + 4], 16) for i in range(0, 16, 4)]


def near_duplicates(*, image, max_distance: int, other_artists_only: bool = True) -> list[tuple]:
    """Ready final images whose perceptual hash is within ``max_distance`` of ``image``'s.

    Returns ``[(other_image, distance), ...]`` closest first. Candidates share at least one
    16-bit quarter of the hash (an index lookup); exact for distances up to 3, and in practice
    catches most within 6.
    """
    if not image.phash or len(image.phash) != 16:
        return []
    match = Q()
    for band, value in enumerate(hash_bands(image.phash)):
        match |= Q(band=band, value=value)
    candidate_ids = ImageHashBand.objects.filter(match).values("image_id")
    candidates = (
        ArtworkImage.objects.filter(pk__in=candidate_ids, kind="final", state="ready")
        .exclude(artwork_id=image.artwork_id)
        .select_related("artwork", "artwork__artist")
    )
    if other_artists_only:
        candidates = candidates.exclude(artwork__artist_id=image.artwork.artist_id)
    found = []
    for other in candidates[:200]:
        distance = hash_distance(image.phash, other.phash)
        if distance <= max_distance:
            found.append((other, distance))
    return sorted(found, key=lambda pair: pair[1])


def rescan_latest() -> RescanRun | None:
    """The latest provenance rescan (``gallery.services.rescan``), for the moderators'
    dashboard; None before the first. One query."""
    return RescanRun.objects.select_related("artist").order_by("-started_at", "-id").first()


def viewing_choices(*, preference: str, mature: str) -> dict:
    """The label filter's and the mature choice's current values and options, as every
    listing page's two forms read them (``_preference_form.html``, ``_mature_form.html``).
    Pure: no query, nothing raises."""
    from accounts.models import FeedPreference, MaturePreference

    return {
        "preference": preference,
        "preference_choices": FeedPreference.choices,
        "mature_preference": mature,
        "mature_choices": MaturePreference.choices,
    }


@dataclass(frozen=True)
class PortfolioSectionView:
    section: PortfolioSection
    works: list[Artwork]

    @property
    def title(self) -> str:
        return self.section.title


@dataclass(frozen=True)
class Portfolio:
    """What one viewer sees of an artist's portfolio (``portfolio_of``)."""

    pinned: list[Artwork]
    sections: list[PortfolioSectionView]

    def __bool__(self) -> bool:
        return bool(self.pinned or self.sections)


# The CV lists each work's medium and year beside its title.
PORTFOLIO_COLUMNS = (*CARD_COLUMNS, "medium")


def portfolio_of(
    *,
    artist_id: int,
    preference: str,
    mature_preference: str = MaturePreference.BLUR,
    own: bool = False,
    columns: tuple[str, ...] = PORTFOLIO_COLUMNS,
) -> Portfolio:
    """The artist's pinned works (in their order) and sections (in their order, each with its
    works in order), as this viewer may see them: the same rules as the artist's listing
    (``artworks_for_listing``: the state table's ``listing_q``, the label filter and the
    mature "hide"), so a work hidden, held, removed, made a draft or unlisted since it was
    pinned drops out silently, and a human-only viewer never gets AI-generated work. The
    artist themselves (``own``) sees every work of theirs anyone can open, as on their page,
    and their empty sections; others do not see a section with nothing left to show.

    One query for everyone else (the works, with their pin and section places joined), two
    for the artist (their sections too), whatever the sizes.
    """
    rows = (
        artworks_for_listing(
            preference=preference,
            mature_preference=mature_preference,
            artist_id=artist_id,
            own=own,
            columns=columns,
        )
        .filter(Q(portfolio_pin__isnull=False) | Q(portfolio_section_items__isnull=False))
        .annotate(
            pin_position=F("portfolio_pin__position"),
            in_section_id=F("portfolio_section_items__section_id"),
            in_section_position=F("portfolio_section_items__section__position"),
            in_section_title=F("portfolio_section_items__section__title"),
            item_position=F("portfolio_section_items__position"),
        )
        .order_by()
    )
    pinned: dict[int, Artwork] = {}
    sections: dict[int, PortfolioSection] = {}
    works: dict[int, list[tuple[int, Artwork]]] = {}
    for artwork in rows:
        if artwork.pin_position is not None:
            pinned.setdefault(artwork.pk, artwork)
        section_id = artwork.in_section_id
        if section_id is not None:
            if section_id not in sections:
                sections[section_id] = PortfolioSection(
                    id=section_id,
                    artist_id=artist_id,
                    title=artwork.in_section_title,
                    position=artwork.in_section_position,
                )
            works.setdefault(section_id, []).append((artwork.item_position, artwork))
    if own:
        # The artist's empty sections (and those whose works all dropped out) too.
        sections = {
            s.pk: s
            for s in PortfolioSection.objects.filter(artist_id=artist_id).only(
                "title", "position", "artist_id"
            )
        }
    ordered = sorted(sections.values(), key=lambda s: (s.position, s.pk))
    return Portfolio(
        pinned=sorted(pinned.values(), key=lambda a: a.pin_position),
        sections=[
            PortfolioSectionView(
                section=s, works=[a for _, a in sorted(works.get(s.pk, []), key=lambda t: t[0])]
            )
            for s in ordered
        ],
    )
