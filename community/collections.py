"""Collections: a member saves works into named, public or private collections.

The services of issue 16 item 2, one per use case, called alike by the site's views
(community.collection_views) and the API (api/views/collections.py). A module of its own, not
``community/services.py``: the comments' services live there (see docs/architecture.md).

Rules every service keeps:
- only the owner changes a collection; anyone else gets ``NotFound`` (a private collection's
  existence never leaks, and a public one is not theirs to change);
- suspended members change nothing (``NotAllowed``), as everywhere on the site;
- a work can be saved only while its viewer could find it in a listing (the state table,
  ``gallery.state``) and neither blocks the other's artist;
- the limits ``ATELIER_COLLECTIONS_PER_MEMBER`` and ``ATELIER_COLLECTION_MAX_ITEMS`` are
  counted under a row lock (the owner's row, the collection's row), so two requests at once
  cannot both squeeze past them;
- every public change moves the works' "saved in N public collections" counters through
  gallery's own service, and bumps the collection's cache version
  (``gallery.listing_cache``) so its cached pages and feed are never read again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.selectors import blocked_ids
from community.collection_selectors import listed_artwork_ids
from community.models import Collection, CollectionItem
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from config.ratelimit import allow_collection_write
from config.text import SINGLE_LINE_MESSAGE, has_control_characters
from gallery import listing_cache, state
from gallery.access import viewer_role
from gallery.models import Artwork
from gallery.services.artworks import collection_count_add

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
# Tries at a free slug before giving up: "title", "title-2" … under the unique constraint.
SLUG_TRIES = 50


def _writer(user: User) -> None:
    """Raise unless ``user`` may change collections now (signed in, not suspended, in budget)."""
    if user is None or not user.is_authenticated:
        raise NotAllowed("Sign in to keep collections.")
    if user.is_suspended:
        raise NotAllowed("Your account is suspended: your collections cannot change for now.")
    allow_collection_write(user_id=user.pk)


def _owned(user: User, collection: Collection) -> None:
    # NotFound, not NotAllowed: a stranger learns nothing about a private collection.
    if collection.owner_id != user.pk:
        raise NotFound("No such collection.")


def _clean(*, title: str, description: str) -> tuple[str, str]:
    """The trimmed title and description, or ``Invalid`` naming each bad field."""
    title = (title or "").strip()
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Give the collection a title."]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"Keep the title to {TITLE_MAX} characters or fewer."]
    elif has_control_characters(title):
        errors["title"] = [SINGLE_LINE_MESSAGE]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"Keep the description to {DESCRIPTION_MAX} characters or fewer."]
    if "\x00" in description:
        errors["description"] = ["The description contains a character that cannot be stored."]
    if errors:
        raise Invalid("Please correct the collection's details.", field_errors=errors)
    return title, description


def _base_slug(title: str) -> str:
    # Unicode slugs: a title in Japanese or Greek keeps a readable address. A title made only
    # of punctuation or emoji slugifies to nothing and becomes "collection".
    return slugify(title, allow_unicode=True)[:100].strip("-") or "collection"


def collection_create(
    *,
    owner: User,
    title: str,
    description: str = "",
    public: bool = True,
    first_work: Artwork | None = None,
) -> Collection:
    """Create a collection for ``owner`` with a slug made from ``title`` (unique per owner:
    "birds", then "birds-2"…), with ``first_work`` saved in it in the same transaction (the
    Save menu's "new collection": both happen or neither does).

    Raises ``NotAllowed`` (suspended, signed out), ``RateLimited``, ``Invalid`` (empty or too
    long title or description, control characters in the title), ``NotFound`` for a
    ``first_work`` the member cannot list, and ``Conflict`` when the member already keeps
    ``ATELIER_COLLECTIONS_PER_MEMBER`` collections. Nothing is written when it raises.
    """
    _writer(owner)
    title, description = _clean(title=title, description=description)
    if first_work is not None:
        _saveable(owner, first_work)
    base = _base_slug(title)
    with transaction.atomic():
        # The owner's row lock makes the count exact against a second tab creating at once.
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
        limit = settings.ATELIER_COLLECTIONS_PER_MEMBER
        if Collection.objects.filter(owner=owner).count() >= limit:
            raise Conflict(
                f"You already keep {limit} collections; delete one before making another.",
                code="collection_limit",
            )
        taken = set(
            Collection.objects.filter(owner=owner, slug__startswith=base).values_list(
                "slug", flat=True
            )
        )
        for number in range(1, SLUG_TRIES + 1):
            slug = base if number == 1 else f"{base}-{number}"
            if slug in taken:
                continue
            try:
                with transaction.atomic():
                    made = Collection.objects.create(
                        owner=owner, title=title, slug=slug, description=description,
                        public=bool(public),
                    )  # fmt: skip
            except IntegrityError:
                continue  # taken meanwhile (another process, outside our lock): next number
            if first_work is not None:
                _add(made, first_work)
            return made
        raise Conflict("Too many collections share this title; choose another.")


def collection_edit(
    *, editor: User, collection: Collection, title: str, description: str, public: bool
) -> Collection:
    """Change a collection's title, description and visibility (its slug stays, so links keep
    working).

    Turning it public or private moves every saved work's public-collections counter.
    Raises ``NotFound`` (not the owner), ``NotAllowed`` (suspended), ``RateLimited``,
    ``Invalid``.
    """
    _writer(editor)
    _owned(editor, collection)
    title, description = _clean(title=title, description=description)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        was_listed, public = locked.is_listed, bool(public)
        locked.title, locked.description, locked.public = title, description, public
        locked.save(update_fields=["title", "description", "public", "updated_at"])
        if was_listed != locked.is_listed:
            ids = list(locked.items.values_list("artwork_id", flat=True))
            collection_count_add(artwork_ids=ids, delta=1 if locked.is_listed else -1)
        _retire(locked)
    collection.title, collection.description, collection.public = title, description, public
    collection.updated_at = locked.updated_at
    return locked


def collection_delete(*, actor: User, collection: Collection) -> None:
    """Delete a collection and its saved rows (the works themselves stay).

    Raises ``NotFound`` (not the owner), ``NotAllowed`` (suspended), ``RateLimited``.
    """
    _writer(actor)
    _owned(actor, collection)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().filter(pk=collection.pk).first()
        if locked is None:
            return  # deleted by a second click already: nothing left to do
        if locked.is_listed:
            ids = list(locked.items.values_list("artwork_id", flat=True))
            collection_count_add(artwork_ids=ids, delta=-1)
        _retire(locked)
        locked.delete()


def collections_erase(*, user_id: int) -> int:
    """Delete every collection of member ``user_id`` (their account is being purged), moving
    the "saved in N public collections" counters as ``collection_delete`` does. No actor
    checks: the account is already inactive. Idempotent; returns how many went."""
    gone = 0
    for pk in list(Collection.objects.filter(owner_id=user_id).values_list("pk", flat=True)):
        with transaction.atomic():
            locked = Collection.objects.select_for_update().filter(pk=pk).first()
            if locked is None:
                continue
            if locked.is_listed:
                ids = list(locked.items.values_list("artwork_id", flat=True))
                collection_count_add(artwork_ids=ids, delta=-1)
            _retire(locked)
            locked.delete()
            gone += 1
    return gone


def _saveable(user: User, artwork: Artwork) -> None:
    """Raise ``NotFound`` unless ``user`` could find ``artwork`` in a listing: published, not
    held out while its artist is suspended, and not by someone either of them blocked."""
    facts = state.Facts.of(artwork)
    shown = state.present(
        facts, surface=state.Surface.PAGE, role=viewer_role(user, artwork), preference="all"
    ).shown
    if not (shown and state.listed(facts)) or artwork.artist_id in blocked_ids(user):
        raise NotFound("No such artwork.")


def collection_add(*, user: User, collection: Collection, artwork: Artwork) -> bool:
    """Save ``artwork`` into ``user``'s ``collection``; True when it was new, False when it was
    already there (a double click or a retry saves it once and is not an error).

    Raises ``NotFound`` (not the owner's collection, or a work they cannot list),
    ``NotAllowed`` (suspended), ``RateLimited`` and ``Conflict`` when the collection already
    holds ``ATELIER_COLLECTION_MAX_ITEMS`` works.
    """
    _writer(user)
    _owned(user, collection)
    _saveable(user, artwork)
    return _add(collection, artwork)


def _add(collection: Collection, artwork: Artwork) -> bool:
    """Save ``artwork`` (already checked) into ``collection``; False when it was there."""
    with transaction.atomic():
        # The collection's row lock serialises saves into it: item_count and the limit stay
        # exact, and the unique constraint settles a double click.
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if CollectionItem.objects.filter(collection=locked, artwork=artwork).exists():
            return False
        limit = settings.ATELIER_COLLECTION_MAX_ITEMS
        if locked.item_count >= limit:
            raise Conflict(
                f"This collection already holds {limit} works; remove some or start another.",
                code="collection_full",
            )
        CollectionItem.objects.create(collection=locked, artwork=artwork)
        Collection.objects.filter(pk=locked.pk).update(item_count=F("item_count") + 1)
        if locked.is_listed:
            collection_count_add(artwork_ids=[artwork.pk], delta=1)
        _touch(locked)
    return True


def collection_remove(*, user: User, collection: Collection, artwork_id: int) -> bool:
    """Take the work ``artwork_id`` out of ``user``'s ``collection``; True when it was there.

    Works in any state can be removed (a removed or hidden work still sits in the collection
    until its owner takes it out; pages simply do not show it). A cover that leaves is
    cleared. Raises ``NotFound`` (not the owner), ``NotAllowed`` (suspended), ``RateLimited``.
    """
    _writer(user)
    _owned(user, collection)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        deleted, _ = CollectionItem.objects.filter(
            collection=locked, artwork_id=artwork_id
        ).delete()
        if not deleted:
            return False
        Collection.objects.filter(pk=locked.pk, item_count__gt=0).update(
            item_count=F("item_count") - 1
        )
        if locked.cover_id == artwork_id:
            Collection.objects.filter(pk=locked.pk).update(cover=None)
        if locked.is_listed:
            collection_count_add(artwork_ids=[artwork_id], delta=-1)
        _touch(locked)
    return True


def collection_prune(*, user: User, collection: Collection) -> int:
    """Take out of ``user``'s ``collection`` every saved work nobody can find in a listing any
    more (removed, hidden, held out, failed); returns how many went.

    Pages already leave such works out at read time: this only frees their places under
    ``ATELIER_COLLECTION_MAX_ITEMS``. Raises ``NotFound`` (not the owner), ``NotAllowed``
    (suspended), ``RateLimited``.
    """
    _writer(user)
    _owned(user, collection)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        gone = CollectionItem.objects.filter(collection=locked).exclude(
            artwork_id__in=listed_artwork_ids()
        )
        ids = list(gone.values_list("artwork_id", flat=True))
        if not ids:
            return 0
        CollectionItem.objects.filter(collection=locked, artwork_id__in=ids).delete()
        Collection.objects.filter(pk=locked.pk).update(
            item_count=Greatest(F("item_count") - len(ids), 0)
        )
        if locked.cover_id in ids:
            Collection.objects.filter(pk=locked.pk).update(cover=None)
        if locked.is_listed:
            collection_count_add(artwork_ids=ids, delta=-1)
        _touch(locked)
    return len(ids)


def collection_set_cover(*, user: User, collection: Collection, artwork_id: int | None) -> None:
    """Make the saved work ``artwork_id`` the collection's cover (None: the first visible work).

    Raises ``NotFound`` (not the owner), ``Invalid`` (the work is not in this collection),
    ``NotAllowed`` (suspended), ``RateLimited``.
    """
    _writer(user)
    _owned(user, collection)
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        held = CollectionItem.objects.filter(collection=locked, artwork_id=artwork_id)
        if artwork_id is not None and not held.exists():
            raise Invalid(
                "Only a work saved in this collection can be its cover.",
                field_errors={"artwork": ["This work is not in the collection."]},
            )
        locked.cover_id = artwork_id
        locked.save(update_fields=["cover", "updated_at"])
        _retire(locked)
    collection.cover_id = artwork_id


def collection_set_hidden(*, collection_id: int, hidden: bool) -> tuple[dict, dict]:
    """Hide a collection after a moderation decision (``hidden``), or show it again after an
    upheld appeal. A hidden collection is shown to its owner alone, marked hidden; the works'
    "saved in N public collections" counters stop counting it. Returns the audit log's before
    and after (``{"hidden": ...}``), equal when nothing changed. Raises
    ``Collection.DoesNotExist`` for an unknown id."""
    with transaction.atomic():
        locked = Collection.objects.select_for_update().get(pk=collection_id)
        before = {"hidden": locked.is_hidden}
        if locked.is_hidden == hidden:
            return before, dict(before)
        was_listed = locked.is_listed
        locked.hidden_at = timezone.now() if hidden else None
        locked.save(update_fields=["hidden_at", "updated_at"])
        if was_listed != locked.is_listed:
            ids = list(locked.items.values_list("artwork_id", flat=True))
            collection_count_add(artwork_ids=ids, delta=1 if locked.is_listed else -1)
        _retire(locked)
    return before, {"hidden": hidden}


def _touch(collection: Collection) -> None:
    # Saves and removals change the owner's list (counts, covers, order) and the page.
    Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    _retire(collection)


def _retire(collection: Collection) -> None:
    """Retire every cached block of this collection's pages and feed, and of its owner's list."""
    listing_cache.bump_now_and_on_commit(
        [f"collection:{collection.pk}", f"collections-of:{collection.owner_id}"]
    )
