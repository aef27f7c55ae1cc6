"""Members of Atelier: artists, viewers, reviewers and moderators are all one ``User``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, Permission, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

handle_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{2,30}\Z",
    "A handle has 2 to 30 letters, digits, underscores or hyphens (it becomes part of your URL).",
)

RESERVED_HANDLES = frozenset(
    {
        "admin", "api", "accounts", "account", "static", "media", "moderation", "mod", "settings",
        "upload", "search", "tags", "tag", "feed", "feeds", "healthz", "readyz", "about", "help",
        "atelier", "staff", "support", "root", "me", "new", "edit", "login", "logout", "signup",
        "deleted",
    }
)  # fmt: skip
# Purged accounts keep their row as ``deleted-<id>`` (privacy.services.deletion): nobody may
# take a handle of that shape, or a tombstone could collide with a living member.
TOMBSTONE_PREFIX = "deleted-"


class FeedPreference(models.TextChoices):
    """Which labels a viewer wants in listings. Human-only is everyone's default."""

    HUMAN = "human", "Human-made only"
    ASSISTED_MINOR = "assisted-minor", "Human-made + AI only for reference or upscaling"
    ASSISTED = "assisted", "Human-made + AI-assisted"
    ALL = "all", "Everything, including AI-generated"


class MaturePreference(models.TextChoices):
    """How a viewer wants mature work: blurred behind a click is everyone's default."""

    SHOW = "show", "Show it"
    BLUR = "blur", "Blur it until I click"
    HIDE = "hide", "Hide it from listings"


class CommissionStatus(models.TextChoices):
    """What an artist says about taking commissions, shown on their portfolio and CV."""

    UNSET = "", "Not stated"
    OPEN = "open", "Open for commissions"
    WAITLIST = "waitlist", "Commissions: waitlist"
    CLOSED = "closed", "Commissions closed"


class TrustLevel(models.IntegerChoices):
    NEW = 0, "New member"
    MEMBER = 1, "Member"
    REGULAR = 2, "Regular"
    TRUSTED = 3, "Trusted reviewer"
    VETERAN = 4, "Veteran reviewer"


class NotificationKind(models.TextChoices):
    """What a notification is about. Values are the names of moderation's email templates
    (``moderation.services.notify.tell_artist`` passes its template as the kind), so they keep
    the spelling those files have."""

    DECISION = "decision", "A moderation decision on your post"
    EVIDENCE_REQUEST = "evidence_request", "Process evidence requested"
    APPEAL = "appeal", "Your appeal was decided"
    UNSUSPENDED = "unsuspended", "Your suspension was lifted"
    REPORT_OUTCOME = "report-outcome", "The outcome of your report"
    CASE_HIGH_RISK = "case-high-risk", "A high-risk case (moderators)"
    # Community (issue 16): people reaching one another, each kind switchable in settings.
    FOLLOW = "follow", "Someone followed you"
    LIKE = "like", "Likes on your work"
    COMMENT = "comment", "A comment on your work"
    REPLY = "reply", "A reply to your comment"
    MENTION = "mention", "You were mentioned"
    NEW_POST = "new-post", "A new post by an artist you follow"


MODERATE_PERMISSION = "accounts.moderate"


def moderator_q(prefix: str = "") -> models.Q:
    """The users ``User.is_moderator`` accepts, as a filter (``prefix`` reaches them through a
    relation, e.g. ``"reporter__"``): active, and holding ``accounts.moderate`` directly,
    through a group (the Moderators group is one way to grant it), or as a superuser."""
    app_label, codename = MODERATE_PERMISSION.split(".")
    # The permission's id as a scalar subquery ((app label, codename) is unique), then two
    # EXISTS on the link tables: no joins through both many-to-many relations (which gave a
    # member in two groups two rows), and a plan PostgreSQL makes quickly: planning the
    # member-state query (accounts.selectors.load_member_state, on every member page) took
    # 4.1 ms with the joins and 0.7 ms so.
    permission = models.Subquery(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).values(
            "pk"
        )[:1]
    )
    member = models.OuterRef(f"{prefix}pk")
    direct = User.user_permissions.through.objects.filter(user_id=member, permission_id=permission)
    via_group = User.groups.through.objects.filter(
        user_id=member,
        group_id__in=Group.permissions.through.objects.filter(permission_id=permission).values(
            "group_id"
        ),
    )
    return models.Q(**{f"{prefix}is_active": True}) & (
        models.Q(**{f"{prefix}is_superuser": True})
        | models.Q(models.Exists(direct))
        | models.Q(models.Exists(via_group))
    )


def trusted_reviewer_q(prefix: str = "") -> models.Q:
    """The users ``User.is_trusted_reviewer`` accepts, as a filter (see ``moderator_q``)."""
    not_suspended = models.Q(**{f"{prefix}suspended_until__isnull": True}) | models.Q(
        **{f"{prefix}suspended_until__lte": timezone.now()}
    )
    return (
        models.Q(**{f"{prefix}is_active": True})
        & models.Q(**{f"{prefix}trust_level__gte": settings.MODERATION_REVIEW_TRUST_LEVEL})
        & not_suspended
    )


class HandleUserManager(UserManager):
    """``UserManager`` keyed on ``handle`` (there is no ``username`` column)."""

    use_in_migrations = True

    def get_by_natural_key(self, handle: str) -> User:
        return self.by_handle(handle).get()

    def by_handle(self, handle: str) -> models.QuerySet[User]:
        """The member with this handle, in any case: through the ``LOWER(handle)`` unique index
        (``handle__iexact`` compiles to ``UPPER(handle)`` and reads every row)."""
        return self.filter(handle__lower=handle.lower())

    def _create_user_object(self, handle, email, password, **extra_fields):
        email = self.normalize_email(email)
        user = self.model(handle=handle, email=email, **extra_fields)
        user.set_password(password)
        return user

    def _create_user(self, handle, email, password, **extra_fields):
        user = self._create_user_object(handle, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, handle, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(handle, email, password, **extra_fields)

    def create_superuser(self, handle, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(handle, email, password, **extra_fields)

    def moderators(self):
        """Everyone ``User.is_moderator`` accepts (who is told about high-risk cases)."""
        return self.filter(moderator_q()).distinct()

    def trusted_reviewers(self):
        """Everyone ``User.is_trusted_reviewer`` accepts."""
        return self.filter(trusted_reviewer_q())


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None

    handle = models.CharField(
        max_length=30,
        unique=True,
        validators=[handle_validator],
        help_text="Your public name in URLs: letters, digits, _ and -.",
    )
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=60, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    # Public storage under a server-generated name, written by accounts.services.profile_update.
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    # A new avatar waiting for the worker (accounts.tasks.render_avatar): the raw upload's
    # server-generated name in private storage. The current avatar stays until it is ready.
    avatar_pending = models.CharField(max_length=200, blank=True)
    # Why the last new avatar could not be used, shown on the profile page until the next one.
    avatar_error = models.CharField(max_length=300, blank=True)
    links = models.JSONField(default=list, blank=True)
    # The portfolio (gallery.services.portfolio writes these; issue 17 item 4). The banner is
    # a public WebP rendered from the upload with no metadata (accounts.tasks.render_banner);
    # the upload itself waits in private storage under ``banner_pending`` and is then deleted.
    commission_status = models.CharField(
        max_length=10, choices=CommissionStatus, blank=True, default="", db_default=""
    )
    commission_note = models.CharField(max_length=140, blank=True, default="", db_default="")
    banner = models.ImageField(upload_to="banners/", blank=True)
    banner_pending = models.CharField(max_length=200, blank=True, default="", db_default="")
    banner_error = models.CharField(max_length=300, blank=True, default="", db_default="")
    feed_preference = models.CharField(
        max_length=20, choices=FeedPreference, default=FeedPreference.HUMAN
    )
    mature_preference = models.CharField(
        max_length=10,
        choices=MaturePreference,
        default=MaturePreference.BLUR,
        db_default=MaturePreference.BLUR,
    )
    trust_level = models.PositiveSmallIntegerField(choices=TrustLevel, default=TrustLevel.NEW)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True)
    # The strike ladder's middle rung: until then, new posts wait for a moderator's approval.
    uploads_held_until = models.DateTimeField(null=True, blank=True)
    ai_training_opt_out = models.BooleanField(
        default=True,
        help_text="Ask AI crawlers not to train on your work (noai, TDMRep, X-Robots-Tag).",
    )
    # Zoom in the lightbox at full resolution: the zoom copy of each image (up to
    # ATELIER_ZOOM_MAX_EDGE px, made by the pipeline) is linked from the artwork page and the
    # API only while this is on. Off by default: a larger copy is easier to reuse.
    allow_zoom = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Let visitors zoom into your images at full resolution.",
    )
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    artwork_count = models.PositiveIntegerField(default=0)
    # Moves on every block or mute this member makes or receives (accounts.services.block_set,
    # mute_*_set); 0 means they never had one. accounts.selectors.viewer_filters keys its cached
    # sets on it, and listings of members still at 0 stay on the shared cache without a query.
    filters_version = models.PositiveIntegerField(default=0, db_default=0)
    # Account deletion (privacy.services.deletion): set when the member asks; the account is
    # deactivated at once and purged after ACCOUNT_DELETION_GRACE_DAYS unless they cancel.
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    # Set when the purge has finished: the row stays as a tombstone (handle ``deleted-<id>``,
    # no email, name or password) so moderation records and the append-only audit log keep a
    # valid, anonymised actor.
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = HandleUserManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            # Handles are unique whatever their case: /@Ana and /@ana must never be two people.
            # accounts.forms and allauth's adapter rely on it for the race between two sign-ups.
            models.UniqueConstraint(Lower("handle"), name="accounts_user_handle_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(feed_preference__in=FeedPreference.values),
                name="accounts_user_feed_preference_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(mature_preference__in=MaturePreference.values),
                name="accounts_user_mature_preference_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(trust_level__in=TrustLevel.values),
                name="accounts_user_trust_level_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(commission_status__in=CommissionStatus.values),
                name="accounts_user_commission_status_valid",
            ),
        ]
        indexes = [
            # privacy.services.deletion.accounts_purge_due finds the accounts past their grace.
            models.Index(
                fields=["deletion_requested_at"],
                name="accounts_user_deletion_due",
                condition=models.Q(deletion_requested_at__isnull=False, deleted_at__isnull=True),
            ),
        ]
        permissions = [
            ("moderate", "Can work the moderation queue and decide cases"),
            ("view_original", "Can fetch any artwork's original file"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("gallery:artist", kwargs={"handle": self.handle})

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def deletion_pending(self) -> bool:
        """Asked for deletion and not yet purged: inside the grace period, or just past it
        until the beat task runs."""
        return self.deletion_requested_at is not None and self.deleted_at is None

    @property
    def uploads_held(self) -> bool:
        return self.uploads_held_until is not None and self.uploads_held_until > timezone.now()

    # The one definition of each role: templates, services, views and the API ask these (and
    # querysets use moderator_q / trusted_reviewer_q, which say the same in SQL).
    @property
    def is_moderator(self) -> bool:
        """Holds the ``accounts.moderate`` permission (the Moderators group grants it).

        An EXISTS through ``moderator_q``, read with the member's other page state in one
        query (``accounts.selectors.load_member_state``) and kept on the instance for the
        request (as ``has_perm`` keeps its own cache): every member page asks it for the
        header's links, and ``has_perm`` would load all of the member's permissions in two
        queries.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        if getattr(self, "_atelier_is_moderator", None) is None:
            from accounts.selectors import load_member_state

            load_member_state(self)
        return self._atelier_is_moderator

    @property
    def is_trusted_reviewer(self) -> bool:
        """May vote in community review: trust level at least MODERATION_REVIEW_TRUST_LEVEL,
        and not suspended."""
        return (
            self.is_active
            and self.trust_level >= settings.MODERATION_REVIEW_TRUST_LEVEL
            and not self.is_suspended
        )


# ``handle__lower=x.lower()`` and ``email__lower=...`` match the case-insensitive unique
# indexes above (LOWER(column)); ``__iexact`` compiles to UPPER(column) and reads every row.
User._meta.get_field("handle").register_lookup(Lower)
User._meta.get_field("email").register_lookup(Lower)


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    artist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # accounts.services.follow_toggle relies on it: a double click cannot follow twice.
            models.UniqueConstraint(fields=["follower", "artist"], name="accounts_follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("artist")), name="accounts_follow_not_self"
            ),
        ]
        indexes = [
            # The new-post fan-out walks one artist's followers in follower order.
            models.Index(fields=["artist", "follower"], name="accounts_follow_artist"),
            # The followers and following lists page newest first (accounts.selectors.
            # follow_list through config.cursors): each walks one of these in order.
            models.Index(
                "artist", models.F("created_at").desc(), models.F("id").desc(),
                name="accounts_follow_followers",
            ),
            models.Index(
                "follower", models.F("created_at").desc(), models.F("id").desc(),
                name="accounts_follow_following",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.artist_id}"


class Block(models.Model):
    """``blocker`` blocked ``blocked``: each is hidden from the other everywhere (works,
    comments, follows, notifications, search). Read through ``accounts.selectors.blocked_ids``,
    which answers for both directions at once."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A double click cannot block twice; blocking yourself means nothing.
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="accounts_block_not_self"
            ),
        ]
        indexes = [
            # blocked_ids reads both directions: this serves the "who blocked me" half.
            models.Index(fields=["blocked"], name="accounts_block_blocked"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"


class Mute(models.Model):
    """A member mutes an artist or a tag: hidden from that member's own feeds only (the other
    side never knows). Exactly one of ``artist`` and ``tag`` is set."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mutes")
    artist = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # taggit's Tag: accounts may not import gallery, and the tag rows are taggit's own.
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(artist__isnull=False) & models.Q(tag__isnull=True))
                | (models.Q(artist__isnull=True) & models.Q(tag__isnull=False)),
                name="accounts_mute_one_subject",
            ),
            models.UniqueConstraint(
                fields=["user", "artist"],
                condition=models.Q(artist__isnull=False),
                name="accounts_mute_artist_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"],
                condition=models.Q(tag__isnull=False),
                name="accounts_mute_tag_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("artist")), name="accounts_mute_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.artist_id or f'#{self.tag_id}'}"


class EmailChoice(models.TextChoices):
    """When a member wants email about one kind of notification."""

    IMMEDIATE = "immediate", "Right away"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    OFF = "off", "No email"


class DigestPeriod(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


@dataclass(frozen=True)
class KindPolicy:
    """A kind's defaults (used while a member has no ``NotificationSetting`` row for it) and
    its fixed rules: ``in_site_locked`` kinds always reach the member's list (decisions about
    their own posts and account must never be silenced), ``moderators_only`` kinds are shown
    in settings to moderators alone."""

    in_site: bool
    email: str
    in_site_locked: bool = False
    moderators_only: bool = False


_MODERATION = KindPolicy(in_site=True, email=EmailChoice.IMMEDIATE, in_site_locked=True)
# Documented in README ("Notifications"): moderation's word on your own posts and account is
# in-site always and emailed at once unless you turn the email off; people reaching you are
# in-site and gathered into a digest (conversations daily, the rest weekly).
KIND_POLICY: dict[str, KindPolicy] = {
    NotificationKind.DECISION: _MODERATION,
    NotificationKind.EVIDENCE_REQUEST: _MODERATION,
    NotificationKind.APPEAL: _MODERATION,
    NotificationKind.UNSUSPENDED: _MODERATION,
    NotificationKind.REPORT_OUTCOME: KindPolicy(in_site=True, email=EmailChoice.OFF),
    NotificationKind.CASE_HIGH_RISK: KindPolicy(
        in_site=True, email=EmailChoice.OFF, moderators_only=True
    ),
    NotificationKind.FOLLOW: KindPolicy(in_site=True, email=EmailChoice.WEEKLY),
    NotificationKind.LIKE: KindPolicy(in_site=True, email=EmailChoice.WEEKLY),
    NotificationKind.COMMENT: KindPolicy(in_site=True, email=EmailChoice.DAILY),
    NotificationKind.REPLY: KindPolicy(in_site=True, email=EmailChoice.DAILY),
    NotificationKind.MENTION: KindPolicy(in_site=True, email=EmailChoice.DAILY),
    NotificationKind.NEW_POST: KindPolicy(in_site=True, email=EmailChoice.WEEKLY),
}


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # Who caused it (the latest one, for a batch); gone members leave the row behind.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Batching ("12 people liked …"): rows sharing a group key collapse into one unread row;
    # ``count`` is how many events it stands for, ``actor_ids`` who (capped, newest last).
    group_key = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=1)
    actor_ids = models.JSONField(default=list, blank=True)
    # False: the member turned this kind off in their list but wants it in a digest; the row
    # exists only for the digest to count.
    in_site = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge in every page's header counts these.
            models.Index(
                fields=["user"],
                name="accounts_notification_unread",
                condition=models.Q(read_at__isnull=True, in_site=True),
            ),
            # The list, its keyset pages, and the digests' per-member counts walk this one.
            models.Index(fields=["user", "-created_at"], name="accounts_notification_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values),
                name="accounts_notification_kind_valid",
            ),
            # accounts.services_notifications.notify relies on it: two likes at the same
            # instant cannot open two batches for one post.
            models.UniqueConstraint(
                fields=["user", "group_key"],
                condition=models.Q(read_at__isnull=True) & ~models.Q(group_key=""),
                name="accounts_notification_open_group",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationSetting(models.Model):
    """A member's choice for one kind; no row means the kind's ``KIND_POLICY`` defaults."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_settings")
    kind = models.CharField(max_length=40, choices=NotificationKind)
    in_site = models.BooleanField(default=True)
    email = models.CharField(max_length=10, choices=EmailChoice)

    class Meta:
        constraints = [
            # notification_settings_set upserts on it (one choice per member and kind).
            models.UniqueConstraint(fields=["user", "kind"], name="accounts_notifsetting_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values),
                name="accounts_notificationsetting_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(email__in=EmailChoice.values),
                name="accounts_notificationsetting_email_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.in_site}/{self.email}"


class NotificationDigest(models.Model):
    """One digest email to one member: claimed (the row) before it is sent (``sent_at``).

    The window ends on the period's boundary, so a rerun of the same run computes the same
    ``window_end`` and the unique constraint stops a second claim."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10, choices=DigestPeriod)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    counts = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # digests_send claims with it; it also serves "the member's last digest" lookups.
            models.UniqueConstraint(
                fields=["user", "period", "window_end"], name="accounts_digest_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period__in=DigestPeriod.values),
                name="accounts_notificationdigest_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} digest for {self.user_id} to {self.window_end:%Y-%m-%d}"


class NotificationFanout(models.Model):
    """Telling every follower of ``actor`` about one event (a new post), in batches.

    ``key`` names the event once ("new-post:<artwork id>"): a post published again after a
    hold finds its row and tells nobody twice. ``after_id`` is the last follower id done, moved
    in the same transaction as that batch's rows, so a killed worker resumes where it stopped.
    """

    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=40, choices=NotificationKind)
    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, blank=True)
    after_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # followers_notify_start relies on it: one fan-out per event, ever.
            models.UniqueConstraint(fields=["key"], name="accounts_fanout_key_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values),
                name="accounts_notificationfanout_kind_valid",
            ),
        ]
        indexes = [
            # fanouts_sweep looks for unfinished ones.
            models.Index(
                fields=["created_at"],
                name="accounts_fanout_pending",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        """Tokens not revoked (``revoked_at`` unset): the ones the token page lists and
        ``token_create`` counts against ``MAX_ACTIVE_TOKENS``. Lazy; raises nothing."""
        return self.filter(revoked_at__isnull=True)


class ApiTokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A member's personal access token for the API.

    Only the SHA-256 digest of the key is stored; the key itself is shown once, when
    ``accounts.services.token_create`` makes it. ``key_prefix`` lets the member tell tokens apart.
    """

    # Module-level so Meta's constraint can read its values (a class body cannot see another's).
    Scope = ApiTokenScope

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.READ)
    key_prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # api.authentication finds a token by the digest of the key it was sent.
            models.UniqueConstraint(fields=["key_hash"], name="accounts_apitoken_key_hash_unique"),
            models.CheckConstraint(
                condition=models.Q(scope__in=ApiTokenScope.values),
                name="accounts_apitoken_scope_valid",
            ),
        ]
        indexes = [
            # The token page lists a member's tokens, newest first.
            models.Index(fields=["user", "-created_at"], name="accounts_apitoken_user"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def digest(key: str) -> str:
        import hashlib

        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
