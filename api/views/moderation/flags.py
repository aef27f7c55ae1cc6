"""Members report a post, a comment under one, or a collection to the moderators."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.moderation_serializers import (
    CollectionFlagCreate,
    CommentFlagCreate,
    FlagCreate,
    FlagSerializer,
)
from api.permissions import MemberWrites
from api.schema import errors
from api.views.common import form_input
from community.collection_selectors import collection_by_id_for_viewer
from community.models import Comment
from gallery.access import artwork_for_viewer, artwork_shown_to
from moderation.forms import CollectionFlagForm, CommentFlagForm, FlagForm
from moderation.services.flags import collection_flag_create, comment_flag_create, flag_create


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
        # Only what the reporter can see may be reported; anything else is a 404, so a report
        # never confirms that a hidden post exists. A block does not stop a report (the site's
        # report page ignores blocks too): reporting is how a member gets help with harassment.
        artwork = artwork_for_viewer(request, pk, blocks=False)
        cleaned = form_input(request.data, FlagForm, fields=("reason", "note", "original_url"))
        flag = flag_create(
            reporter=request.user,
            artwork=artwork,
            reason=cleaned["reason"],
            note=cleaned["note"],
            original_url=cleaned["original_url"],
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


class CommentFlagView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="comments_flag",
        summary="Report a comment to the moderators",
        description="As the site's report form for a comment: a `reason` (`spam`, "
        "`harassment`, `off-topic` or `other`) and an optional `note`. The comment goes to the "
        "moderators' queue as a case of its own. You cannot report your own comment, a "
        "comment twice while your report is open, a comment its author deleted or moderators "
        "already hid or removed (400 with the reason), or more than "
        f"{settings.MODERATION_FLAGS_PER_HOUR} posts and comments an hour (429 with "
        "`Retry-After`). A comment under a post you cannot see is a 404.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="Comment.")],
        request=CommentFlagCreate,
        responses={201: FlagSerializer, **errors(400, 403, 404, 415, 429)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(
            Comment.objects.select_related("author", "artwork", "artwork__artist"), pk=pk
        )
        # Under a post this member cannot see, the comment does not exist for them.
        if not artwork_shown_to(request.user, comment.artwork):
            raise Http404("No such comment.")
        cleaned = form_input(request.data, CommentFlagForm, fields=("reason", "note"))
        # Own, deleted, already moderated, reported twice, rate limited: the service's refusals.
        flag = comment_flag_create(
            reporter=request.user, comment=comment, reason=cleaned["reason"], note=cleaned["note"]
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


class CollectionFlagView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="collections_flag",
        summary="Report a collection to the moderators",
        description="As the site's report form for a collection (its title and description): "
        "a `reason` (`spam`, `harassment` or `other`) and an optional `note`. The collection "
        "goes to the moderators' queue as a case of its own; moderators may hide it. You "
        "cannot report your own collection, one twice while your report is open, or one "
        "moderators already hid (400 with the reason), or more than "
        f"{settings.MODERATION_FLAGS_PER_HOUR} posts, comments and collections an hour (429 "
        "with `Retry-After`). A collection you cannot see is a 404.",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="Collection.")],
        request=CollectionFlagCreate,
        responses={201: FlagSerializer, **errors(400, 403, 404, 415, 429)},
        tags=["moderation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        # Private, hidden, or behind a block: it does not exist for this member (the owner
        # sees their own, and the service says they cannot report it).
        collection = collection_by_id_for_viewer(request.user, pk)
        cleaned = form_input(request.data, CollectionFlagForm, fields=("reason", "note"))
        flag = collection_flag_create(
            reporter=request.user,
            collection=collection,
            reason=cleaned["reason"],
            note=cleaned["note"],
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)
