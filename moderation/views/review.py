"""Community review for trusted members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import member_required
from moderation import selectors
from moderation.forms import VoteForm
from moderation.models import Case, FlagSource, ReviewVote
from moderation.services.review import can_review, vote_cast, vote_tally
from moderation.views.common import SHOWN_ON_PAGE


def _require_reviewer(user) -> None:
    if not can_review(user):
        raise PermissionDenied("Community review is open to trusted members.")


@member_required
def review_queue(request):
    _require_reviewer(request.user)
    cases = list(selectors.review_queue(reviewer=request.user)[:30])
    return render(request, "moderation/review_list.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
@member_required
def review_case(request, pk: int):
    """The evidence without private data (no reporters, no notes, no original file), as the
    API's review list; votes are hidden until this reviewer has voted. Moderators read the
    notes on the case page."""
    _require_reviewer(request.user)
    case = get_object_or_404(
        Case.objects.select_related("artwork", "artwork__artist"),
        pk=pk, ai_question=True, artwork__isnull=False,
    )  # fmt: skip
    if case.artwork.artist_id == request.user.pk:
        raise PermissionDenied("You cannot review your own post.")
    mine = ReviewVote.objects.filter(case=case, reviewer=request.user).first()
    form = VoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            vote_cast(reviewer=request.user, case_id=case.pk, vote=form.cleaned_data["vote"])
        except SHOWN_ON_PAGE as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you: your vote is counted.")
        return redirect("moderation:review_case", pk=pk)
    images = list(case.artwork.images.all())
    evidence = selectors.flag_evidence_words(case.flags.filter(source=FlagSource.PROVENANCE))
    return render(
        request,
        "moderation/review_detail.html",
        {
            "case": case,
            "artwork": case.artwork,
            "images": images,
            "evidence": evidence,
            "reasons": sorted({f.get_reason_display() for f in case.flags.all()}),
            "mine": mine,
            "tally": vote_tally(case) if mine else None,
            "form": form,
        },
    )
