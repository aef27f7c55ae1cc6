"""Flags, cases, decisions, the audit log, strikes, appeals, community votes and reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from community.models import Collection, Comment
from gallery.models import Artwork, Label
from gallery.storage import private_storage

USER = settings.AUTH_USER_MODEL


class FlagReason(models.TextChoices):
    UNDISCLOSED_AI = "undisclosed-ai", "Undisclosed AI"
    WRONG_AI_LABEL = "wrong-ai-label", "Wrong AI label"
    STOLEN = "stolen", "Stolen / not the uploader's work"
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment"
    SENSITIVE = "sensitive", "Sensitive content not marked"
    # Comments only (COMMENT_REASONS): a comment that has nothing to do with the post.
    OFF_TOPIC = "off-topic", "Off-topic"
    OTHER = "other", "Other"


# Reasons about how a work was made: these cases go to the community review queue.
AI_REASONS = frozenset({FlagReason.UNDISCLOSED_AI, FlagReason.WRONG_AI_LABEL})
# What a comment can be reported for (moderation.services.flags.comment_flag_create, and the
# moderation_case_comment_reason / moderation_flag_comment_reason constraints).
COMMENT_REASONS = frozenset(
    {FlagReason.SPAM, FlagReason.HARASSMENT, FlagReason.OFF_TOPIC, FlagReason.OTHER}
)
# What a collection (its title and description) can be reported for
# (moderation.services.flags.collection_flag_create): a subset of COMMENT_REASONS, so the
# reason constraints that keep non-post cases to those hold for it too.
COLLECTION_REASONS = frozenset({FlagReason.SPAM, FlagReason.HARASSMENT, FlagReason.OTHER})
# The reasons a post can be reported for: every one but the comments-only "off-topic".
ARTWORK_REASONS = frozenset(FlagReason) - {FlagReason.OFF_TOPIC}


class FlagSource(models.TextChoices):
    MEMBER = "member", "A member"
    PROVENANCE = "provenance", "Provenance scan"
    DUPLICATE = "duplicate", "Duplicate detection"
    REUPLOAD = "reupload", "Re-upload of removed work"


# The models' own vocabularies live at module level so each Meta's CheckConstraint can read
# their ``.values`` (a nested Meta cannot see its model's class body); the models alias them.
class CaseSubject(models.TextChoices):
    """What a case (and its flags) is about: a post, a comment under one, or a collection."""

    ARTWORK = "artwork", "Post"
    COMMENT = "comment", "Comment"
    COLLECTION = "collection", "Collection"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class DecisionAction(models.TextChoices):
    DISMISS = "dismiss", "Dismiss"
    RELABEL = "relabel", "Relabel"
    HIDE = "hide", "Hide from feeds"
    REMOVE = "remove", "Remove"
    REQUEST_EVIDENCE = "request-evidence", "Request process evidence"
    WARN = "warn", "Warn"
    STRIKE = "strike", "Strike"
    SUSPEND = "suspend", "Suspend"
    UNSUSPEND = "unsuspend", "Unsuspend"
    # Sets the post's mature flag (a "sensitive content not marked" report): it stays up.
    MARK_MATURE = "mark-mature", "Mark as mature"


# What a decision on a comment case may do, in the words its pages use: the post-only actions
# (relabel, mark mature, ask for process evidence) have no meaning for a comment.
COMMENT_ACTION_LABELS = {
    DecisionAction.DISMISS: "Dismiss",
    DecisionAction.HIDE: "Hide the comment",
    DecisionAction.REMOVE: "Remove the comment",
    DecisionAction.WARN: "Warn the author",
    DecisionAction.STRIKE: "Strike",
    DecisionAction.SUSPEND: "Suspend the author",
}
COMMENT_ACTIONS = frozenset(COMMENT_ACTION_LABELS)
# A collection case: hide it (from everyone but its owner; an upheld appeal shows it again).
COLLECTION_ACTION_LABELS = {
    DecisionAction.DISMISS: "Dismiss",
    DecisionAction.HIDE: "Hide the collection",
    DecisionAction.WARN: "Warn the owner",
    DecisionAction.STRIKE: "Strike",
    DecisionAction.SUSPEND: "Suspend the owner",
}
COLLECTION_ACTIONS = frozenset(COLLECTION_ACTION_LABELS)


class AuditRole(models.TextChoices):
    """In which role the actor of an audit entry acted."""

    MODERATOR = "moderator", "Moderator"
    COMMUNITY = "community", "Community review"
    SYSTEM = "system", "System"
    ARTIST = "artist", "Artist"
    # A member reporting a post (written as "member" before migration 0003 renamed it).
    REPORTER = "reporter", "Reporter"


class AuditAction(models.TextChoices):
    """What an audit entry records: every decision action, plus the steps around decisions."""

    DISMISS = DecisionAction.DISMISS.value, DecisionAction.DISMISS.label
    RELABEL = DecisionAction.RELABEL.value, DecisionAction.RELABEL.label
    HIDE = DecisionAction.HIDE.value, DecisionAction.HIDE.label
    REMOVE = DecisionAction.REMOVE.value, DecisionAction.REMOVE.label
    REQUEST_EVIDENCE = DecisionAction.REQUEST_EVIDENCE.value, DecisionAction.REQUEST_EVIDENCE.label
    WARN = DecisionAction.WARN.value, DecisionAction.WARN.label
    STRIKE = DecisionAction.STRIKE.value, DecisionAction.STRIKE.label
    SUSPEND = DecisionAction.SUSPEND.value, DecisionAction.SUSPEND.label
    UNSUSPEND = DecisionAction.UNSUSPEND.value, DecisionAction.UNSUSPEND.label
    MARK_MATURE = DecisionAction.MARK_MATURE.value, DecisionAction.MARK_MATURE.label
    FLAG = "flag", "Reported by a member"
    FLAG_PROVENANCE = "flag:provenance", "Flagged by the provenance scan"
    FLAG_DUPLICATE = "flag:duplicate", "Flagged as a near-duplicate"
    FLAG_REUPLOAD = "flag:reupload", "Flagged as a re-upload of removed work"
    AUTO_HOLD = "auto-hold", "Held out of human-only feeds by trusted flags"
    HELD_FOR_APPROVAL = "held-for-approval", "Held for approval"
    ESCALATE = "escalate", "Escalated by community review"
    EVIDENCE_OVERDUE = "evidence-overdue", "Process evidence overdue"
    EVIDENCE_ADDED = "evidence-added", "Process evidence sent by the artist"
    APPEAL = "appeal", "Appealed"
    APPEAL_UPHELD = "appeal-upheld", "Appeal upheld"
    APPEAL_DENIED = "appeal-denied", "Appeal denied"

    @classmethod
    def for_system_flag(cls, source: str) -> AuditAction:
        """The entry for a flag raised by ``source`` (a ``FlagSource`` other than member)."""
        return cls(f"flag:{source}")


class AppealStatus(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    UPHELD = "upheld", "Upheld: the decision was reversed"
    DENIED = "denied", "Denied: the decision stands"


class ReviewVoteChoice(models.TextChoices):
    HUMAN = "human", "Looks human-made"
    AI = "ai", "Looks AI"
    UNSURE = "unsure", "Can't tell"


class ReportPeriod(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        """Cases not yet decided (status ``open``): the queue's rows, and the one case per
        artwork that new flags join (``moderation_case_one_open_per_artwork``). Lazy; no
        ordering of its own."""
        return self.filter(status=Case.Status.OPEN)


class Case(models.Model):
    Status = CaseStatus
    Subject = CaseSubject

    # What the case is about; exactly one of ``artwork`` and ``comment`` belongs to it
    # (moderation_case_one_subject), and either may become null when its row is deleted.
    # db_default too: rows written by SQL (bulk seeds, older writers) are about a post.
    subject = models.CharField(
        max_length=10, choices=Subject, default=Subject.ARTWORK, db_default=Subject.ARTWORK
    )
    # SET_NULL: an artist deleting the post must not erase the case, its decision or the log.
    artwork = models.ForeignKey(Artwork, null=True, on_delete=models.SET_NULL, related_name="cases")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    # The reason of the first flag; the queue filters on it.
    reason = models.CharField(max_length=20, choices=FlagReason)
    ai_question = models.BooleanField(default=False)
    # The label when the case opened: reports measure mislabel rates by it.
    label_at_open = models.CharField(max_length=20, choices=Label, blank=True)
    escalated = models.BooleanField(default=False)
    risk_score = models.FloatField(default=0)
    score_parts = models.JSONField(default=dict, blank=True)
    claimed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    evidence_due = models.DateTimeField(null=True, blank=True)
    # Set when a flag asks for the case to be (re)scored, cleared by case_process in its own
    # transaction: a lost process_case task leaves it set for the hand-off sweep.
    process_requested_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = [
            # moderation.services.flags.case_for_artwork relies on it: flags on one artwork
            # gather in one open case even when two arrive at the same moment.
            models.UniqueConstraint(
                fields=["artwork"],
                condition=models.Q(status="open"),
                name="moderation_case_one_open_per_artwork",
            ),
            # moderation.services.flags.case_for_comment relies on it, as above.
            models.UniqueConstraint(
                fields=["comment"],
                condition=models.Q(status="open"),
                name="moderation_case_one_open_per_comment",
            ),
            # moderation.services.flags.case_for_collection relies on it, as above.
            models.UniqueConstraint(
                fields=["collection"],
                condition=models.Q(status="open"),
                name="moderation_case_one_open_per_collection",
            ),
            models.CheckConstraint(
                condition=models.Q(subject__in=CaseSubject.values),
                name="moderation_case_subject_valid",
            ),
            # A case is about one thing: a comment case never points at a post (its post is
            # the comment's), so the post's own case and the comment's stay apart.
            models.CheckConstraint(
                condition=models.Q(subject="artwork", comment__isnull=True, collection__isnull=True)
                | models.Q(subject="comment", artwork__isnull=True, collection__isnull=True)
                | models.Q(subject="collection", artwork__isnull=True, comment__isnull=True),
                name="moderation_case_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(subject="artwork")
                | models.Q(reason__in=sorted(r.value for r in COMMENT_REASONS)),
                name="moderation_case_comment_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values),
                name="moderation_case_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=FlagReason.values),
                name="moderation_case_reason_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(label_at_open__in=["", *Label.values]),
                name="moderation_case_label_at_open_valid",
            ),
        ]
        indexes = [
            # The moderators' queue: open cases by risk, then age (moderation.selectors).
            models.Index(
                fields=["-risk_score", "id"],
                name="moderation_case_queue",
                condition=models.Q(status="open"),
            ),
            models.Index(
                fields=["reason", "-risk_score", "id"],
                name="moderation_case_queue_reason",
                condition=models.Q(status="open"),
            ),
            # The queue's "Posts" and "Comments" tabs (moderation.selectors.queue_cases).
            models.Index(
                fields=["subject", "-risk_score", "id"],
                name="moderation_case_queue_subject",
                condition=models.Q(status="open"),
            ),
            models.Index(fields=["closed_at"], name="moderation_case_closed"),
        ]

    def __str__(self) -> str:
        if self.subject == CaseSubject.COMMENT:
            return f"Case {self.pk} on comment {self.comment_id}"
        if self.subject == CaseSubject.COLLECTION:
            return f"Case {self.pk} on collection {self.collection_id}"
        return f"Case {self.pk} on artwork {self.artwork_id}"

    def get_absolute_url(self) -> str:
        return reverse("moderation:case", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_about_comment(self) -> bool:
        return self.subject == CaseSubject.COMMENT

    @property
    def is_about_collection(self) -> bool:
        return self.subject == CaseSubject.COLLECTION

    @property
    def subject_user(self):
        """The member the case is about (the post's artist, the comment's author or the
        collection's owner): the one a decision is told to, strikes and may suspend; None when
        the subject is gone. Reads the loaded ``artwork__artist``, ``comment__author`` or
        ``collection__owner``."""
        if self.is_about_comment:
            return self.comment.author if self.comment_id else None
        if self.is_about_collection:
            return self.collection.owner if self.collection_id else None
        return self.artwork.artist if self.artwork_id else None

    def claimed_by_other(self, user) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claimed_by_id != user.pk
            and self.claimed_until is not None
            and self.claimed_until > timezone.now()
        )


class Flag(models.Model):
    Status = FlagStatus

    artwork = models.ForeignKey(Artwork, null=True, on_delete=models.SET_NULL, related_name="flags")
    # Set instead of ``artwork`` on a flag about a comment (moderation_flag_one_subject).
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    # Set instead of either on a flag about a collection (moderation_flag_one_subject).
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags_made"
    )
    source = models.CharField(max_length=20, choices=FlagSource, default=FlagSource.MEMBER)
    reason = models.CharField(max_length=20, choices=FlagReason)
    note = models.TextField(max_length=2000, blank=True)
    original_url = models.URLField(max_length=500, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open flag per reporter and artwork (moderation.services.flags.flag_create).
            models.UniqueConstraint(
                fields=["reporter", "artwork"],
                condition=models.Q(status="open", reporter__isnull=False),
                name="moderation_flag_one_open_per_reporter",
            ),
            # One open system flag per source and artwork: a re-scan never piles them up.
            models.UniqueConstraint(
                fields=["source", "artwork"],
                condition=models.Q(status="open", reporter__isnull=True),
                name="moderation_flag_one_open_system_flag",
            ),
            # One open flag per reporter and comment (comment_flag_create); a double submit
            # loses here.
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=models.Q(status="open", reporter__isnull=False, comment__isnull=False),
                name="moderation_flag_one_open_per_reporter_comment",
            ),
            # One open flag per reporter and collection (collection_flag_create).
            models.UniqueConstraint(
                fields=["reporter", "collection"],
                condition=models.Q(status="open", reporter__isnull=False, collection__isnull=False),
                name="moderation_flag_one_open_per_reporter_collection",
            ),
            models.CheckConstraint(
                condition=models.Q(comment__isnull=True, collection__isnull=True)
                | models.Q(artwork__isnull=True, collection__isnull=True)
                | models.Q(artwork__isnull=True, comment__isnull=True),
                name="moderation_flag_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(collection__isnull=True)
                | models.Q(reason__in=sorted(r.value for r in COLLECTION_REASONS)),
                name="moderation_flag_collection_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(comment__isnull=True)
                | models.Q(reason__in=sorted(r.value for r in COMMENT_REASONS)),
                name="moderation_flag_comment_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=FlagSource.values),
                name="moderation_flag_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=FlagReason.values),
                name="moderation_flag_reason_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=FlagStatus.values),
                name="moderation_flag_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["reporter", "-created_at"], name="moderation_flag_reporter")
        ]

    def __str__(self) -> str:
        if self.comment_id:
            return f"{self.get_reason_display()} on comment {self.comment_id}"
        if self.collection_id:
            return f"{self.get_reason_display()} on collection {self.collection_id}"
        return f"{self.get_reason_display()} on {self.artwork_id}"


class Decision(models.Model):
    Action = DecisionAction

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    moderator = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_community = models.BooleanField(default=False)
    action = models.CharField(max_length=20, choices=Action)
    reason = models.TextField(max_length=2000)
    new_label = models.CharField(max_length=20, choices=Label, blank=True)
    evidence_due = models.DateTimeField(null=True, blank=True)
    suspend_days = models.PositiveSmallIntegerField(null=True, blank=True)
    strike = models.BooleanField(default=False)
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one final decision per case: two moderators deciding at once cannot both
            # succeed (moderation.services.decisions.case_decide also locks the case row).
            models.UniqueConstraint(fields=["case"], name="moderation_decision_one_per_case"),
            models.CheckConstraint(
                condition=models.Q(action__in=DecisionAction.values),
                name="moderation_decision_action_valid",
            ),
            # "" on every decision but a relabel.
            models.CheckConstraint(
                condition=models.Q(new_label__in=["", *Label.values]),
                name="moderation_decision_new_label_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on case {self.case_id}"

    @property
    def upholds_flags(self) -> bool:
        return self.action != self.Action.DISMISS

    @property
    def action_words(self) -> str:
        """The action as its subject's pages say it ("Hide the comment" on a comment case,
        "Hide from feeds" on a post's). Reads ``case``."""
        if self.case.is_about_comment:
            return COMMENT_ACTION_LABELS.get(self.action, self.get_action_display())
        if self.case.is_about_collection:
            return COLLECTION_ACTION_LABELS.get(self.action, self.get_action_display())
        return self.get_action_display()


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Always raises ``PermissionError``: a bulk update would bypass ``AuditEntry.save``'s
        refusal, so the queryset refuses too (the database trigger is the last line)."""
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        """Always raises ``PermissionError``: ``AuditEntry.delete`` refuses one entry, this
        refuses the bulk ``filter(…).delete()``."""
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """Append-only: refused by ``save`` on an existing row, by the queryset, by the admin, and
    by a PostgreSQL trigger (migration 0002) for anything that reaches the database."""

    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=20, choices=AuditRole)
    action = models.CharField(max_length=40, choices=AuditAction)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="audit"
    )
    artwork_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # An entry about a comment names it, with its words as they were when the entry was
    # written: the log must still say what was judged after an edit or a deletion.
    comment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    excerpt = models.CharField(max_length=200, blank=True)
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor_role__in=AuditRole.values),
                name="moderation_auditentry_actor_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values),
                name="moderation_auditentry_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_role} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class Strike(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="strikes")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="strike_row")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="moderation_strike_active")]

    def __str__(self) -> str:
        return f"Strike on {self.user_id} until {self.expires_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None and self.expires_at > timezone.now()


class Appeal(models.Model):
    Status = AppealStatus

    # One appeal per decision, ever (OneToOne).
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="appeals")
    statement = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="moderation_appeal_open",
                condition=models.Q(status="open"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AppealStatus.values),
                name="moderation_appeal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal of decision {self.decision_id}"


class AppealFile(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, max_length=200)
    format = models.CharField(max_length=10)

    def __str__(self) -> str:
        return self.file.name


class EvidenceFormat(models.TextChoices):
    """What an artist may send as process evidence: images, or the layered working file."""

    JPEG = "JPEG", "JPEG image"
    PNG = "PNG", "PNG image"
    WEBP = "WEBP", "WebP image"
    GIF = "GIF", "GIF image"
    PSD = "PSD", "Photoshop document (PSD/PSB)"
    KRA = "KRA", "Krita document (KRA)"
    CLIP = "CLIP", "Clip Studio Paint file (CLIP)"
    PROCREATE = "PROCREATE", "Procreate file"


class CaseEvidence(models.Model):
    """A file the artist sent when moderators asked for process evidence. Private: only the
    artist and moderators can download it, and it is never published."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence_files")
    file = models.FileField(storage=private_storage, max_length=200)
    format = models.CharField(max_length=10, choices=EvidenceFormat)
    original_name = models.CharField(max_length=120)  # for display only, never a path
    bytes = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(format__in=EvidenceFormat.values),
                name="moderation_caseevidence_format_valid",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.format in ("JPEG", "PNG", "WEBP", "GIF")


class ReviewVote(models.Model):
    Vote = ReviewVoteChoice

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="votes")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_votes")
    vote = models.CharField(max_length=10, choices=Vote)
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "reviewer"], name="moderation_vote_once"),
            models.CheckConstraint(
                condition=models.Q(vote__in=ReviewVoteChoice.values),
                name="moderation_reviewvote_vote_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id}: {self.vote} on {self.case_id}"


class ReviewerRecord(models.Model):
    """How often a member's flags and votes matched final decisions: their weight."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="review_record")
    flags_decided = models.PositiveIntegerField(default=0)
    flags_upheld = models.PositiveIntegerField(default=0)
    votes_decided = models.PositiveIntegerField(default=0)
    votes_agreed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Record of {self.user_id}"

    @staticmethod
    def smoothed(hits: int, total: int) -> float:
        """Accuracy with a prior of 1 hit in 2, so a newcomer starts at 0.5, not 0 or 1."""
        return (hits + 1) / (total + 2)

    @property
    def flag_accuracy(self) -> float:
        return self.smoothed(self.flags_upheld, self.flags_decided)

    @property
    def vote_accuracy(self) -> float:
        return self.smoothed(self.votes_agreed, self.votes_decided)


class Report(models.Model):
    Period = ReportPeriod

    period = models.CharField(max_length=10, choices=Period)
    start = models.DateTimeField()
    end = models.DateTimeField()
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start"]
        constraints = [
            # moderation.tasks.build_reports is idempotent through it (update_or_create).
            models.UniqueConstraint(fields=["period", "start"], name="moderation_report_unique"),
            models.CheckConstraint(
                condition=models.Q(period__in=ReportPeriod.values),
                name="moderation_report_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} report from {self.start:%Y-%m-%d}"
