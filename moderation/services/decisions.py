"""Claiming and deciding cases, with every effect: feeds, labels, strikes, the log, messages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationKind, User
from accounts.services import user_restrictions_lift, user_suspend, user_uploads_hold
from community.collections import collection_set_hidden
from community.models import CommentStatus
from community.services_moderation import comment_set_status
from gallery.models import Artwork, Label, LabelChange
from gallery.services.artworks import artwork_relabel
from gallery.services.visibility import (
    artwork_accept_label,
    artwork_hide,
    artwork_remove,
    artwork_restore,
    artwork_set_held,
    artwork_set_mature,
)
from moderation.models import (
    COLLECTION_ACTIONS,
    COMMENT_ACTIONS,
    AuditAction,
    AuditRole,
    Case,
    Decision,
    Flag,
    FlagSource,
    ReviewVote,
    Strike,
)
from moderation.selectors import flag_evidence_words
from moderation.services import ModerationConflict, ModerationInvalid, ModerationNotFound
from moderation.services.access import case_access_check
from moderation.services.audit import audit_write
from moderation.services.notify import tell_artist, tell_reporters
from moderation.services.trust import record_for, trust_recompute

Action = Decision.Action
ARTWORK_ACTIONS = {Action.DISMISS, Action.RELABEL, Action.HIDE, Action.REMOVE, Action.MARK_MATURE}
# Outcomes that agree with an "it's AI" flag or vote.
AI_OUTCOMES = {Action.RELABEL, Action.HIDE, Action.REMOVE}


# What the conflict-of-interest check and a decision read of a case, in the same query.
CASE_SUBJECTS = (
    "artwork", "comment", "comment__artwork", "comment__author", "collection", "collection__owner",
)  # fmt: skip


def _case_or_error(case_id: int) -> Case:
    case = Case.objects.select_related(*CASE_SUBJECTS).filter(pk=case_id).first()
    if case is None:
        raise ModerationNotFound("There is no such case.")
    return case


def case_claim(*, moderator: User, case_id: int) -> Case:
    """Claim a case for ``MODERATION_CLAIM_MINUTES``; one conditional UPDATE decides races.
    Returns the claimed case with its artwork, artist and claimant.

    Raises ``ModerationForbidden`` for a party to the case, ``ModerationNotFound`` when the
    case is missing, ``ModerationConflict`` when it is closed or held by another moderator.
    """
    case_access_check(moderator=moderator, case=_case_or_error(case_id))
    now = timezone.now()
    until = now + timedelta(minutes=settings.MODERATION_CLAIM_MINUTES)
    # One conditional UPDATE, no read before it: when two moderators claim at once,
    # PostgreSQL makes the second wait for the first's row lock, then re-checks the WHERE
    # against the claimed row, which no longer matches. A lapsed claim is free at once (not
    # only after claims_expire has run); a moderator's own claim is renewed.
    claimed = (
        Case.objects.open()
        .filter(pk=case_id)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=moderator))
        .update(claimed_by=moderator, claimed_until=until)
    )
    if not claimed:
        raise ModerationConflict("Another moderator is working on this case, or it is closed.")
    return Case.objects.select_related(*CASE_SUBJECTS, "artwork__artist", "claimed_by").get(
        pk=case_id
    )


def case_release(*, moderator: User, case_id: int) -> None:
    """Give up one's own claim (someone else's is left alone). Refused to a party to the case
    like every other action on it: a party cannot hold a claim in the first place."""
    case_access_check(moderator=moderator, case=_case_or_error(case_id))
    Case.objects.filter(pk=case_id, claimed_by=moderator).update(
        claimed_by=None, claimed_until=None
    )


def claims_expire() -> int:
    """Beat task: forget claims past their time so another moderator can take the case."""
    return Case.objects.filter(claimed_until__lt=timezone.now()).update(
        claimed_by=None, claimed_until=None
    )


def _lock_open_case(case_id: int, moderator: User | None) -> Case:
    # of=self: the artwork FK is nullable, so select_related joins it with a LEFT JOIN, and
    # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join. The case row is
    # the lock every decision path takes, which is all the services need.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related(*CASE_SUBJECTS, "artwork__artist")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise ModerationNotFound("There is no such case.")
    if moderator is not None:
        # Checked under the lock: the last word whatever the views showed or checked.
        case_access_check(moderator=moderator, case=case)
    if not case.is_open:
        raise ModerationConflict("This case has already been decided.")
    if moderator is not None and case.claimed_by_other(moderator):
        raise ModerationConflict("Another moderator has claimed this case.")
    return case


def case_request_evidence(*, moderator: User, case_id: int, reason: str) -> Case:
    """Ask the artist for process evidence by a deadline; the post leaves human-only feeds
    meanwhile. The case stays open for the final decision."""
    with transaction.atomic():
        case = _lock_open_case(case_id, moderator)
        if case.is_about_comment or case.is_about_collection:
            raise ModerationInvalid(
                "Process evidence is asked about posts, not comments or collections."
            )
        if case.artwork is None:
            raise ModerationInvalid("The artwork no longer exists.")
        due = timezone.now() + timedelta(days=settings.MODERATION_EVIDENCE_DAYS)
        before, after = artwork_set_held(artwork_id=case.artwork_id, held=True, evidence_due=due)
        Case.objects.filter(pk=case.pk).update(
            evidence_due=due, claimed_by=None, claimed_until=None
        )
        audit_write(
            actor=moderator, role=AuditRole.MODERATOR, action=AuditAction.REQUEST_EVIDENCE,
            case=case, reason=reason, before=before,
            after={**after, "evidence_due": due.isoformat()},
        )  # fmt: skip
        tell_artist(
            user=case.artwork.artist,
            title=f"Please show how you made “{case.artwork.title}”",
            body=(
                f"{reason}\n\nBy {due:%d %B %Y}, send work-in-progress images or the layered "
                "file (PSD, KRA, CLIP or Procreate) with the form on the post's page. Only "
                "moderators see them; they are never published. Meanwhile the post is not "
                "shown in human-only feeds."
            ),
            url=reverse("moderation:evidence_add", args=[case.artwork_id]),
            template=NotificationKind.EVIDENCE_REQUEST,
            context={"artwork": case.artwork, "due": due, "reason": reason},
        )
    return case


def case_decide(
    *,
    moderator: User | None,
    case_id: int,
    action: str,
    reason: str,
    new_label: str = "",
    strike: bool = False,
    suspend_days: int | None = None,
    by_community: bool = False,
) -> Decision:
    """Decide a case once. Raises ``ModerationForbidden`` for a moderator who is a party to
    the case, ``ModerationNotFound`` when it is missing, ``ModerationConflict`` when it is
    closed or claimed by someone else, ``ModerationInvalid`` when the action does not fit
    (or its post is gone); two moderators deciding at once produce exactly one
    decision (row lock, then the one-decision-per-case constraint).

    On a comment case the actions are ``COMMENT_ACTIONS``: hide (``mod-hidden``) or remove
    the comment (its post's count moves in this transaction), warn, strike or suspend its
    author; the author is told and may appeal, the reporters learn the outcome.
    """
    if action not in Action.values or action in (Action.REQUEST_EVIDENCE, Action.UNSUSPEND):
        raise ModerationInvalid("Choose an action.")
    if not reason.strip():
        raise ModerationInvalid("Write the reason: the artist will read it.")
    with transaction.atomic():
        case = _lock_open_case(case_id, moderator)
        artwork = case.artwork
        if case.is_about_comment:
            if action not in COMMENT_ACTIONS:
                raise ModerationInvalid("This action does not apply to a comment.")
            if action in (Action.HIDE, Action.REMOVE) and case.comment is None:
                raise ModerationInvalid("The comment no longer exists.")
        elif case.is_about_collection:
            if action not in COLLECTION_ACTIONS:
                raise ModerationInvalid("This action does not apply to a collection.")
            if action == Action.HIDE and case.collection is None:
                raise ModerationInvalid("The collection no longer exists.")
        elif action in ARTWORK_ACTIONS - {Action.DISMISS} and artwork is None:
            raise ModerationInvalid("The artwork no longer exists.")
        if action == Action.MARK_MATURE and artwork.mature:
            # Nothing would change: the artist marked it meanwhile; dismiss the case instead.
            raise ModerationInvalid("This post is already marked as mature.")
        if action == Action.RELABEL and (
            new_label not in Label.values or new_label == artwork.label
        ):
            raise ModerationInvalid("Choose the new label.")
        if action == Action.SUSPEND and not suspend_days:
            suspend_days = settings.MODERATION_SUSPEND_DAYS
        # The member the case is about: the post's artist, or the comment's author.
        artist = case.subject_user
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    case=case, moderator=moderator, by_community=by_community, action=action,
                    reason=reason.strip(), new_label=new_label if action == Action.RELABEL else "",
                    strike=strike or action == Action.STRIKE, suspend_days=suspend_days,
                )  # fmt: skip
        except IntegrityError:
            raise ModerationConflict("This case has already been decided.") from None
        before, after = _apply(decision, case, moderator)
        if decision.strike and artist is not None:
            after["strike"] = strike_add(user=artist, decision=decision)
        Case.objects.filter(pk=case.pk).update(
            status=Case.Status.CLOSED, closed_at=timezone.now(), claimed_by=None,
            claimed_until=None,
        )  # fmt: skip
        upheld = action != Action.DISMISS
        case.flags.filter(status=Flag.Status.OPEN).update(
            status=Flag.Status.UPHELD if upheld else Flag.Status.DISMISSED
        )
        _update_records(case, decision)
        audit_write(
            actor=moderator, role=AuditRole.COMMUNITY if by_community else AuditRole.MODERATOR,
            action=AuditAction(action), case=case, reason=reason, before=before, after=after,
            subject_user_id=artist.pk if artist else None,
        )  # fmt: skip
        # Inside the transaction on purpose: the notifications are rows that roll back with
        # the decision, and the emails wait for the commit (notify._email's on_commit).
        _tell(case, decision, artist)
    return decision


def _apply(decision: Decision, case: Case, moderator) -> tuple[dict, dict]:
    if case.is_about_comment:
        return _apply_to_comment(decision, case)
    if case.is_about_collection:
        return _apply_to_collection(decision, case)
    artwork_id = case.artwork_id
    action = decision.action
    if action == Action.DISMISS:
        if artwork_id is None:
            return {}, {}
        before, _ = artwork_set_held(artwork_id=artwork_id, held=False)
        # The files disagreed with the label and a moderator found the label right.
        _, after = artwork_accept_label(artwork_id=artwork_id)
        if case.artwork.status == Artwork.Status.AWAITING_APPROVAL:
            # A held upload that the moderator approves.
            _, after = artwork_restore(artwork_id=artwork_id)
        return before, after
    if action == Action.RELABEL:
        artwork = Artwork.objects.get(pk=artwork_id)
        old = artwork.label
        artwork_relabel(
            artwork=artwork, to_label=decision.new_label, by=LabelChange.By.COMMUNITY
            if decision.by_community else LabelChange.By.MODERATOR, actor=moderator,
            reason=decision.reason,
        )  # fmt: skip
        before, after = artwork_set_held(artwork_id=artwork_id, held=False)
        return {**before, "label": old}, after
    if action == Action.HIDE:
        return artwork_hide(artwork_id=artwork_id, reason=decision.reason)
    if action == Action.REMOVE:
        return artwork_remove(artwork_id=artwork_id, reason=decision.reason)
    if action == Action.MARK_MATURE:
        return artwork_set_mature(artwork_id=artwork_id, mature=True)
    artist = case.artwork.artist if case.artwork else None
    if action == Action.SUSPEND and artist is not None:
        return user_suspend(user=artist, days=decision.suspend_days, reason=decision.reason)
    return {}, {}  # warn, strike: the message and the strike are the effect


def _apply_to_comment(decision: Decision, case: Case) -> tuple[dict, dict]:
    action = decision.action
    if action in (Action.HIDE, Action.REMOVE):
        status = CommentStatus.MOD_HIDDEN if action == Action.HIDE else CommentStatus.REMOVED
        return comment_set_status(comment_id=case.comment_id, status=status)
    author = case.subject_user
    if action == Action.SUSPEND and author is not None:
        return user_suspend(user=author, days=decision.suspend_days, reason=decision.reason)
    return {}, {}  # dismiss, warn, strike: the message and the strike are the effect


def _apply_to_collection(decision: Decision, case: Case) -> tuple[dict, dict]:
    action = decision.action
    if action == Action.HIDE:
        return collection_set_hidden(collection_id=case.collection_id, hidden=True)
    owner = case.subject_user
    if action == Action.SUSPEND and owner is not None:
        return user_suspend(user=owner, days=decision.suspend_days, reason=decision.reason)
    return {}, {}  # dismiss, warn, strike: the message and the strike are the effect


def user_unsuspend(*, moderator: User, user: User, reason: str) -> None:
    """Lift a suspension early (a moderator's action, logged and told to the member)."""
    with transaction.atomic():
        before, after = user_restrictions_lift(user=user, suspension=True, hold=False)
        audit_write(
            actor=moderator, role=AuditRole.MODERATOR, action=AuditAction.UNSUSPEND, reason=reason,
            subject_user_id=user.pk, before=before, after=after,
        )  # fmt: skip
        tell_artist(
            user=user, title="Your suspension was lifted", body=reason, url="/",
            template=NotificationKind.UNSUSPENDED, context={"reason": reason},
        )  # fmt: skip


def strike_add(*, user: User, decision: Decision) -> dict:
    """Add a strike and apply the ladder's rung for the number of active strikes."""
    now = timezone.now()
    Strike.objects.create(
        user=user, decision=decision,
        expires_at=now + timedelta(days=settings.MODERATION_STRIKE_DAYS),
    )  # fmt: skip
    active = Strike.objects.filter(user=user, reversed_at__isnull=True, expires_at__gt=now).count()
    ladder = settings.MODERATION_STRIKE_LADDER
    # ``active`` counts the strike just added. Past the ladder's end its last rung repeats:
    # with the default ladder every further strike suspends again.
    rung = ladder[min(active, len(ladder)) - 1] if ladder else "warn"
    if rung == "hold":
        user_uploads_hold(user=user, days=settings.MODERATION_HOLD_DAYS)
    elif rung == "suspend":
        user_suspend(user=user, days=settings.MODERATION_SUSPEND_DAYS, reason=decision.reason)
    transaction.on_commit(lambda: trust_recompute(user_id=user.pk))
    return {"active_strikes": active, "rung": rung}


def _update_records(case: Case, decision: Decision) -> None:
    ai_outcome = decision.action in AI_OUTCOMES
    reporters = set(
        case.flags.filter(source=FlagSource.MEMBER, reporter__isnull=False).values_list(
            "reporter_id", flat=True
        )
    )
    for reporter_id in reporters:
        record = record_for(reporter_id)
        record.flags_decided += 1
        record.flags_upheld += decision.action != Action.DISMISS
        record.save()
    people = set(reporters)
    if case.ai_question:
        # "Can't tell" is never right or wrong: it leaves the reviewer's accuracy alone.
        for vote in case.votes.exclude(vote=ReviewVote.Vote.UNSURE):
            record = record_for(vote.reviewer_id)
            record.votes_decided += 1
            record.votes_agreed += (vote.vote == ReviewVote.Vote.AI) == ai_outcome
            record.save()
        people |= set(case.votes.values_list("reviewer_id", flat=True))
    # Every reporter's record moved (stolen art and spam reports count as much as AI ones), so
    # every reporter's level is recomputed, after the commit that made the record true.
    transaction.on_commit(lambda: [trust_recompute(user_id=uid) for uid in people])


OUTCOME_TEXT = {
    Action.DISMISS: "After review, no action was needed. Thank you for reporting.",
    Action.RELABEL: "The post's label was corrected. Thank you for reporting.",
    Action.HIDE: "The post was hidden from feeds. Thank you for reporting.",
    Action.REMOVE: "The post was removed. Thank you for reporting.",
    Action.MARK_MATURE: "The post was marked as mature content. Thank you for reporting.",
    Action.WARN: "The artist was warned. Thank you for reporting.",
    Action.STRIKE: "The artist received a strike. Thank you for reporting.",
    Action.SUSPEND: "The account was suspended. Thank you for reporting.",
}


# What reporters of a comment learn.
COMMENT_OUTCOME_TEXT = {
    Action.DISMISS: "After review, no action was needed. Thank you for reporting.",
    Action.HIDE: "The comment was hidden. Thank you for reporting.",
    Action.REMOVE: "The comment was removed. Thank you for reporting.",
    Action.WARN: "The comment's author was warned. Thank you for reporting.",
    Action.STRIKE: "The comment's author received a strike. Thank you for reporting.",
    Action.SUSPEND: "The comment's author was suspended. Thank you for reporting.",
}


def _tell_about_comment(case: Case, decision: Decision, author: User | None) -> None:
    comment = case.comment
    post_title = comment.artwork.title if comment is not None else "a post"
    if author is not None and decision.action != Action.DISMISS:
        with_strike = " — with a strike" if decision.strike else ""
        tell_artist(
            user=author,
            title=f"Moderation decision about your comment on “{post_title}”: "
            f"{decision.action_words}{with_strike}",
            body=decision.reason,
            url=reverse("moderation:decision", args=[decision.pk]),
            template=NotificationKind.DECISION,
            email_template="comment_decision",
            context={
                "decision": decision, "comment": comment, "post_title": post_title,
                "strike": decision.strike, "strike_days": settings.MODERATION_STRIKE_DAYS,
            },
        )  # fmt: skip
    reporters = User.objects.filter(
        pk__in=case.flags.filter(reporter__isnull=False).values("reporter_id")
    )
    tell_reporters(
        reporters=reporters, artwork_title=post_title, about_comment=True,
        outcome=COMMENT_OUTCOME_TEXT[decision.action],
    )  # fmt: skip


# What reporters of a collection learn.
COLLECTION_OUTCOME_TEXT = {
    Action.DISMISS: "After review, no action was needed. Thank you for reporting.",
    Action.HIDE: "The collection was hidden. Thank you for reporting.",
    Action.WARN: "The collection's owner was warned. Thank you for reporting.",
    Action.STRIKE: "The collection's owner received a strike. Thank you for reporting.",
    Action.SUSPEND: "The collection's owner was suspended. Thank you for reporting.",
}


def _tell_about_collection(case: Case, decision: Decision, owner: User | None) -> None:
    collection = case.collection
    title = collection.title if collection is not None else "a collection"
    if owner is not None and decision.action != Action.DISMISS:
        with_strike = " — with a strike" if decision.strike else ""
        tell_artist(
            user=owner,
            title=f"Moderation decision about your collection “{title}”: "
            f"{decision.action_words}{with_strike}",
            body=decision.reason,
            url=reverse("moderation:decision", args=[decision.pk]),
            template=NotificationKind.DECISION,
            email_template="collection_decision",
            context={
                "decision": decision, "artwork": None, "collection": collection,
                "strike": decision.strike, "strike_days": settings.MODERATION_STRIKE_DAYS,
            },
        )  # fmt: skip
    reporters = User.objects.filter(
        pk__in=case.flags.filter(reporter__isnull=False).values("reporter_id")
    )
    tell_reporters(
        reporters=reporters, artwork_title=f"the collection “{title}”", about_collection=True,
        outcome=COLLECTION_OUTCOME_TEXT[decision.action],
    )  # fmt: skip


def _tell(case: Case, decision: Decision, artist: User | None) -> None:
    if case.is_about_comment:
        _tell_about_comment(case, decision, artist)
        return
    if case.is_about_collection:
        _tell_about_collection(case, decision, artist)
        return
    artwork = case.artwork
    title_text = artwork.title if artwork else "a post"
    if artist is not None and decision.action != Action.DISMISS:
        evidence = flag_evidence_words(case.flags.filter(source=FlagSource.PROVENANCE))
        # A strike is the part of a decision with lasting effects (the ladder: held uploads,
        # then suspension): the message says so plainly and points at the appeal.
        with_strike = " — with a strike" if decision.strike else ""
        tell_artist(
            user=artist,
            title=f"Moderation decision about “{title_text}”: "
            f"{decision.get_action_display()}{with_strike}",
            body=decision.reason,
            url=f"/moderation/decisions/{decision.pk}/",
            template=NotificationKind.DECISION,
            context={
                "decision": decision, "artwork": artwork, "evidence": evidence,
                "strike": decision.strike, "strike_days": settings.MODERATION_STRIKE_DAYS,
            },
        )  # fmt: skip
    reporters = User.objects.filter(
        pk__in=case.flags.filter(reporter__isnull=False).values("reporter_id")
    )
    tell_reporters(
        reporters=reporters, artwork_title=title_text, outcome=OUTCOME_TEXT[decision.action]
    )
