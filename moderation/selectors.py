"""Moderation's reads: the queues, a case with everything around it, an artist's history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from community.models import Collection, Comment
from config import cursors
from gallery.evidence import evidence_words, images_evidence
from gallery.models import ArtworkImage
from gallery.provenance.parameters import FIELDS as GENERATION_FIELDS
from moderation.models import (
    Appeal,
    Case,
    CaseSubject,
    Decision,
    Flag,
    FlagSource,
    ReviewVote,
    Strike,
)

QUEUE_PAGE = 50
AGES = {"day": timedelta(days=1), "week": timedelta(days=7), "older": None}


def _flag_count():
    return Subquery(
        Flag.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("id"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def queue_cases(
    *, reason: str | None = None, age: str | None = None, subject: str | None = None
) -> QuerySet[Case]:
    """Open cases, riskiest first, with what a queue row shows in one query: a post's case
    its artwork, artist and cover; a comment's case the comment, its author and its post.
    ``subject`` (``CaseSubject``) keeps one kind: the queue's "Posts" and "Comments" tabs."""
    qs = Case.objects.open()
    if subject in CaseSubject.values:
        qs = qs.filter(subject=subject)
    if reason:
        qs = qs.filter(reason=reason)
    if age in ("day", "week"):
        qs = qs.filter(opened_at__gte=timezone.now() - AGES[age])
    elif age == "older":
        qs = qs.filter(opened_at__lt=timezone.now() - AGES["week"])
    return (
        qs.select_related(
            "artwork",
            "artwork__artist",
            "artwork__cover",
            "comment",
            "comment__author",
            "comment__artwork",
            "collection",
            "collection__owner",
            "claimed_by",
        )
        .annotate(flag_count=_flag_count())
        # The moderation_case_queue index's order (partial: open cases), so a page walks it;
        # among equal scores the lower id, the older case, comes first.
        .order_by("-risk_score", "id")
    )


def queue_page(qs: QuerySet[Case], cursor: str | None) -> cursors.Page:
    """A keyset page of the queue ``qs`` on (risk_score desc, id asc): no OFFSET, no COUNT,
    fixed queries. A tampered cursor raises ``config.cursors.BadCursor``, which answers 400.
    """
    return cursors.keyset_page(qs, cursor, key="risk_score", size=QUEUE_PAGE, ids_ascending=True)


def case_detail(case: Case) -> dict:
    """Everything a moderator needs on one page (a comment case: ``comment_case_detail``)."""
    if case.is_about_comment:
        return comment_case_detail(case)
    if case.is_about_collection:
        return collection_case_detail(case)
    artwork = case.artwork
    flags = list(case.flags.select_related("reporter"))
    images = list(artwork.images.all()) if artwork else []
    duplicates = []
    for flag in flags:
        if flag.source != FlagSource.DUPLICATE:
            continue
        ids = [e.get("other_image_id") for e in flag.evidence if e.get("other_image_id")]
        others = ArtworkImage.objects.select_related("artwork", "artwork__artist").in_bulk(ids)
        for item in flag.evidence:
            mine = next((i for i in images if i.pk == item.get("image_id")), None)
            other = others.get(item.get("other_image_id"))
            if mine and other:
                duplicates.append({"mine": mine, "other": other, "summary": item.get("summary")})
    votes = list(case.votes.select_related("reviewer"))
    # A plain count for the moderator to read; the weighted tally (review.vote_tally) is the
    # one that decides at quorum.
    tally = {choice: 0 for choice in ReviewVote.Vote.values}
    for vote in votes:
        tally[vote.vote] += 1
    return {
        "case": case,
        "artwork": artwork,
        "flags": flags,
        "finals": [i for i in images if i.kind == ArtworkImage.Kind.FINAL],
        "process_images": [i for i in images if i.kind == ArtworkImage.Kind.PROCESS],
        "evidence": images_evidence(images),
        "generation": generation_parameters(images),
        "duplicates": duplicates,
        "votes": votes,
        "tally": tally,
        "history": artist_history(artwork.artist_id, exclude_case=case.pk) if artwork else {},
        "audit": list(case.audit.select_related("actor")[:50]),
        "label_history": list(artwork.label_changes.select_related("actor")) if artwork else [],
    }


THREAD_CONTEXT = 3


def comment_case_detail(case: Case) -> dict:
    """A comment case's page: the comment, its author, the post it is under, the thread
    around it (the comment it answers and the few comments just before it, whatever their
    status, for the moderator to read it in context), the flags, the author's history and
    the log. A fixed number of queries. ``comment`` is None when its row is gone."""
    comment = (
        Comment.objects.select_related("author", "artwork", "artwork__artist", "parent__author")
        .filter(pk=case.comment_id)
        .first()
    )
    earlier: list[Comment] = []
    if comment is not None:
        # The comments just before it in the same thread (the same parent, or top level):
        # the community_comment_thread index's order.
        earlier = list(
            Comment.objects.filter(
                artwork_id=comment.artwork_id,
                parent_id=comment.parent_id,
            )
            .filter(
                Q(created_at__lt=comment.created_at)
                | Q(created_at=comment.created_at, id__lt=comment.pk)
            )
            .select_related("author")
            .order_by("-created_at", "-id")[:THREAD_CONTEXT]
        )[::-1]
    return {
        "case": case,
        "comment": comment,
        "artwork": None,
        "post": comment.artwork if comment else None,
        "parent": comment.parent if comment else None,
        "earlier": earlier,
        "flags": list(case.flags.select_related("reporter")),
        "votes": [],
        "tally": {choice: 0 for choice in ReviewVote.Vote.values},
        "evidence": [],
        "history": artist_history(comment.author_id, exclude_case=case.pk) if comment else {},
        "audit": list(case.audit.select_related("actor")[:50]),
    }


def collection_case_detail(case: Case) -> dict:
    """A collection case's page: its title and description as they are now, its owner, the
    flags, the owner's history and the log. ``collection`` is None when its row is gone."""
    collection = (
        Collection.objects.select_related("owner").filter(pk=case.collection_id).first()
        if case.collection_id
        else None
    )
    return {
        "case": case,
        "collection": collection,
        "artwork": None,
        "flags": list(case.flags.select_related("reporter")),
        "votes": [],
        "tally": {choice: 0 for choice in ReviewVote.Vote.values},
        "evidence": [],
        "history": artist_history(collection.owner_id, exclude_case=case.pk) if collection else {},
        "audit": list(case.audit.select_related("actor")[:50]),
    }


def flag_evidence_words(flags: Iterable[Flag]) -> list[str]:
    """What the ``flags``' evidence says, one line each (``gallery.evidence``): for the
    decision page, the reviewers' page and the decision email."""
    return evidence_words(item for flag in flags for item in flag.evidence)


def generation_parameters(images: list[ArtworkImage]) -> list[dict]:
    """The generators' settings the images carry, as rows for the case page.

    One entry per parameter block the provenance scan kept (``ArtworkImage.generation``):
    ``{"image": "Image 1", "tool": ..., "version": ..., "where": ..., "rows": [(label, value)]}``;
    a block repeated in several images is listed once, under the first. Images scanned before
    the scan kept parameters have none, and the page says only what the evidence says.
    """
    blocks: list[dict] = []
    seen: list[dict] = []
    for image in images:
        for block in image.generation or []:
            if not isinstance(block, dict):
                continue
            same = {k: v for k, v in block.items() if k != "where"}
            if same in seen:
                continue
            seen.append(same)
            kind = "Process image" if image.kind == ArtworkImage.Kind.PROCESS else "Image"
            blocks.append(
                {
                    "image": f"{kind} {image.position + 1}",
                    "tool": block.get("tool", ""),
                    "version": block.get("version", ""),
                    "where": block.get("where", ""),
                    "rows": [
                        (label, block[key]) for key, label in GENERATION_FIELDS if key in block
                    ],
                }
            )
    return blocks


def artist_history(user_id: int, *, exclude_case: int | None = None) -> dict:
    """The member's record beside a case: their last 20 decisions (other than
    ``exclude_case``), about their posts, comments and collections, and every strike, reversed or
    not, for the moderator to weigh."""
    decisions = (
        Decision.objects.filter(
            Q(case__artwork__artist_id=user_id)
            | Q(case__comment__author_id=user_id)
            | Q(case__collection__owner_id=user_id)
        )
        .exclude(case_id=exclude_case)
        .select_related(
            "case", "case__artwork", "case__comment", "case__comment__artwork", "case__collection"
        )[:20]
    )
    return {
        "decisions": list(decisions),
        "strikes": list(Strike.objects.filter(user_id=user_id).select_related("decision")),
    }


def review_queue(*, reviewer) -> QuerySet[Case]:
    """Open AI-label cases this reviewer has not voted on and does not own; no private data."""
    return (
        Case.objects.open()
        # Escalated cases have left community review (vote_cast refuses them too).
        # Comment cases are never up for review: they are not about how a work was made.
        .filter(
            subject=CaseSubject.ARTWORK, ai_question=True, escalated=False, artwork__isnull=False
        )
        .exclude(artwork__artist_id=reviewer.pk)
        .exclude(votes__reviewer=reviewer)
        .select_related("artwork", "artwork__cover")
        .order_by("opened_at", "id")
    )


def appeals_queue() -> QuerySet[Appeal]:
    """Open appeals, oldest first, with what a queue row shows (decision, case, artwork,
    appellant, deciding moderator) in one query."""
    return (
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .select_related(
            "decision",
            "decision__case",
            "decision__case__artwork",
            "decision__case__comment",
            "decision__case__comment__artwork",
            "decision__case__comment__author",
            "appellant",
            "decision__moderator",
        )
        .order_by("created_at", "id")
    )
