"""What a post is, who sees it, and which label badge it shows: the one state table.

Every surface asks this module: listings (through ``listing_q``, the SQL form of the same rules),
the artwork page and its JSON-LD/OpenGraph, Atom, the API, the owner's own views and the
moderators' pages (through ``present``). Nothing else decides whether a post is shown or which
badge it wears, so a new state or surface is added here once and
tests/gallery/test_state_table.py checks every combination against the real pages and queries.

The facts about a post come from its row and its artist's row:
- ``status``: processing, failed, awaiting approval (its artist's uploads are held after a
  strike), published, hidden (from listings, by moderators), removed (by moderators).
- ``label_mismatch``: the files' own metadata contradicts the label (set by the scan).
- ``held``: moderation holds the post out of human-only listings while an AI case about its
  label is open (a system flag, enough trusted reports, or process evidence requested). A single
  member's report is not a dispute the public sees: that would hand any troll a way to mark a
  post as suspect.
- ``relabeled``: moderators changed the label (the last label change was theirs).
- ``artist_suspended``: the artist is suspended now.
- ``artist_active``: the artist's account is active. An account closing (its member asked for
  deletion and is in the grace period, ``privacy.services.deletion``) or deactivated by staff
  takes every post out of every surface at once, moderators' own pages excepted; cancelling
  the deletion brings them back unchanged.
- ``unlisted``: the artist chose "unlisted": the post opens by its link (page, API detail) like
  any public post, and appears in no listing (feeds, tags, medium, search, the artist's page
  for others, Atom, the API's lists, "more by"). Its page asks search engines not to index it.
- ``draft`` is a status: processed but not published; only its artist sees it, anywhere.
- ``mature``: the artist or moderators marked it as mature content. It never changes the badge;
  it decides, with the viewer's mature preference, whether the post is shown plainly, blurred
  behind a click, or left out (``mature_treatment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils import timezone

from accounts.models import FeedPreference, MaturePreference
from gallery.models import PUBLIC_STATUSES, Artwork, Label, Visibility

Status = Artwork.Status


class Surface(StrEnum):
    """Every place a post can appear."""

    FEED = "feed"  # the latest feed (human-only by default, or the viewer's preference)
    FOLLOWING = "following"
    TAG = "tag"
    MEDIUM = "medium"
    ARTIST = "artist"  # an artist's profile
    SEARCH = "search"
    ATOM = "atom"
    API_LIST = "api-list"
    API_DETAIL = "api-detail"
    PAGE = "page"  # the artwork page, with its JSON-LD and OpenGraph
    OWNER = "owner"  # the owner's own views: processing page, edit page, own profile markers
    MODERATION = "moderation"  # queue, case and appeal pages


LISTINGS = frozenset(
    {
        Surface.FEED,
        Surface.FOLLOWING,
        Surface.TAG,
        Surface.MEDIUM,
        Surface.ARTIST,
        Surface.SEARCH,
        Surface.ATOM,
        Surface.API_LIST,
    }
)
PAGES = frozenset({Surface.PAGE, Surface.API_DETAIL})


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    TRUSTED_REVIEWER = "trusted-reviewer"
    MODERATOR = "moderator"
    OWNER = "owner"
    SUSPENDED_OWNER = "suspended-owner"


class BadgeKind(StrEnum):
    LABEL = "label"  # the plain label: nothing disputes it
    UNDER_REVIEW = "under-review"
    RELABELED = "relabeled"
    HIDDEN = "hidden"
    REMOVED = "removed"
    PROCESSING = "processing"
    FAILED = "failed"
    AWAITING_APPROVAL = "awaiting-approval"
    DRAFT = "draft"


@dataclass(frozen=True)
class Badge:
    kind: BadgeKind
    label: str  # the post's label value ("human-made", ...), always stated
    text: str  # what the badge says
    why: str  # one line: why this badge and not the plain label ("" for the plain label)

    @property
    def disputed(self) -> bool:
        return self.kind != BadgeKind.LABEL


@dataclass(frozen=True)
class Facts:
    status: str
    label: str
    label_mismatch: bool = False
    held: bool = False
    relabeled: bool = False
    artist_suspended: bool = False
    mature: bool = False
    artist_active: bool = True
    unlisted: bool = False

    @classmethod
    def of(cls, artwork: Artwork, *, now=None) -> Facts:
        """The facts of an artwork row (its artist loaded or not: one attribute read)."""
        return cls(
            status=artwork.status,
            label=artwork.label,
            label_mismatch=artwork.label_mismatch,
            held=artwork.held,
            relabeled=artwork.relabeled,
            artist_suspended=_suspended(artwork, now),
            mature=artwork.mature,
            artist_active=artwork.artist.is_active,
            unlisted=artwork.visibility == Visibility.UNLISTED,
        )

    @property
    def disputed(self) -> bool:
        return self.label_mismatch or self.held


@dataclass(frozen=True)
class Presentation:
    shown: bool
    badge: Badge | None  # None when not shown
    blurred: bool = False  # mature work behind a "show" button (see mature_treatment)


class MatureTreatment(StrEnum):
    SHOWN = "shown"
    BLURRED = "blurred"  # on the page behind a click; in the API, listed with ``mature: true``
    LEFT_OUT = "left-out"


def badge(facts: Facts) -> Badge:
    """The badge a post wears wherever it is shown: the plain label only when nothing disputes
    it. Owners and moderators see the same badge as everyone else on the same state."""
    label_text = Label(facts.label).label
    if facts.status == Status.REMOVED:
        return Badge(
            BadgeKind.REMOVED, facts.label, "Removed", "Removed by moderators; only its artist "
            "and moderators can see it.",
        )  # fmt: skip
    if facts.status == Status.PROCESSING:
        return Badge(BadgeKind.PROCESSING, facts.label, "Processing", "Its images are still "
                     "being prepared; only its artist sees it.")  # fmt: skip
    if facts.status == Status.FAILED:
        return Badge(BadgeKind.FAILED, facts.label, "Failed", "Its images could not be "
                     "processed; only its artist sees it.")  # fmt: skip
    if facts.status == Status.DRAFT:
        return Badge(BadgeKind.DRAFT, facts.label, "Draft", "Not published yet; only its "
                     "artist sees it.")  # fmt: skip
    if facts.status == Status.AWAITING_APPROVAL:
        return Badge(
            BadgeKind.AWAITING_APPROVAL, facts.label, "Waiting for approval",
            "The artist's uploads wait for a moderator's approval after a strike.",
        )  # fmt: skip
    if facts.label_mismatch:
        return Badge(
            BadgeKind.UNDER_REVIEW, facts.label, f"{label_text} · under review",
            "The file's own metadata disagrees with this label; moderators will check it.",
        )  # fmt: skip
    if facts.held:
        return Badge(
            BadgeKind.UNDER_REVIEW, facts.label, f"{label_text} · under review",
            "Moderators are checking whether this label is right.",
        )  # fmt: skip
    if facts.status == Status.HIDDEN:
        return Badge(
            BadgeKind.HIDDEN, facts.label, f"{label_text} · hidden from feeds",
            "Moderators took it out of every listing; the link still works.",
        )  # fmt: skip
    if facts.relabeled:
        return Badge(
            BadgeKind.RELABELED, facts.label, f"{label_text} · relabeled by moderators",
            "Moderators changed the label the artist chose; the label history says why.",
        )  # fmt: skip
    return Badge(BadgeKind.LABEL, facts.label, label_text, "")


def passes_preference(facts: Facts, preference: str) -> bool:
    """The viewer's label filter. Every preset short of "everything" leaves out disputed posts,
    so a mislabeled post cannot reach anyone who did not ask for everything."""
    if preference == FeedPreference.ALL:
        return True
    if facts.disputed:
        return False
    if preference == FeedPreference.ASSISTED:
        return facts.label in (Label.HUMAN, Label.ASSISTED)
    # ASSISTED_MINOR needs the ai_minor_only column: the SQL form decides it (listing_q); the
    # table treats an AI-assisted post as minor-only=False, which only ever hides more.
    return facts.label == Label.HUMAN


def listed(facts: Facts) -> bool:
    """May the post appear in listings at all (before the label filter)? Published and not
    unlisted only, by an active account; and while its artist is suspended, not if anything
    disputes it."""
    return (
        facts.status == Status.PUBLISHED
        and facts.artist_active
        and not facts.unlisted
        and not (facts.artist_suspended and facts.disputed)
    )


def public(facts: Facts) -> bool:
    """May anyone open its page (a direct link)? Published or hidden from listings, by an
    active account."""
    return facts.status in PUBLIC_STATUSES and facts.artist_active


def mature_treatment(
    facts: Facts, *, surface: Surface, role: Role, mature_preference: str
) -> MatureTreatment:
    """How a mature post reaches a viewer whose mature preference is ``mature_preference``.

    Artists never see their own work blurred, and see all of it on its page and their own
    profile; in other listings "hide" leaves it out for them too (the SQL filter knows no
    viewer). Moderators see it plainly on its page and their own pages (they judge what they
    see). A direct link is not a listing: "hide" blurs the page rather than hiding it. Atom
    has no viewer who could click, so a feed carries mature entries only when its URL asks for
    them (``?mature=show``, gallery.feeds), never blurred.
    """
    if not facts.mature or surface in (Surface.OWNER, Surface.MODERATION):
        return MatureTreatment.SHOWN
    owner = role in (Role.OWNER, Role.SUSPENDED_OWNER)
    if owner and (surface in PAGES or surface == Surface.ARTIST):
        return MatureTreatment.SHOWN
    if surface in PAGES and role == Role.MODERATOR:
        return MatureTreatment.SHOWN
    if mature_preference == MaturePreference.SHOW:
        return MatureTreatment.SHOWN
    if surface == Surface.ATOM or (
        surface in LISTINGS and mature_preference == MaturePreference.HIDE
    ):
        return MatureTreatment.LEFT_OUT
    return MatureTreatment.SHOWN if owner else MatureTreatment.BLURRED


def present(
    facts: Facts,
    *,
    surface: Surface,
    role: Role,
    preference: str,
    mature_preference: str = MaturePreference.BLUR,
) -> Presentation:
    """Whether a viewer in ``role`` sees the post on ``surface``, with which badge, blurred or not.

    ``preference`` is the viewer's label filter (``accounts.models.FeedPreference``); owners'
    own views ignore it: an artist always sees all of their own posts. ``mature_preference``
    (``accounts.models.MaturePreference``) only matters for mature posts: see
    ``mature_treatment``.
    """
    owner = role in (Role.OWNER, Role.SUSPENDED_OWNER)
    if surface == Surface.MODERATION:
        shown = role == Role.MODERATOR
    elif surface == Surface.OWNER:
        shown = owner and facts.status != Status.REMOVED  # nothing left to edit or retry
    elif surface == Surface.ARTIST and owner:
        # The artist's own profile: everything they own, each with its marker (an inactive
        # account cannot sign in, so it never gets here with artist_active False).
        shown = True
    elif surface in LISTINGS:
        shown = listed(facts) and passes_preference(facts, preference)
    elif surface in PAGES:
        # A draft is its artist's alone: nothing about it is public or under moderation yet.
        moderator = role == Role.MODERATOR and facts.status != Status.DRAFT
        shown = public(facts) or owner or moderator
    else:  # pragma: no cover - a new Surface member without a rule
        raise ValueError(f"no rule for surface {surface!r}")
    treatment = mature_treatment(
        facts, surface=surface, role=role, mature_preference=mature_preference
    )
    shown = shown and treatment != MatureTreatment.LEFT_OUT
    return Presentation(
        shown=shown,
        badge=badge(facts) if shown else None,
        blurred=shown and treatment == MatureTreatment.BLURRED,
    )


def listing_q(preference: str, *, now=None, mature_preference: str = MaturePreference.BLUR) -> Q:
    """``listed``, ``passes_preference`` and the mature preference's "hide" as one filter on
    Artwork rows, for every listing (Atom passes "hide" unless its URL asks for mature work).

    The human-only and AI-assisted presets match partial indexes (gallery.models, the
    ``gallery_artwork_feed_*`` indexes), so the filter is written in their terms; ``mature``
    is one more condition on the rows those indexes find.
    """
    now = now or timezone.now()
    clean = Q(label_mismatch=False, held=False)
    suspended_and_disputed = Q(artist__suspended_until__gt=now) & ~clean
    # artist__is_active: the cards already join the artist's row (select_related), so this is
    # one more condition on a row each listing reads anyway, not another join.
    base = (
        Q(status=Status.PUBLISHED, visibility=Visibility.PUBLIC, artist__is_active=True)
        & ~suspended_and_disputed
    )
    if mature_preference == MaturePreference.HIDE:
        base &= Q(mature=False)
    if preference == FeedPreference.ALL:
        return base
    if preference == FeedPreference.ASSISTED:
        return base & clean & Q(label__in=[Label.HUMAN, Label.ASSISTED])
    if preference == FeedPreference.ASSISTED_MINOR:
        return base & clean & (Q(label=Label.HUMAN) | Q(label=Label.ASSISTED, ai_minor_only=True))
    # Human-only, and any unknown value: fail closed.
    return base & clean & Q(label=Label.HUMAN)


MATURE_COOKIE = "atelier_mature"


def mature_preference(request) -> str:
    """The viewer's mature preference (``accounts.models.MaturePreference``): the one place
    every view, the API and the page cache read it from.

    Members: their stored choice (settings page, ``PATCH /api/v1/me/``). Anonymous viewers:
    the ``atelier_mature`` cookie (set by ``gallery:mature_preference``). Anything else, or
    an unknown value: "blur". The one-page reveal (``?mature=show`` on an artwork page) is not
    a preference and is read by that view alone.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        value = user.mature_preference
    else:
        value = request.COOKIES.get(MATURE_COOKIE, MaturePreference.BLUR)
    return value if value in MaturePreference.values else MaturePreference.BLUR


def _suspended(artwork: Artwork, now) -> bool:
    # Listings and pages load the artist with the row (select_related): no query per card.
    until = artwork.artist.suspended_until
    return until is not None and until > (now or timezone.now())
