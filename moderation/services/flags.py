"""Flags from members and from the files themselves, gathered into one open case per artwork."""

from __future__ import annotations

import math

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, trusted_reviewer_q
from accounts.services import user_lock
from community.collection_selectors import can_see as collection_can_see
from community.models import Collection, Comment, CommentStatus
from config.errors import RateLimited
from config.ratelimit import allow_flag
from gallery.access import artwork_shown_to
from gallery.models import Artwork
from moderation.models import (
    AI_REASONS,
    ARTWORK_REASONS,
    COLLECTION_REASONS,
    COMMENT_REASONS,
    AuditAction,
    AuditRole,
    Case,
    CaseSubject,
    Flag,
    FlagReason,
    FlagSource,
    ReviewVote,
)
from moderation.services import ModerationForbidden, ModerationInvalid, ModerationRateLimited
from moderation.services.audit import audit_write
from moderation.services.trust import record_for


def case_for_artwork(*, artwork: Artwork, reason: str) -> Case:
    """The artwork's open case, opened now if there is none.

    Two flags arriving together cannot open two cases: the partial unique constraint
    ``moderation_case_one_open_per_artwork`` makes the loser re-read the winner's row.
    """
    existing = Case.objects.open().filter(artwork=artwork).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Case.objects.create(
                artwork=artwork,
                reason=reason,
                ai_question=reason in AI_REASONS,
                label_at_open=artwork.label,
            )
    except IntegrityError:
        return Case.objects.open().get(artwork=artwork)


def flag_open_by(*, reporter: User, artwork: Artwork) -> Flag | None:
    """The member's own open flag on this post, if they already reported it (the report page
    says so at once instead of offering a form that would be refused)."""
    return Flag.objects.filter(reporter=reporter, artwork=artwork, status=Flag.Status.OPEN).first()


def flag_create(
    *, reporter: User, artwork: Artwork, reason: str, note: str = "", original_url: str = ""
) -> Flag:
    """A member flags a post. The case's score is recomputed by a task after the commit.

    Raises ``ModerationRateLimited`` past ``MODERATION_FLAGS_PER_HOUR`` (with the seconds until
    the oldest flag of the hour leaves the window), ``ModerationInvalid`` for an own post, a
    post that is not public, an unknown reason, or a post this member already reported.
    """
    if artwork.artist_id == reporter.pk:
        raise ModerationInvalid("You cannot report your own post.")
    if not artwork.is_public:
        raise ModerationInvalid("This post cannot be reported.")
    if reason not in ARTWORK_REASONS:
        raise ModerationInvalid("Choose a reason.", field_errors={"reason": ["Choose a reason."]})
    if reason != FlagReason.STOLEN:
        original_url = ""
    try:
        with transaction.atomic():
            _reporter_lock_and_limit(reporter)
            case = case_for_artwork(artwork=artwork, reason=reason)
            flag = Flag.objects.create(
                artwork=artwork,
                case=case,
                reporter=reporter,
                source=FlagSource.MEMBER,
                reason=reason,
                note=note[:2000],
                original_url=original_url[:500],
            )
            if reason in AI_REASONS and not case.ai_question:
                Case.objects.filter(pk=case.pk).update(ai_question=True)
            audit_write(
                actor=reporter, role=AuditRole.REPORTER, action=AuditAction.FLAG, case=case,
                reason=reason,
            )  # fmt: skip
    except IntegrityError:
        raise ModerationInvalid(
            "You have already reported this post; we are looking at it.", code="duplicate"
        ) from None
    _enqueue_processing(case.pk)
    return flag


def _reporter_lock_and_limit(reporter: User) -> None:
    # The reporter's row is the lock: concurrent flags by one member (on posts and comments
    # alike, one hourly budget) count and insert one after the other, so a burst cannot
    # overshoot the limit.
    user_lock(user_id=reporter.pk)
    try:
        allow_flag(
            recent=Flag.objects.filter(reporter=reporter).values_list("created_at", flat=True)
        )
    except RateLimited as exc:
        # Re-raised as moderation's own type: "any moderation refusal" stays one catch.
        raise ModerationRateLimited(
            exc.message, retry_after=exc.retry_after, code=exc.code
        ) from None


# --- Comments ------------------------------------------------------------------------------------


def case_for_comment(*, comment: Comment, reason: str) -> Case:
    """The comment's open case, opened now if there is none; a case of its own kind, apart
    from any case about the post. ``moderation_case_one_open_per_comment`` settles a race
    as in ``case_for_artwork``."""
    existing = Case.objects.open().filter(comment=comment).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Case.objects.create(subject=CaseSubject.COMMENT, comment=comment, reason=reason)
    except IntegrityError:
        return Case.objects.open().get(comment=comment)


def comment_flag_open_by(*, reporter: User, comment: Comment) -> Flag | None:
    """The member's own open flag on this comment, if they already reported it."""
    return Flag.objects.filter(reporter=reporter, comment=comment, status=Flag.Status.OPEN).first()


def comment_report_refusal(*, reporter: User, comment: Comment) -> ModerationInvalid | None:
    """Why ``reporter`` may not report ``comment``, or None when they may.

    The one home of the rule (the report page asks it before showing the form,
    ``comment_flag_create`` raises it): not one's own comment; a comment the reporter can
    see, under a post they can see (the state table, ``gallery.access``). A visible comment
    can be reported by anyone who sees the post; one the artist hid, by the artist only (it
    is hidden from everyone else). Reads ``comment.artwork`` and its artist.
    """
    if comment.author_id == reporter.pk:
        return ModerationInvalid("You cannot report your own comment.", code="own")
    artwork = comment.artwork
    if comment.status == CommentStatus.DELETED:
        return ModerationInvalid(
            "This comment was deleted by its author: there is nothing left to report.",
            code="deleted",
        )
    if comment.status == CommentStatus.REMOVED:
        return ModerationInvalid("Moderators have already removed this comment.", code="removed")
    if comment.status == CommentStatus.MOD_HIDDEN:
        return ModerationInvalid("Moderators have already hidden this comment.", code="hidden")
    if comment.status == CommentStatus.HIDDEN and artwork.artist_id != reporter.pk:
        return ModerationInvalid("This comment cannot be reported.", code="not_visible")
    if not artwork_shown_to(reporter, artwork):
        return ModerationInvalid("This comment cannot be reported.", code="not_visible")
    return None


def comment_flag_create(*, reporter: User, comment: Comment, reason: str, note: str = "") -> Flag:
    """A member reports a comment (spam, harassment, off-topic, other): into the comment's
    open case, scored by a task after the commit like a post's.

    Raises ``ModerationForbidden`` for a suspended member, ``ModerationInvalid`` for a reason
    outside ``COMMENT_REASONS`` and for what ``comment_report_refusal`` finds (an own comment,
    a deleted or already moderated one, one the reporter cannot see), ``ModerationInvalid``
    with code ``duplicate`` for a comment this member already reported (the partial unique
    constraint decides a double submit), ``ModerationRateLimited`` past
    ``MODERATION_FLAGS_PER_HOUR`` (posts and comments share the budget).
    """
    if reporter.is_suspended:
        raise ModerationForbidden("Suspended members cannot send reports.")
    if reason not in COMMENT_REASONS:
        raise ModerationInvalid("Choose a reason.", field_errors={"reason": ["Choose a reason."]})
    if refusal := comment_report_refusal(reporter=reporter, comment=comment):
        raise refusal
    try:
        with transaction.atomic():
            _reporter_lock_and_limit(reporter)
            case = case_for_comment(comment=comment, reason=reason)
            flag = Flag.objects.create(
                comment=comment, case=case, reporter=reporter, source=FlagSource.MEMBER,
                reason=reason, note=note[:2000],
            )  # fmt: skip
            audit_write(
                actor=reporter, role=AuditRole.REPORTER, action=AuditAction.FLAG, case=case,
                reason=reason,
            )  # fmt: skip
    except IntegrityError:
        raise ModerationInvalid(
            "You have already reported this comment; we are looking at it.", code="duplicate"
        ) from None
    _enqueue_processing(case.pk)
    return flag


# --- Collections ---------------------------------------------------------------------------------


def case_for_collection(*, collection: Collection, reason: str) -> Case:
    """The collection's open case, opened now if there is none (its own kind of case);
    ``moderation_case_one_open_per_collection`` settles a race as in ``case_for_artwork``."""
    existing = Case.objects.open().filter(collection=collection).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Case.objects.create(
                subject=CaseSubject.COLLECTION, collection=collection, reason=reason
            )
    except IntegrityError:
        return Case.objects.open().get(collection=collection)


def collection_flag_open_by(*, reporter: User, collection: Collection) -> Flag | None:
    """The member's own open flag on this collection, if they already reported it."""
    return Flag.objects.filter(
        reporter=reporter, collection=collection, status=Flag.Status.OPEN
    ).first()


def collection_report_refusal(
    *, reporter: User, collection: Collection
) -> ModerationInvalid | None:
    """Why ``reporter`` may not report ``collection``, or None when they may: not one's own;
    only a collection others can see (public, not hidden already, its owner active, no
    block between them). Reads ``collection.owner``."""
    if collection.owner_id == reporter.pk:
        return ModerationInvalid("You cannot report your own collection.", code="own")
    if collection.is_hidden:
        return ModerationInvalid("Moderators have already hidden this collection.", code="hidden")
    if not collection_can_see(reporter, collection):
        return ModerationInvalid("This collection cannot be reported.", code="not_visible")
    return None


def collection_flag_create(
    *, reporter: User, collection: Collection, reason: str, note: str = ""
) -> Flag:
    """A member reports a collection's title or description (spam, harassment, other): into
    the collection's open case, scored by a task after the commit like a post's.

    Raises ``ModerationForbidden`` for a suspended member, ``ModerationInvalid`` for a reason
    outside ``COLLECTION_REASONS`` and for what ``collection_report_refusal`` finds,
    ``ModerationInvalid`` with code ``duplicate`` for a collection this member already
    reported, ``ModerationRateLimited`` past ``MODERATION_FLAGS_PER_HOUR`` (one budget with
    posts and comments).
    """
    if not reporter.is_authenticated:
        raise ModerationForbidden("Sign in to send reports.")
    if reporter.is_suspended:
        raise ModerationForbidden("Suspended members cannot send reports.")
    if reason not in COLLECTION_REASONS:
        raise ModerationInvalid("Choose a reason.", field_errors={"reason": ["Choose a reason."]})
    if refusal := collection_report_refusal(reporter=reporter, collection=collection):
        raise refusal
    try:
        with transaction.atomic():
            _reporter_lock_and_limit(reporter)
            case = case_for_collection(collection=collection, reason=reason)
            flag = Flag.objects.create(
                collection=collection, case=case, reporter=reporter, source=FlagSource.MEMBER,
                reason=reason, note=note[:2000],
            )  # fmt: skip
            audit_write(
                actor=reporter, role=AuditRole.REPORTER, action=AuditAction.FLAG, case=case,
                reason=reason,
            )  # fmt: skip
    except IntegrityError:
        raise ModerationInvalid(
            "You have already reported this collection; we are looking at it.", code="duplicate"
        ) from None
    _enqueue_processing(case.pk)
    return flag


def system_flag(
    *, artwork: Artwork, source: str, reason: str, note: str, evidence: list[dict]
) -> Flag | None:
    """A flag raised by the provenance scan, duplicate detection or a re-upload check.

    Idempotent: an open system flag of the same source on the same artwork is kept as it is
    (``moderation_flag_one_open_system_flag``); returns None then.
    """
    try:
        with transaction.atomic():
            case = case_for_artwork(artwork=artwork, reason=reason)
            flag = Flag.objects.create(
                artwork=artwork, case=case, source=source, reason=reason, note=note,
                evidence=evidence,
            )  # fmt: skip
            if reason in AI_REASONS and not case.ai_question:
                Case.objects.filter(pk=case.pk).update(ai_question=True)
            audit_write(
                actor=None, role=AuditRole.SYSTEM, action=AuditAction.for_system_flag(source),
                case=case, reason=note,
            )  # fmt: skip
    except IntegrityError:
        return None
    _enqueue_processing(case.pk)
    return flag


def _enqueue_processing(case_id: int) -> None:
    """Ask for the case to be scored: a durable mark first, then the task after the commit
    (a broker outage only logs; ``cases_sweep_unprocessed`` picks the mark up)."""
    from moderation.tasks import process_case

    Case.objects.filter(pk=case_id).update(process_requested_at=timezone.now())
    transaction.on_commit(lambda: process_case.delay(case_id), robust=True)


# --- The risk score ------------------------------------------------------------------------------
# The queue is worked riskiest first (``moderation.selectors.queue_cases``) and the case page
# shows every part, so the parts are points on one scale, roughly 0 to 100+, on which
# ``HIGH_RISK`` (moderation.services.maintenance) pages the moderators. The weights rank the
# signals by how much each says on its own:
# - What the file itself says outweighs what people say: a generator's own metadata (C2PA,
#   IPTC, generator chunks) is close to proof of how the file was made.
RISK_PROVENANCE_AI_GENERATED = 40.0
RISK_PROVENANCE_AI_ASSISTED = 25.0  # AI somewhere in the process: a mislabel, not a fake
# - A file matching work removed for undisclosed AI is the same image coming back: strongest.
RISK_REUPLOAD = 50.0
# - A near-duplicate of another artist's earlier post: likely copied, but a perceptual hash also
#   matches legitimate re-posts of one's own work elsewhere, so below a file's own word.
RISK_NEAR_DUPLICATE = 30.0
# - Reporters: 10 points per unit of reporter weight (twice the smoothed accuracy: a newcomer
#   weighs 1, a reliable reporter up to 2), capped at 40 (four newcomers, two reliable
#   reporters): a crowd of reports alone never outweighs the file's own evidence.
RISK_PER_REPORTER_WEIGHT = 10.0
RISK_REPORTERS_CAP = 40.0
# - Reviewers: 5 points per unit of weighted AI-minus-human votes, capped both ways at 20 so
#   votes move a case within the queue without deciding it (agreement at quorum decides).
RISK_PER_NET_VOTE = 5.0
RISK_VOTES_CAP = 20.0
# - New accounts post most throwaway AI uploads; the boost fades after a month.
RISK_NEW_ACCOUNT = 15.0  # under a week
RISK_YOUNG_ACCOUNT = 8.0  # under a month
# - Exposure: a mislabel seen by many does more harm. Logarithmic (10x the reach adds 5
#   points), capped at 15 so popularity never outranks evidence.
RISK_PER_REACH_DECADE = 5.0
RISK_REACH_CAP = 15.0
# - Escalated (evidence overdue, or reviewers did not agree): a moderator must look soon.
RISK_ESCALATED = 20.0


def case_rescore(*, case_id: int) -> Case:
    """Recompute the case's risk score from its parts and store both (``risk_score``,
    ``score_parts``, shown on the case page as written). Returns the case with them set.
    Raises ``Case.DoesNotExist`` for an unknown id."""
    case = Case.objects.select_related(
        "artwork", "artwork__artist", "comment", "comment__author", "collection__owner"
    ).get(pk=case_id)
    flags = list(case.flags.select_related("reporter"))
    parts: dict[str, float] = {}
    kinds = {e.get("kind") for f in flags if f.source == FlagSource.PROVENANCE for e in f.evidence}
    if "ai-generated" in kinds:
        parts["provenance evidence"] = RISK_PROVENANCE_AI_GENERATED
    elif "ai-assisted" in kinds:
        parts["provenance evidence"] = RISK_PROVENANCE_AI_ASSISTED
    if any(f.source == FlagSource.DUPLICATE for f in flags):
        parts["near-duplicate of another artist's work"] = RISK_NEAR_DUPLICATE
    if any(f.source == FlagSource.REUPLOAD for f in flags):
        parts["re-upload of removed work"] = RISK_REUPLOAD
    reporters = {f.reporter_id: f.reporter for f in flags if f.reporter_id}
    # A reporter weighs twice their smoothed accuracy: 1 for a newcomer, up to 2.
    flagger_weight = sum(2 * record_for(uid).flag_accuracy for uid in reporters)
    if reporters:
        n = len(reporters)
        # The key is shown on the case page as written ("1 independent reporter").
        who = f"{n} independent reporter{'' if n == 1 else 's'}"
        parts[f"{who}, weighted by accuracy"] = round(
            min(RISK_PER_REPORTER_WEIGHT * flagger_weight, RISK_REPORTERS_CAP), 1
        )
    votes = list(case.votes.all())
    if votes:
        ai = sum(v.weight for v in votes if v.vote == ReviewVote.Vote.AI)
        human = sum(v.weight for v in votes if v.vote == ReviewVote.Vote.HUMAN)
        net = RISK_PER_NET_VOTE * (ai - human)
        parts["reviewer votes"] = round(max(-RISK_VOTES_CAP, min(RISK_VOTES_CAP, net)), 1)
    # The account's age counts for a comment's author as for a post's artist (throwaway
    # accounts post most spam too); exposure is a post's alone.
    subject_user = case.subject_user
    if subject_user is not None:
        age = (timezone.now() - subject_user.date_joined).days
        if age < 7:
            parts["new account (under a week)"] = RISK_NEW_ACCOUNT
        elif age < 30:
            parts["young account (under a month)"] = RISK_YOUNG_ACCOUNT
    artwork = case.artwork
    if artwork is not None:
        reach = artwork.like_count + artwork.artist.follower_count
        if reach:
            exposure = RISK_PER_REACH_DECADE * math.log10(1 + reach)
            parts["exposure (likes and followers)"] = round(min(exposure, RISK_REACH_CAP), 1)
    if case.escalated:
        parts["escalated"] = RISK_ESCALATED
    score = round(sum(parts.values()), 1)
    Case.objects.filter(pk=case.pk).update(risk_score=score, score_parts=parts)
    case.risk_score, case.score_parts = score, parts
    return case


def trusted_ai_flaggers(case: Case) -> int:
    """How many trusted reviewers (``User.is_trusted_reviewer``) flag the case's post as AI."""
    return (
        case.flags.filter(
            trusted_reviewer_q("reporter__"), status=Flag.Status.OPEN, reason__in=AI_REASONS
        )
        .values("reporter_id")
        .distinct()
        .count()
    )
