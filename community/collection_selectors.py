"""Reads of collections that depend on who is asking (issue 16 item 2).

A module of its own beside the comments' selectors. Who may see a collection: its owner
always; anyone else only a public one whose owner is active and neither blocks the other;
everyone else gets ``NotFound`` (a 404 on the site and in the API), never a 403, so a private
collection's existence does not leak.

Which saved works show: gallery's listing rules decide (``gallery.selectors
.artworks_for_listing``, i.e. the state table's ``listing_q``), at read time. A work removed,
hidden, held out or failed simply stops matching: the collection keeps its row (and its
``item_count``), its page still renders, its visible count drops and a cover that dropped out
is replaced by the first visible work. Nothing has to run when a work's state changes.
"""

from __future__ import annotations

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import FeedPreference, MaturePreference, User, handle_validator
from accounts.selectors import blocked_ids
from community.models import Collection, CollectionItem
from config.errors import NotFound
from gallery import selectors
from gallery.models import Artwork

PAGE_SIZE = selectors.PAGE_SIZE
# What a collection card on the owner's list shows of its cover work.
COVER_COLUMNS = selectors.CARD_COLUMNS


def listed_artwork_ids(
    *, preference: str = FeedPreference.ALL, mature_preference: str = MaturePreference.BLUR
) -> QuerySet:
    """Ids of works a viewer with this label filter and mature choice finds in listings
    (gallery's own listing selector decides). The defaults, "everything" and "blur", are the
    works anyone could find at all: what pruning keeps."""
    return selectors.artworks_for_listing(
        preference=preference, mature_preference=mature_preference
    ).values("pk")


def can_see(viewer, collection: Collection, *, blocked: frozenset[int] | None = None) -> bool:
    """Whether ``viewer`` (anyone, anonymous included) may see ``collection``: its owner, or
    a public one, not hidden by moderators, of an active owner when neither blocks the
    other."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == collection.owner_id:
        return True  # the owner sees their own, suspended or not, public or private
    # A deactivated owner's collections go with their profile, as their artworks' pages do.
    if not collection.is_listed or not collection.owner.is_active:
        return False
    blocked = blocked_ids(viewer) if blocked is None else blocked
    return collection.owner_id not in blocked


def member_for_viewer(viewer, handle: str) -> User:
    """The active member with ``handle`` whose collections ``viewer`` may list; ``NotFound``
    when there is none or a block stands between them (one query, plus one for blocks)."""
    # The handle's own rule first: anything else (a NUL byte included) names nobody.
    owner = (
        User.objects.by_handle(handle).filter(is_active=True).first()
        if handle_validator.regex.match(handle)
        else None
    )
    if owner is None or (
        not (viewer.is_authenticated and viewer.pk == owner.pk) and owner.pk in blocked_ids(viewer)
    ):
        raise NotFound("No such member.")
    return owner


def collection_for_viewer(viewer, *, handle: str, slug: str) -> Collection:
    """The collection ``slug`` of the member ``handle`` if ``viewer`` may see it (``can_see``);
    ``NotFound`` otherwise. One query, plus one for blocks when the viewer is not the owner."""
    found = (
        Collection.objects.select_related("owner")
        .filter(owner__handle__lower=handle.lower(), slug=slug)
        .first()
        if handle_validator.regex.match(handle) and "\x00" not in slug
        else None
    )
    if found is None or not can_see(viewer, found):
        raise NotFound("No such collection.")
    return found


def collection_by_id_for_viewer(viewer, pk: int) -> Collection:
    """As ``collection_for_viewer``, by id (the API's address for a collection)."""
    found = Collection.objects.select_related("owner").filter(pk=pk).first()
    if found is None or not can_see(viewer, found):
        raise NotFound("No such collection.")
    return found


def collections_of(
    *, owner: User, viewer, preference: str, mature_preference: str
) -> QuerySet[Collection]:
    """``owner``'s collections ``viewer`` may see (all for the owner, public ones not hidden
    by moderators for anyone else), newest first on (created_at, id) for keyset pages,
    annotated by ``with_counts`` for this viewer's label filter and mature choice. One query
    for any number of rows; ``collection_covers`` loads the covers' cards in one more. The
    caller checked ``member_for_viewer`` first.
    """
    qs = Collection.objects.filter(owner=owner).select_related("owner")
    if not (viewer.is_authenticated and viewer.pk == owner.pk):
        # Moderators too: a private collection is a member's own notebook, not a post.
        qs = qs.filter(public=True, hidden_at__isnull=True)
    return with_counts(qs, preference=preference, mature_preference=mature_preference).order_by(
        "-created_at", "-id"
    )


def with_counts(
    qs: QuerySet[Collection], *, preference: str, mature_preference: str
) -> QuerySet[Collection]:
    """``qs`` annotated with ``visible_count`` (saved works this viewer's label filter and
    mature choice show) and ``cover_pick`` (the chosen cover while it shows and is not
    mature, else the newest such save; None when there is none): two correlated
    subqueries, no extra round trip."""
    shown = listed_artwork_ids(preference=preference, mature_preference=mature_preference)
    # Covers are thumbnails seen before anyone could choose to see mature work: never mature.
    plain = listed_artwork_ids(preference=preference, mature_preference=MaturePreference.HIDE)
    visible = (
        CollectionItem.objects.filter(collection=OuterRef("pk"), artwork_id__in=shown)
        .order_by()
        .values("collection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    first = (
        CollectionItem.objects.filter(collection=OuterRef("pk"), artwork_id__in=plain)
        .order_by("-added_at", "-id")
        .values("artwork_id")[:1]
    )
    chosen_visible = Exists(Artwork.objects.filter(pk=OuterRef("cover_id"), pk__in=plain))
    return qs.annotate(
        visible_count=Coalesce(Subquery(visible), Value(0)),
        cover_pick=Case(
            When(chosen_visible, then=F("cover_id")),
            default=Subquery(first),
            output_field=BigIntegerField(),
        ),
    )


def collection_covers(
    collections: list[Collection], *, columns: tuple[str, ...] = COVER_COLUMNS
) -> None:
    """Set ``cover_work`` on each of ``collections`` (annotated by ``with_counts``): the
    artwork of its ``cover_pick`` with ``columns`` (a site card's by default), or None. One
    query for all, none when no collection has a cover."""
    ids = {c.cover_pick for c in collections if c.cover_pick}
    works = (
        {
            a.pk: a
            for a in Artwork.objects.filter(pk__in=ids)
            .select_related("artist", "cover")
            .only(*columns)
        }
        if ids
        else {}
    )
    for collection in collections:
        collection.cover_work = works.get(collection.cover_pick)


def visible_count(
    collection: Collection,
    *,
    preference: str = FeedPreference.ALL,
    mature_preference: str = MaturePreference.BLUR,
) -> int:
    """How many of the collection's saved works a viewer with this label filter and mature
    choice sees (the defaults: that anyone could find at all). One query."""
    ids = listed_artwork_ids(preference=preference, mature_preference=mature_preference)
    return CollectionItem.objects.filter(collection=collection, artwork_id__in=ids).count()


def collection_works(
    *,
    collection: Collection,
    preference: str,
    mature_preference: str,
    hidden_artists: frozenset[int] = frozenset(),
    columns: tuple[str, ...] | None = None,
) -> QuerySet[CollectionItem]:
    """The collection's saved works this viewer sees, newest save first, as ``CollectionItem``
    rows with their artwork (``item.artwork``: what a card, or with ``columns`` an Atom entry
    or an API card, reads) in the same query.

    ``preference`` and ``mature_preference`` are the viewer's label filter and mature choice,
    applied by gallery's own listing selector; ``hidden_artists`` (the viewer's
    ``blocked_ids``) leaves those artists' works out. Page it with
    ``config.cursors.keyset_page(key="added_at")``: a fixed number of queries at any depth.
    """
    listed = selectors.artworks_for_listing(
        preference=preference, mature_preference=mature_preference
    ).values("pk")
    # A semi-join on the listed works: the collection's index gives its rows newest first and
    # the listing filter drops what no longer shows, so a removed work needs no cleanup here.
    qs = CollectionItem.objects.filter(collection=collection, artwork_id__in=listed)
    if hidden_artists:
        qs = qs.exclude(artwork__artist_id__in=hidden_artists)
    fields = columns or selectors.CARD_COLUMNS
    return (
        qs.select_related("artwork", "artwork__artist", "artwork__cover")
        .only("added_at", "collection_id", "artwork", *(f"artwork__{f}" for f in fields))
        .order_by("-added_at", "-id")
    )


def collections_for_saving(*, user: User, artwork_id: int) -> QuerySet[Collection]:
    """``user``'s own collections for the artwork page's "Save" menu, most recently changed
    first, each annotated ``has_work`` (this artwork is saved in it). One query."""
    # One EXISTS per row (the unique index on (collection, artwork)), not a query per row.
    held = CollectionItem.objects.filter(collection=OuterRef("pk"), artwork_id=artwork_id)
    return (
        Collection.objects.filter(owner=user)
        .annotate(has_work=Exists(held))
        .only("pk", "title", "slug", "public", "owner", "item_count", "updated_at")
        .order_by("-updated_at", "-id")
    )
