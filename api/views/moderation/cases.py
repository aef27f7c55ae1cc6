"""The moderators' cases: the queue, one case with its evidence, claiming and deciding."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.moderation_serializers import (
    CaseDetailSerializer,
    CaseListParams,
    CasePageSerializer,
    CaseRowSerializer,
    CaseSerializer,
    DecideRequest,
    DecisionSerializer,
    case_detail_data,
)
from api.permissions import ModeratorOnly
from api.schema import errors
from api.views.common import form_input, next_url, query
from api.views.moderation.common import moderation_errors
from moderation import selectors
from moderation.forms import DecideForm
from moderation.models import Case
from moderation.services.decisions import case_claim, case_decide

CASE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The case's id.")


def _strike(data) -> bool:
    """The ``strike`` field as a boolean: JSON true/false, or a form's "true"/"on"/"1"."""
    strike = data.get("strike", False) if hasattr(data, "get") else False
    if isinstance(strike, str):
        strike = strike.strip().lower() in ("true", "on", "1")
    if not isinstance(strike, bool):
        raise exceptions.ValidationError({"strike": ["Expected true or false."]})
    return strike


class CaseListView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="cases_list",
        summary="The moderators' queue: open cases, riskiest first",
        description="Open cases by risk score, then age, as on the site's queue; cases about "
        "posts and about comments together, or one kind with `subject`. Keyset pages "
        f"of {selectors.QUEUE_PAGE}: follow `next`; a page costs the same few queries "
        "whatever its size.",
        parameters=[CaseListParams],
        responses={200: CasePageSerializer, **errors(400, 403)},
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, CaseListParams)
        qs = selectors.queue_cases(
            reason=params.get("reason"), age=params.get("age"), subject=params.get("subject")
        )
        # A tampered cursor raises config.cursors.BadCursor: api.exceptions answers 400.
        page = selectors.queue_page(qs, params.get("after"))
        rows = CaseRowSerializer(page.items, many=True, context={"request": request}).data
        return Response({"results": rows, "next": next_url(request, page.next_cursor)})


class CaseDetailView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case, with everything a moderator weighs",
        description="The flags with their reporters' handles, the parts of the risk score, "
        "what the files' metadata says, the community votes (a count by answer) and the "
        "decision, if there is one.",
        parameters=[CASE_ID],
        responses={200: CaseDetailSerializer, **errors(403, 404)},
        tags=["moderation"],
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_object_or_404(
            Case.objects.select_related(
                "artwork", "artwork__artist", "comment", "comment__author", "comment__artwork",
                "collection", "collection__owner", "claimed_by",
            ),
            pk=pk,
        )  # fmt: skip
        detail = selectors.case_detail(case)
        # At most one (moderation_decision_one_per_case): first() is the decision.
        decision = case.decisions.select_related("moderator").first()
        return Response(case_detail_data(case, detail, decision, request))


class CaseClaimView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="cases_claim",
        summary="Claim a case while you work on it",
        description=f"For {settings.MODERATION_CLAIM_MINUTES} minutes other moderators cannot "
        "decide it. 403 for a moderator who is a party to the case (its artist or a "
        "reporter); 409 when another moderator holds it or it is closed.",
        parameters=[CASE_ID],
        request=None,
        responses={200: CaseSerializer, **moderation_errors(403, 404, 409)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        # A missing case (404), a party (403) and a case held or closed (409) are the
        # service's refusals.
        case = case_claim(moderator=request.user, case_id=pk)
        return Response(CaseSerializer(case, context={"request": request}).data)


class CaseDecideView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="cases_decide",
        summary="Decide a case",
        description="Once per case, with every effect the site's decision has (label, feeds, "
        "strikes, suspension, messages to the artist and the reporters). `new_label` is "
        "required for `relabel`; `suspend_days` defaults to the site's setting. 403 for a "
        "moderator who is a party to the case (its artist or a reporter); 409 when the case "
        "is decided already or claimed by another moderator.",
        parameters=[CASE_ID],
        request=DecideRequest,
        responses={201: DecisionSerializer, **moderation_errors(400, 403, 404, 409, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        cleaned = form_input(
            request.data,
            DecideForm,
            fields=("action", "reason", "new_label", "suspend_days"),
            # Parsed apart: JSON sends a boolean, which form_data refuses as "Expected text".
            extra={"strike": _strike(request.data)},
        )
        # The case's state and the moderator's standing are checked under the service's row
        # lock: a decided or claimed case is a 409 even when another moderator got there a
        # moment ago, a party to the case a 403, a missing case a 404.
        decision = case_decide(
            moderator=request.user, case_id=pk, **DecideForm.decision_arguments(cleaned)
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
