"""Community review: trusted members vote on open AI-label cases."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.moderation_serializers import (
    ReviewCaseSerializer,
    ReviewListSerializer,
    VoteRequest,
    VoteSerializer,
)
from api.permissions import ReviewerOnly
from api.schema import errors
from api.views.common import form_input
from api.views.moderation.common import moderation_errors
from moderation import selectors
from moderation.forms import VoteForm
from moderation.models import Case
from moderation.services.review import vote_cast, vote_tally

REVIEW_PAGE = 50


class ReviewListView(APIView):
    permission_classes = [ReviewerOnly]

    @extend_schema(
        operation_id="review_list",
        summary="Open AI-label cases you may vote on",
        description=f"Oldest first, at most {REVIEW_PAGE}: cases about how a work was made that "
        "you have not voted on and that are not about your own work. No reporters, notes or "
        "original files.",
        responses={200: ReviewListSerializer, **errors(403)},
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        cases = list(selectors.review_queue(reviewer=request.user)[:REVIEW_PAGE])
        data = ReviewCaseSerializer(cases, many=True, context={"request": request}).data
        return Response({"results": data})


class ReviewVoteView(APIView):
    permission_classes = [ReviewerOnly]

    @extend_schema(
        operation_id="review_vote",
        summary="Vote on an AI-label case",
        description="`human` (looks human-made), `ai` (looks AI) or `unsure`. Once per case; "
        "the weighted tally is shown once you have voted. At quorum a clear `human` verdict "
        "closes the case and anything else goes to the moderators. 403 for a case about your "
        "own post; 409 when you have voted already or the case is no longer open for review.",
        parameters=[
            OpenApiParameter("case_id", int, OpenApiParameter.PATH, description="The case.")
        ],
        request=VoteRequest,
        responses={201: VoteSerializer, **moderation_errors(400, 403, 404, 409, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, case_id: int) -> Response:
        # Only cases about how a work was made are up for review: any other id is a 404.
        case = get_object_or_404(Case, pk=case_id, ai_question=True, artwork__isnull=False)
        cleaned = form_input(request.data, VoteForm, fields=("vote",))
        # An own post (403) and a case out of review or voted on already (409): the service.
        vote = vote_cast(reviewer=request.user, case_id=case.pk, vote=cleaned["vote"])
        return Response(
            {"case": case.pk, "vote": vote.vote, "weight": vote.weight, "tally": vote_tally(case)},
            status=status.HTTP_201_CREATED,
        )
