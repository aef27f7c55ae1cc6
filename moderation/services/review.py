"""Community review: trusted members vote on open AI-label cases, blind until they have voted."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from moderation.models import AuditAction, AuditRole, Case, DecisionAction, FlagSource, ReviewVote
from moderation.services import ModerationConflict, ModerationForbidden, ModerationInvalid
from moderation.services.audit import audit_write
from moderation.services.decisions import case_decide
from moderation.services.flags import case_rescore
from moderation.services.trust import record_for


def can_review(user: User) -> bool:
    """Whether ``user`` (possibly anonymous) may vote: ``User.is_trusted_reviewer``."""
    return user.is_authenticated and user.is_trusted_reviewer


def vote_tally(case: Case) -> dict[str, float]:
    """The case's votes summed by weight, per answer (every answer present, 0.0 if none)."""
    tally = {choice: 0.0 for choice in ReviewVote.Vote.values}
    for vote in case.votes.all():
        tally[vote.vote] += vote.weight
    return tally


def vote_cast(*, reviewer: User, case_id: int, vote: str) -> ReviewVote:
    """Record one vote; at quorum, resolve a clear "looks human" case or escalate the rest.

    A vote's weight is twice the reviewer's smoothed accuracy (a newcomer weighs 1). Raises
    ``ModerationForbidden`` for a member who may not review or whose post it is,
    ``ModerationConflict`` when the case left review or this reviewer voted already,
    ``ModerationInvalid`` for an unknown answer.
    """
    if not can_review(reviewer):
        raise ModerationForbidden("Community review is open to trusted members.")
    if vote not in ReviewVote.Vote.values:
        raise ModerationInvalid("Choose one of the three answers.")
    with transaction.atomic():
        # The case row serializes the votes, so the one that reaches quorum sees every other;
        # of=self as in decisions._lock_open_case (the artwork is a LEFT JOIN).
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("artwork").get(pk=case_id)
        )
        if not case.is_open or not case.ai_question or case.escalated:
            raise ModerationConflict("This case is no longer open for review.")
        if case.artwork is not None and case.artwork.artist_id == reviewer.pk:
            raise ModerationForbidden("You cannot review your own post.")
        weight = round(2 * record_for(reviewer.pk).vote_accuracy, 3)
        try:
            with transaction.atomic():
                cast = ReviewVote.objects.create(
                    case=case, reviewer=reviewer, vote=vote, weight=weight
                )
        except IntegrityError:
            # moderation_vote_once is the guarantee against a double click or a second tab.
            raise ModerationConflict("You have already voted on this case.") from None
        _maybe_resolve(case)
    return cast


def _maybe_resolve(case: Case) -> None:
    votes = list(case.votes.all())
    if len(votes) < settings.MODERATION_REVIEW_QUORUM:
        case_rescore(case_id=case.pk)
        return
    tally = vote_tally(case)
    total = sum(tally.values()) or 1
    agreement = settings.MODERATION_REVIEW_AGREEMENT / 100
    human_share = tally[ReviewVote.Vote.HUMAN] / total
    file_says_ai = case.flags.filter(source=FlagSource.PROVENANCE).exists()
    shares = {k: round(v / total, 3) for k, v in tally.items()}
    if human_share >= agreement and not file_says_ai:
        # Clear: reviewers agree it looks human-made and the file says nothing else.
        case_decide(
            moderator=None,
            case_id=case.pk,
            action=DecisionAction.DISMISS,
            reason=(
                f"Community review: {round(100 * human_share)}% of {len(votes)} trusted "
                "reviewers found it looks human-made."
            ),
            by_community=True,
        )
        return
    # Everything else goes to moderators: "looks AI" (only moderators relabel or punish),
    # "can't tell", a split vote, or a file whose own metadata says AI.
    Case.objects.filter(pk=case.pk).update(escalated=True)
    audit_write(
        actor=None, role=AuditRole.COMMUNITY, action=AuditAction.ESCALATE, case=case,
        reason="Community review reached quorum without a clear human-made verdict.",
        after={"shares": shares, "votes": len(votes)},
    )  # fmt: skip
    case.escalated = True
    case_rescore(case_id=case.pk)
