"""Appeals: the artist appeals a decision; another moderator decides the appeal."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.moderation_serializers import (
    AppealCreate,
    AppealDecideRequest,
    AppealListSerializer,
    AppealRowSerializer,
    AppealSerializer,
)
from api.permissions import MemberWrites, ModeratorOnly
from api.schema import errors
from api.views.common import form_input
from api.views.moderation.common import moderation_errors
from moderation import selectors
from moderation.forms import AppealDecideForm, AppealForm
from moderation.models import Decision
from moderation.services.appeals import appeal_create, appeal_decide, appeal_subject

APPEALS_PAGE = 100


class AppealListView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="appeals_list",
        summary="Open appeals, oldest first",
        description=f"At most {APPEALS_PAGE}, as on the site. `own_decision` marks appeals of "
        "your own decisions: another moderator must decide those.",
        responses={200: AppealListSerializer, **errors(403)},
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        appeals = selectors.appeals_queue().select_related("decision__case__artwork__artist")
        data = AppealRowSerializer(
            list(appeals[:APPEALS_PAGE]), many=True, context={"request": request}
        ).data
        return Response({"results": data})


class AppealDecideView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="appeals_decide",
        summary="Decide an appeal",
        description="`uphold` reverses the decision (its label change, hiding or removal, and "
        "its strike); `deny` keeps it. The artist reads `response`. A moderator who is a "
        "party may not decide it (403): the appellant, the moderator who made the decision, "
        "the artist or a reporter of the case. A decided appeal is a 409.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="Appeal.")],
        request=AppealDecideRequest,
        responses={200: AppealSerializer, **moderation_errors(400, 403, 404, 409, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        cleaned = form_input(request.data, AppealDecideForm, fields=("outcome", "response"))
        # A missing appeal (404), a party (403) and a decided appeal (409) are refused by the
        # service, under its lock.
        appeal = appeal_decide(
            moderator=request.user,
            appeal_id=pk,
            uphold=cleaned["outcome"] == "uphold",
            response=cleaned["response"],
        )
        return Response(AppealSerializer(appeal).data)


class DecisionAppealView(APIView):
    permission_classes = [MemberWrites]
    # As on the site, a suspended artist may appeal (the suspension itself, say).
    suspended_may = ("POST",)

    @extend_schema(
        operation_id="decisions_appeal",
        summary="Appeal a decision about your work",
        description="Once per decision, by the artist it concerns (404 for everyone else). "
        "Another moderator reads the statement. Evidence images can be attached on the "
        "site's decision page.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="Decision.")],
        request=AppealCreate,
        responses={201: AppealSerializer, **moderation_errors(400, 403, 404, 409, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        decision = get_object_or_404(
            Decision.objects.select_related("case", "case__artwork", "moderator"), pk=pk
        )
        # Decisions about other people's work do not exist for this caller (not a 403 that
        # would confirm the id); every other rule is appeal_create's (appeal_refusal).
        subject = appeal_subject(decision)
        if subject is None or subject.pk != request.user.pk:
            raise Http404("No such decision.")
        cleaned = form_input(request.data, AppealForm, fields=("statement",))
        appeal = appeal_create(
            appellant=request.user, decision=decision, statement=cleaned["statement"]
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)
