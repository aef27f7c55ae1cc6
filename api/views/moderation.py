"""Moderation: flags from members, the moderators' cases and appeals, artists' appeals and
community review.

The same services and selectors as the site's moderation pages (moderation.services,
moderation.selectors), the same forms for the input (moderation.forms) and the same rules for
who may do what (``User.is_moderator``, ``User.is_trusted_reviewer``, the artist of a decision).
The services' refusals are typed (``moderation.services``): the views let them through and
``api.exceptions`` answers 400, 403, 404, 409 or 429 by their type.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from api.exceptions import form_errors
from api.moderation_serializers import (
    AppealCreate,
    AppealDecideRequest,
    AppealListSerializer,
    AppealRowSerializer,
    AppealSerializer,
    CaseDetailSerializer,
    CaseListParams,
    CasePageSerializer,
    CaseRowSerializer,
    CaseSerializer,
    DecideRequest,
    DecisionSerializer,
    FlagCreate,
    FlagSerializer,
    ReviewCaseSerializer,
    ReviewListSerializer,
    VoteRequest,
    VoteSerializer,
    case_detail_data,
)
from api.permissions import ModeratorOnly, ReviewerOnly, member_check
from api.schema import errors
from api.serializers import ErrorSerializer
from api.views.common import form_data, next_url, query
from gallery.access import artwork_for_viewer
from moderation import selectors
from moderation.forms import AppealDecideForm, AppealForm, DecideForm, FlagForm, VoteForm
from moderation.models import Appeal, Case, Decision
from moderation.services.access import case_access_check
from moderation.services.appeals import appeal_create, appeal_decide, appeal_subject
from moderation.services.decisions import case_claim, case_decide
from moderation.services.flags import flag_create
from moderation.services.review import vote_cast, vote_tally

REVIEW_PAGE = 50
APPEALS_PAGE = 100
CONFLICT_DESCRIPTION = "The case or appeal is not in a state that allows this (see `detail`)."


def moderation_errors(*codes: int) -> dict:
    """``api.schema.errors`` plus 409 where the state can refuse the request."""
    out = errors(*(c for c in codes if c != 409))
    if 409 in codes:
        out[409] = OpenApiResponse(ErrorSerializer, description=CONFLICT_DESCRIPTION)
    return dict(sorted(out.items()))


# --- Who may ------------------------------------------------------------------------------------


class MemberWrites(permissions.BasePermission):
    """Writes by a verified member with a read-write token; suspended members only for the
    methods the view lists in ``suspended_may`` (an artist appealing a suspension)."""

    def has_permission(self, request, view) -> bool:
        member_check(
            request,
            allow_suspended=request.method in getattr(view, "suspended_may", ()),
            write=True,
        )
        return True


# --- Flags --------------------------------------------------------------------------------------


class ArtworkFlagView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="artworks_flag",
        summary="Report an artwork to the moderators",
        description="As the site's report form: a `reason`, an optional `note` and, for "
        "`stolen`, a link to the original. You cannot report your own post, a post twice "
        f"while your report is open, or more than {settings.MODERATION_FLAGS_PER_HOUR} posts "
        "an hour (429 with `Retry-After`). The answer is your flag only; other reporters are "
        "never shown.",
        request=FlagCreate,
        responses={201: FlagSerializer, **errors(400, 403, 404, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        artwork = artwork_for_viewer(request, pk)
        data = form_data(request.data, fields=("reason", "note", "original_url"), list_fields=())
        form = FlagForm(data)
        if not form.is_valid():
            raise form_errors(form)
        cleaned = form.cleaned_data
        flag = flag_create(
            reporter=request.user,
            artwork=artwork,
            reason=cleaned["reason"],
            note=cleaned["note"],
            original_url=cleaned["original_url"],
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


# --- Cases --------------------------------------------------------------------------------------


def _case(pk: int) -> Case:
    return get_object_or_404(
        Case.objects.select_related("artwork", "artwork__artist", "claimed_by"), pk=pk
    )


def _case_to_act_on(pk: int, moderator: User) -> Case:
    """The case (404 when unknown), refused to a moderator who is a party to it before their
    input is read (the service checks again under its lock)."""
    case = _case(pk)
    case_access_check(moderator=moderator, case=case)
    return case


CASE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The case's id.")


class CaseListView(APIView):
    permission_classes = [ModeratorOnly]

    @extend_schema(
        operation_id="cases_list",
        summary="The moderators' queue: open cases, riskiest first",
        description="Open cases by risk score, then age, as on the site's queue. Keyset pages "
        f"of {selectors.QUEUE_PAGE}: follow `next`; a page costs the same few queries "
        "whatever its size.",
        parameters=[CaseListParams],
        responses={200: CasePageSerializer, **errors(400, 403)},
        tags=["moderation"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, CaseListParams)
        qs = selectors.queue_cases(reason=params.get("reason"), age=params.get("age"))
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
        case = _case(pk)
        detail = selectors.case_detail(case)
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
        _case_to_act_on(pk, request.user)
        case_claim(moderator=request.user, case_id=pk)
        return Response(CaseSerializer(_case(pk), context={"request": request}).data)


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
        _case_to_act_on(pk, request.user)
        data = form_data(
            request.data,
            fields=("action", "reason", "new_label", "suspend_days"),
            list_fields=(),
        )
        strike = request.data.get("strike", False) if hasattr(request.data, "get") else False
        if isinstance(strike, str):
            strike = strike.strip().lower() in ("true", "on", "1")
        if not isinstance(strike, bool):
            raise exceptions.ValidationError({"strike": ["Expected true or false."]})
        form = DecideForm({**data, "strike": strike})
        if not form.is_valid():
            raise form_errors(form)
        cleaned = form.cleaned_data
        # The case's state is checked under the service's row lock: a decided or claimed case
        # is a ModerationConflict (409) even when another moderator got there a moment ago.
        decision = case_decide(
            moderator=request.user,
            case_id=pk,
            action=cleaned["action"],
            reason=cleaned["reason"],
            new_label=cleaned["new_label"],
            strike=cleaned["strike"],
            suspend_days=cleaned["suspend_days"],
        )
        decision = Decision.objects.select_related("moderator").get(pk=decision.pk)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# --- Appeals ------------------------------------------------------------------------------------


def _appeal(pk: int) -> Appeal:
    return Appeal.objects.select_related("decision", "decision__moderator").get(pk=pk)


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
        appeals = list(
            selectors.appeals_queue().select_related("decision__case__artwork__artist")[
                :APPEALS_PAGE
            ]
        )
        data = AppealRowSerializer(appeals, many=True, context={"request": request}).data
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
        appeal = get_object_or_404(
            Appeal.objects.select_related("decision", "decision__case", "decision__case__artwork"),
            pk=pk,
        )
        data = form_data(request.data, fields=("outcome", "response"), list_fields=())
        form = AppealDecideForm(data)
        if not form.is_valid():
            raise form_errors(form)
        # A party (403) and a decided appeal (409) are refused by the service, under its lock.
        appeal_decide(
            moderator=request.user,
            appeal_id=appeal.pk,
            uphold=form.cleaned_data["outcome"] == "uphold",
            response=form.cleaned_data["response"],
        )
        return Response(AppealSerializer(_appeal(pk)).data)


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
        subject = appeal_subject(decision)
        if subject is None or subject.pk != request.user.pk:
            raise Http404("No such decision.")
        data = form_data(request.data, fields=("statement",), list_fields=())
        form = AppealForm(data)
        if not form.is_valid():
            raise form_errors(form)
        appeal = appeal_create(
            appellant=request.user, decision=decision, statement=form.cleaned_data["statement"]
        )
        return Response(AppealSerializer(_appeal(appeal.pk)).data, status=status.HTTP_201_CREATED)


# --- Community review ---------------------------------------------------------------------------


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
        "closes the case and anything else goes to the moderators. 409 when you have voted "
        "already or the case is no longer open for review.",
        parameters=[
            OpenApiParameter("case_id", int, OpenApiParameter.PATH, description="The case.")
        ],
        request=VoteRequest,
        responses={201: VoteSerializer, **moderation_errors(400, 403, 404, 409, 415)},
        tags=["moderation"],
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = get_object_or_404(
            Case.objects.select_related("artwork"),
            pk=case_id,
            ai_question=True,
            artwork__isnull=False,
        )
        if case.artwork.artist_id == request.user.pk:
            raise exceptions.PermissionDenied("You cannot review your own post.")
        data = form_data(request.data, fields=("vote",), list_fields=())
        form = VoteForm(data)
        if not form.is_valid():
            raise form_errors(form)
        vote = vote_cast(reviewer=request.user, case_id=case.pk, vote=form.cleaned_data["vote"])
        return Response(
            {
                "case": case.pk,
                "vote": vote.vote,
                "weight": vote.weight,
                "tally": vote_tally(case),
            },
            status=status.HTTP_201_CREATED,
        )
