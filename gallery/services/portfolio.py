"""Writes to an artist's portfolio (issue 17 item 4): commission status, pinned works and
sections. The site's pages (gallery.views.portfolio) and the API (api.views.portfolio) both call
these; each raises a ``config.errors.DomainError`` with a sentence for the artist.

Rules kept here:
- Only the artist themselves writes their portfolio: every service takes ``artist`` (the
  signed-in member) and touches only their rows. A suspended artist may change nothing
  (``NotAllowed``); moderators have no way in (there is no "whose portfolio" argument).
- Only the artist's own works, and only when anyone could find them in a listing (published,
  public) at the time they are pinned or added. A work that later leaves the public (hidden,
  held, removed, made a draft or unlisted) keeps its row but drops out for other viewers
  (gallery.selectors.portfolio_of reads through the state table's ``listing_q``); a deleted
  work takes its rows with it (``on_delete=CASCADE``).
- At most ``MAX_PINS`` pinned works, ``MAX_SECTIONS`` sections and ``MAX_SECTION_WORKS``
  works in a section.

Every write bumps the ``artist:<id>`` cache scope (gallery.listing_cache), which the artist's
page and CV are keyed on, so a cached copy is never served after a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max

from accounts.models import CommissionStatus, User
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from config.text import SINGLE_LINE_MESSAGE, has_control_characters
from gallery import listing_cache
from gallery.models import (
    Artwork,
    PortfolioPin,
    PortfolioSection,
    PortfolioSectionItem,
    Visibility,
)

MAX_PINS = 6
MAX_SECTIONS = 12
MAX_SECTION_WORKS = 60
SECTION_TITLE_MAX = 80
COMMISSION_NOTE_MAX = 140
UP, DOWN = "up", "down"


def _writer(artist: User) -> None:
    if artist is None or not artist.is_authenticated:
        raise NotAllowed("Sign in to edit your portfolio.")
    if artist.is_suspended:
        raise NotAllowed(
            f"Your account is suspended until {artist.suspended_until:%d %B %Y}: your "
            "portfolio cannot change until then."
        )


def _lock(artist: User) -> None:
    # The artist's row lock orders two tabs (or a tab and a script) writing at once, so the
    # limits and the positions stay exact.
    User.objects.select_for_update().filter(pk=artist.pk).values_list("pk").get()


def _changed(artist: User) -> None:
    listing_cache.bump_now_and_on_commit([f"artist:{artist.pk}"])


def _ids(values: Sequence) -> list[int]:
    """``values`` as a list of distinct positive ints, in order, or ``Invalid``."""
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        raise Invalid("Artwork ids must be whole numbers.") from None
    if any(i <= 0 or i > 2**63 - 1 for i in ids):
        raise Invalid("Artwork ids must be positive whole numbers.")
    if len(set(ids)) != len(ids):
        raise Invalid("Each work may appear only once in the list.")
    return ids


def _one_id(value) -> int:
    return _ids([value])[0]


def _eligible(artist: User, new_ids: list[int]) -> None:
    """Raise unless every id in ``new_ids`` is the artist's own work that anyone could find
    in a listing now. Others' works and works that do not exist answer the same: not found."""
    if not new_ids:
        return
    rows = dict(
        Artwork.objects.filter(pk__in=new_ids, artist_id=artist.pk).values_list("pk", "status")
    )
    missing = [i for i in new_ids if i not in rows]
    if missing:
        raise NotFound(
            f"Artwork {missing[0]} is not one of your works: only your own works can go in "
            "your portfolio."
        )
    public = set(
        Artwork.objects.filter(
            pk__in=new_ids, status=Artwork.Status.PUBLISHED, visibility=Visibility.PUBLIC
        ).values_list("pk", flat=True)
    )
    for artwork_id in new_ids:
        if artwork_id not in public:
            raise Invalid(
                f"Artwork {artwork_id} is not published publicly (it is a draft, unlisted, "
                "hidden, removed or still processing): only works everyone can see go in "
                "your portfolio.",
                code="not_public",
            )


# --- Commission status ---------------------------------------------------------------------------


def commission_set(*, artist: User, status: str, note: str = "") -> User:
    """Set the artist's commission status (open, waitlist, closed, or "" for not stated) and
    an optional one-line note. Raises ``Invalid`` for an unknown status or a bad note."""
    _writer(artist)
    if status not in CommissionStatus.values:
        raise Invalid(
            "Choose open, waitlist, closed or not stated.",
            field_errors={"commission_status": ["Choose open, waitlist, closed or not stated."]},
        )
    note = (note or "").strip()
    if len(note) > COMMISSION_NOTE_MAX:
        message = f"Keep the note to {COMMISSION_NOTE_MAX} characters or fewer."
        raise Invalid(message, field_errors={"commission_note": [message]})
    if has_control_characters(note):
        raise Invalid(SINGLE_LINE_MESSAGE, field_errors={"commission_note": [SINGLE_LINE_MESSAGE]})
    artist.commission_status, artist.commission_note = status, note
    # gallery.receivers retires the artist's cached page when either really changed.
    artist.save(update_fields=["commission_status", "commission_note"])
    return artist


# --- Pinned works ---------------------------------------------------------------------------------


def pins_of(artist: User) -> list[int]:
    """The artist's pinned artwork ids in order (every pin, shown to others or not)."""
    return list(
        PortfolioPin.objects.filter(artist_id=artist.pk)
        .order_by("position")
        .values_list("artwork_id", flat=True)
    )


def pins_set(*, artist: User, artwork_ids: Sequence) -> list[int]:
    """Pin exactly ``artwork_ids``, in that order (an empty list unpins everything).

    Works already pinned may stay whatever their state now (the artist can still reorder a
    pinned work that moderators hid); each newly pinned one must be the artist's own and
    public. Raises ``Invalid`` (bad ids, duplicates, a work that is not public),
    ``NotFound`` (not the artist's work) and ``Conflict`` past ``MAX_PINS``.
    """
    _writer(artist)
    ids = _ids(artwork_ids)
    if len(ids) > MAX_PINS:
        raise Conflict(
            f"You can pin at most {MAX_PINS} works; unpin one before pinning another.",
            code="pin_limit",
        )
    with transaction.atomic():
        _lock(artist)
        current = pins_of(artist)
        _eligible(artist, [i for i in ids if i not in current])
        if ids == current:
            return ids
        PortfolioPin.objects.filter(artist_id=artist.pk).delete()
        PortfolioPin.objects.bulk_create(
            PortfolioPin(artist_id=artist.pk, artwork_id=artwork_id, position=position)
            for position, artwork_id in enumerate(ids)
        )
        _changed(artist)
    return ids


def pin_add(*, artist: User, artwork_id: int) -> list[int]:
    """Pin one more work, last. Pinning a pinned work again changes nothing."""
    _writer(artist)
    artwork_id = _one_id(artwork_id)
    with transaction.atomic():
        _lock(artist)  # read and write under one lock: a second tab cannot lose this pin
        current = pins_of(artist)
        if artwork_id in current:
            return current
        if len(current) >= MAX_PINS:
            raise Conflict(
                f"You already pin {MAX_PINS} works, the most a portfolio shows; unpin one first.",
                code="pin_limit",
            )
        return pins_set(artist=artist, artwork_ids=[*current, artwork_id])


def pin_remove(*, artist: User, artwork_id: int) -> list[int]:
    """Unpin one work (not pinned: nothing changes)."""
    _writer(artist)
    artwork_id = _one_id(artwork_id)
    with transaction.atomic():
        _lock(artist)
        current = pins_of(artist)
        return pins_set(artist=artist, artwork_ids=[i for i in current if i != artwork_id])


def _moved(ids: list[int], item: int, direction: str) -> list[int]:
    if direction not in (UP, DOWN):
        raise Invalid("Move a work up or down.")
    if item not in ids:
        raise NotFound("That work is not in this list.")
    index = ids.index(item)
    other = index - 1 if direction == UP else index + 1
    if 0 <= other < len(ids):
        ids = list(ids)
        ids[index], ids[other] = ids[other], ids[index]
    return ids


def pin_move(*, artist: User, artwork_id: int, direction: str) -> list[int]:
    """Move a pinned work one place up or down (at either end: nothing changes)."""
    _writer(artist)
    with transaction.atomic():
        _lock(artist)
        ids = _moved(pins_of(artist), _one_id(artwork_id), direction)
        return pins_set(artist=artist, artwork_ids=ids)


# --- Sections -------------------------------------------------------------------------------------


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        message = "Give the section a name."
    elif len(title) > SECTION_TITLE_MAX:
        message = f"Keep the name to {SECTION_TITLE_MAX} characters or fewer."
    elif has_control_characters(title):
        message = SINGLE_LINE_MESSAGE
    else:
        return title
    raise Invalid(message, field_errors={"title": [message]})


def section_get(*, artist: User, section_id) -> PortfolioSection:
    """The artist's own section, or ``NotFound`` (someone else's answers the same)."""
    try:
        section_id = int(section_id)
    except (TypeError, ValueError):
        raise NotFound("No such section.") from None
    section = PortfolioSection.objects.filter(pk=section_id, artist_id=artist.pk).first()
    if section is None:
        raise NotFound("No such section in your portfolio.")
    return section


def section_create(*, artist: User, title: str, artwork_ids: Sequence = ()) -> PortfolioSection:
    """A new section, last, holding ``artwork_ids`` in that order. Raises ``Invalid`` for a
    bad name or works, ``NotFound`` for others' works, ``Conflict`` past ``MAX_SECTIONS``."""
    _writer(artist)
    title = _title(title)
    ids = _ids(artwork_ids)
    with transaction.atomic():
        _lock(artist)
        count = PortfolioSection.objects.filter(artist_id=artist.pk).count()
        if count >= MAX_SECTIONS:
            raise Conflict(
                f"A portfolio has at most {MAX_SECTIONS} sections; delete one first.",
                code="section_limit",
            )
        last = PortfolioSection.objects.filter(artist_id=artist.pk).aggregate(m=Max("position"))
        section = PortfolioSection.objects.create(
            artist_id=artist.pk, title=title, position=(last["m"] + 1) if count else 0
        )
        if ids:
            _section_works_write(artist, section, ids)
        _changed(artist)
    return section


def section_rename(*, artist: User, section: PortfolioSection, title: str) -> PortfolioSection:
    """Give one of the artist's sections a new title (cleaned and checked as on creation)."""
    _writer(artist)
    section = section_get(artist=artist, section_id=section.pk)
    section.title = _title(title)
    section.save(update_fields=["title"])
    _changed(artist)
    return section


def section_delete(*, artist: User, section: PortfolioSection) -> None:
    """Delete the section (its works stay where they are; only their place in it goes)."""
    _writer(artist)
    section = section_get(artist=artist, section_id=section.pk)
    section.delete()
    _changed(artist)


def sections_of(artist: User) -> list[int]:
    """The ids of the artist's sections in their order."""
    return list(
        PortfolioSection.objects.filter(artist_id=artist.pk)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


def sections_order(*, artist: User, section_ids: Sequence) -> list[int]:
    """Put the artist's sections in exactly this order (every one of them, once)."""
    _writer(artist)
    try:
        ids = [int(v) for v in section_ids]
    except (TypeError, ValueError):
        raise Invalid("Section ids must be whole numbers.") from None
    with transaction.atomic():
        _lock(artist)
        current = sections_of(artist)
        if sorted(ids) != sorted(current) or len(set(ids)) != len(ids):
            raise Invalid("List every one of your sections exactly once.")
        for position, section_id in enumerate(ids):
            PortfolioSection.objects.filter(pk=section_id).update(position=position)
        _changed(artist)
    return ids


def section_move(*, artist: User, section: PortfolioSection, direction: str) -> list[int]:
    """Move a section one place up or down."""
    _writer(artist)
    with transaction.atomic():
        _lock(artist)
        section = section_get(artist=artist, section_id=section.pk)
        ids = _moved(sections_of(artist), section.pk, direction)
        return sections_order(artist=artist, section_ids=ids)


def section_works_of(section: PortfolioSection) -> list[int]:
    """The ids of the works in ``section``, in its order (whatever their state: readers
    filter through the listing rules)."""
    return list(section.items.order_by("position").values_list("artwork_id", flat=True))


def _section_works_write(artist: User, section: PortfolioSection, ids: list[int]) -> None:
    if len(ids) > MAX_SECTION_WORKS:
        raise Conflict(
            f"A section holds at most {MAX_SECTION_WORKS} works; make another section.",
            code="section_works_limit",
        )
    current = section_works_of(section)
    _eligible(artist, [i for i in ids if i not in current])
    section.items.all().delete()
    PortfolioSectionItem.objects.bulk_create(
        PortfolioSectionItem(section=section, artwork_id=artwork_id, position=position)
        for position, artwork_id in enumerate(ids)
    )


def section_works_set(
    *, artist: User, section: PortfolioSection, artwork_ids: Sequence
) -> list[int]:
    """The section holds exactly ``artwork_ids``, in that order (the rules of ``pins_set``:
    works already in it may stay, new ones must be the artist's own and public)."""
    _writer(artist)
    ids = _ids(artwork_ids)
    with transaction.atomic():
        _lock(artist)
        section = section_get(artist=artist, section_id=section.pk)
        if ids != section_works_of(section):
            _section_works_write(artist, section, ids)
            _changed(artist)
    return ids


def section_add(*, artist: User, section: PortfolioSection, artwork_id: int) -> list[int]:
    """Append one of the artist's public works to the section (already there: unchanged);
    returns the section's work ids in order."""
    _writer(artist)
    artwork_id = _one_id(artwork_id)
    with transaction.atomic():
        _lock(artist)
        section = section_get(artist=artist, section_id=section.pk)
        current = section_works_of(section)
        if artwork_id in current:
            return current
        return section_works_set(artist=artist, section=section, artwork_ids=[*current, artwork_id])


def section_remove(*, artist: User, section: PortfolioSection, artwork_id: int) -> list[int]:
    """Take a work out of the section (the work itself is untouched); returns the ids left."""
    _writer(artist)
    artwork_id = _one_id(artwork_id)
    with transaction.atomic():
        _lock(artist)
        section = section_get(artist=artist, section_id=section.pk)
        current = section_works_of(section)
        return section_works_set(
            artist=artist, section=section, artwork_ids=[i for i in current if i != artwork_id]
        )


def section_work_move(
    *, artist: User, section: PortfolioSection, artwork_id: int, direction: str
) -> list[int]:
    """Move one work a place up or down within the section; returns the new order."""
    _writer(artist)
    with transaction.atomic():
        _lock(artist)
        section = section_get(artist=artist, section_id=section.pk)
        ids = _moved(section_works_of(section), _one_id(artwork_id), direction)
        return section_works_set(artist=artist, section=section, artwork_ids=ids)
