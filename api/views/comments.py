"""Comments: an artwork's thread, posting and replying, editing, deleting, hiding, and the
artist's switch. The site's services, access rules and selectors, as on the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.community_serializers import (
    CommentCreate,
    CommentPageSerializer,
    CommentParams,
    CommentsEnabled,
    CommentSerializer,
    CommentUpdate,
    ReplyPageSerializer,
    ThreadCommentSerializer,
)
from api.permissions import MemberWrites
from api.schema import errors
from api.views.common import next_url, query
from community import selectors
from community.access import comment_for_viewer
from community.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_hide,
    comment_unhide,
    comments_enabled_set,
)
from gallery.access import artwork_for_viewer
from gallery.state import Surface

TAGS = ["comments"]


def _body(request: Request, serializer_class) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _one(request: Request, comment, **kwargs) -> Response:
    members = selectors.mark(comment, viewer=request.user)
    context = {"request": request, "members": members}
    return Response(CommentSerializer(comment, context=context).data, **kwargs)


class ArtworkCommentsView(APIView):
    @extend_schema(
        operation_id="comments_list",
        summary="An artwork's comments, newest first, with their first replies",
        description="Top-level comments newest first, each with its first replies (oldest "
        "first) and how many more there are. Keyset pages: follow `next`; there are no counts "
        "beyond the artwork's `comment_count`.",
        parameters=[CommentParams],
        responses={200: CommentPageSerializer, **errors(400, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        params = query(request, CommentParams)
        artwork = artwork_for_viewer(request, pk, surface=Surface.API_DETAIL)
        thread = selectors.thread_page(
            viewer=request.user,
            artwork=artwork,
            cursor=params.get("after"),
            size=params["page_size"],
        )
        context = {"request": request, "members": thread.members}
        data = ThreadCommentSerializer(thread.comments, many=True, context=context).data
        return Response({"results": data, "next": next_url(request, thread.next_cursor)})

    @extend_schema(
        operation_id="comments_create",
        summary="Comment on an artwork, or reply to a comment",
        description="201 with the new comment. The same text sent again within a few "
        "seconds (a retried request) answers 200 with the comment the first one made. 403 "
        "when comments are off, you are blocked, or suspended; 429 with `Retry-After` past "
        "your comment budget (`COMMENT_RATE`) or, for new accounts, within the per-post "
        "cooldown.",
        request=CommentCreate,
        responses={
            201: CommentSerializer,
            200: OpenApiResponse(CommentSerializer, description="A repeat of your last comment."),
            **errors(400, 403, 404, 409),
        },
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        artwork = artwork_for_viewer(request, pk, surface=Surface.API_DETAIL)
        data = _body(request, CommentCreate)
        parent = comment_for_viewer(request.user, data["parent"]) if data.get("parent") else None
        posted = comment_create(
            author=request.user, artwork=artwork, body=data["body"], parent=parent
        )
        return _one(
            request,
            posted.comment,
            status=status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK,
        )


class CommentDetailView(APIView):
    # Deleting one's own comment is taking something down: a suspended member may (as on the site).
    suspended_may = ("DELETE",)

    @extend_schema(
        operation_id="comments_retrieve",
        summary="One comment",
        responses={200: CommentSerializer, **errors(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return _one(request, comment_for_viewer(request.user, pk))

    @extend_schema(
        operation_id="comments_update",
        summary="Edit your comment (within 15 minutes of posting)",
        request=CommentUpdate,
        responses={200: CommentSerializer, **errors(400, 403, 404, 409)},
        tags=TAGS,
    )
    def patch(self, request: Request, pk: int) -> Response:
        comment = comment_for_viewer(request.user, pk)
        comment_edit(
            editor=request.user, comment=comment, body=_body(request, CommentUpdate)["body"]
        )
        return _one(request, comment)

    @extend_schema(
        operation_id="comments_destroy",
        summary="Delete your comment",
        description="Replies to it stay, under a placeholder. Deleting it again is a 204 too.",
        responses={204: OpenApiResponse(description="Deleted."), **errors(403, 404, 409)},
        tags=TAGS,
    )
    def delete(self, request: Request, pk: int) -> Response:
        comment_delete(member=request.user, comment=comment_for_viewer(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentRepliesView(APIView):
    @extend_schema(
        operation_id="comments_replies",
        summary="All replies to a comment, oldest first",
        parameters=[CommentParams],
        responses={200: ReplyPageSerializer, **errors(400, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        params = query(request, CommentParams)
        parent = comment_for_viewer(request.user, pk)
        thread = selectors.replies_page(
            viewer=request.user, parent=parent, cursor=params.get("after"), size=params["page_size"]
        )
        context = {"request": request, "members": thread.members}
        data = CommentSerializer(thread.comments, many=True, context=context).data
        return Response({"results": data, "next": next_url(request, thread.next_cursor)})


class CommentHideView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="comments_hide",
        summary="Hide a comment on your post (its artist only)",
        request=None,
        responses={200: CommentSerializer, **errors(403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = comment_for_viewer(request.user, pk)
        comment_hide(artist=request.user, comment=comment)
        return _one(request, comment)


class CommentUnhideView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="comments_unhide",
        summary="Show a comment you hid again (the post's artist only)",
        request=None,
        responses={200: CommentSerializer, **errors(403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = comment_for_viewer(request.user, pk)
        comment_unhide(artist=request.user, comment=comment)
        return _one(request, comment)


class CommentsEnabledView(APIView):
    permission_classes = [MemberWrites]

    @extend_schema(
        operation_id="comments_enabled_set",
        summary="Turn comments on your post on or off (its artist only)",
        description="Off: no new comments or replies; those already there stay readable.",
        request=CommentsEnabled,
        responses={200: CommentsEnabled, **errors(400, 403, 404)},
        tags=TAGS,
    )
    def put(self, request: Request, pk: int) -> Response:
        artwork = artwork_for_viewer(request, pk, surface=Surface.API_DETAIL)
        enabled = _body(request, CommentsEnabled)["enabled"]
        comments_enabled_set(artist=request.user, artwork=artwork, enabled=enabled)
        return Response({"enabled": enabled})
