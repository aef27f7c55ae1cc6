"""Blocks, mutes, and a member's followers and following: the site's services and selectors.

Blocking and muting are safety tools, so a suspended member may use them (``suspended_may``);
a read-only token may list them, not change them.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from taggit.models import Tag

from accounts.selectors import blocks_made, follow_list, mutes_made
from accounts.services import block_set, mute_artist_set, mute_tag_set
from api.permissions import MemberOnly, MemberWrites
from api.schema import HANDLE, errors
from api.serializers import (
    BlockPageSerializer,
    BlockSerializer,
    BlockStateSerializer,
    MutePageSerializer,
    MuteSerializer,
    MuteStateSerializer,
    PageParams,
    PersonPageSerializer,
    PersonSerializer,
)
from api.views.artists import artist_or_404, artist_visible_or_404
from api.views.common import next_url, query
from config import cursors

TAG_SLUG = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description="The tag's slug, as in /tags/<slug>/."
)


class ArtistBlockView(APIView):
    permission_classes = [MemberWrites]
    suspended_may = ("POST", "DELETE")

    @extend_schema(
        operation_id="artists_block",
        summary="Block a member",
        description="Hides you and them from each other everywhere and removes follows "
        "between you, both ways. A repeat answers `changed: false`.",
        parameters=[HANDLE],
        request=None,
        responses={200: BlockStateSerializer, **errors(400, 403, 404, 409)},
        tags=["blocks"],
    )
    def post(self, request: Request, handle: str) -> Response:
        # artist_or_404, not artist_visible_or_404: a member who already blocked the caller
        # can still be blocked back (both blocks then stand; either lifting leaves the other).
        artist = artist_or_404(handle)
        # A double click answers 200 with changed: false (the service decides, under locks).
        changed = block_set(blocker=request.user, blocked=artist, blocking=True)
        return Response({"blocked": True, "changed": changed})

    @extend_schema(
        operation_id="artists_unblock",
        summary="Unblock a member",
        parameters=[HANDLE],
        request=None,
        responses={200: BlockStateSerializer, **errors(400, 403, 404)},
        tags=["blocks"],
    )
    def delete(self, request: Request, handle: str) -> Response:
        artist = artist_or_404(handle)
        # Unblocking restores no follow: block_set removed them and nobody asked to refollow.
        changed = block_set(blocker=request.user, blocked=artist, blocking=False)
        return Response({"blocked": False, "changed": changed})


class ArtistMuteView(APIView):
    permission_classes = [MemberWrites]
    suspended_may = ("POST", "DELETE")

    @extend_schema(
        operation_id="artists_mute",
        summary="Mute an artist in your own feeds",
        description="Their work leaves your latest, following, tag and medium feeds; their "
        "page and search still show it. They are not told.",
        parameters=[HANDLE],
        request=None,
        responses={200: MuteStateSerializer, **errors(400, 403, 404, 409)},
        tags=["blocks"],
    )
    def post(self, request: Request, handle: str) -> Response:
        changed = mute_artist_set(user=request.user, artist=artist_or_404(handle), muting=True)
        return Response({"muted": True, "changed": changed})

    @extend_schema(
        operation_id="artists_unmute",
        summary="Unmute an artist",
        parameters=[HANDLE],
        request=None,
        responses={200: MuteStateSerializer, **errors(400, 403, 404)},
        tags=["blocks"],
    )
    def delete(self, request: Request, handle: str) -> Response:
        changed = mute_artist_set(user=request.user, artist=artist_or_404(handle), muting=False)
        return Response({"muted": False, "changed": changed})


class TagMuteView(APIView):
    permission_classes = [MemberWrites]
    suspended_may = ("POST", "DELETE")

    @extend_schema(
        operation_id="tags_mute",
        summary="Mute a tag in your own feeds",
        description="Its posts leave your feeds; the tag's own page (`?tag=`) and search "
        "still list them.",
        parameters=[TAG_SLUG],
        request=None,
        responses={200: MuteStateSerializer, **errors(403, 404, 409)},
        tags=["blocks"],
    )
    def post(self, request: Request, slug: str) -> Response:
        tag = get_object_or_404(Tag, slug=slug)
        return Response(
            {"muted": True, "changed": mute_tag_set(user=request.user, tag=tag, muting=True)}
        )

    @extend_schema(
        operation_id="tags_unmute",
        summary="Unmute a tag",
        parameters=[TAG_SLUG],
        request=None,
        responses={200: MuteStateSerializer, **errors(403, 404)},
        tags=["blocks"],
    )
    def delete(self, request: Request, slug: str) -> Response:
        tag = get_object_or_404(Tag, slug=slug)
        changed = mute_tag_set(user=request.user, tag=tag, muting=False)
        return Response({"muted": False, "changed": changed})


def _page(request: Request, qs, serializer, *, item=lambda row: row) -> Response:
    params = query(request, PageParams)
    page = cursors.keyset_page(qs, params.get("after"), key="created_at", size=params["page_size"])
    data = serializer([item(row) for row in page.items], many=True, context={"request": request})
    return Response({"results": data.data, "next": next_url(request, page.next_cursor)})


class MyBlocksView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_blocks_list",
        summary="Members you blocked, newest first",
        parameters=[PageParams],
        responses={200: BlockPageSerializer, **errors(400, 403)},
        tags=["blocks"],
    )
    def get(self, request: Request) -> Response:
        return _page(request, blocks_made(user=request.user), BlockSerializer)


class MyMutesView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_mutes_list",
        summary="Artists and tags you muted, newest first",
        parameters=[PageParams],
        responses={200: MutePageSerializer, **errors(400, 403)},
        tags=["blocks"],
    )
    def get(self, request: Request) -> Response:
        return _page(request, mutes_made(user=request.user), MuteSerializer)


class ArtistFollowListView(APIView):
    """``direction`` comes from the URL: followers or following."""

    direction = "followers"

    @extend_schema(
        summary="A member's followers or the members they follow, newest follow first",
        description="Members in a block with the caller are left out; a member who blocked "
        "the caller (or whom the caller blocked) answers 404.",
        parameters=[HANDLE, PageParams],
        responses={200: PersonPageSerializer, **errors(400, 404)},
        tags=["artists"],
    )
    def get(self, request: Request, handle: str) -> Response:
        # Inside a block the list answers 404, as the profile does: its existence is not told.
        person = artist_visible_or_404(request, handle)
        # Each follow row names both ends; the list shows the end that is not ``person``.
        other = "follower" if self.direction == "followers" else "artist"
        qs = follow_list(person=person, direction=self.direction, viewer=request.user)
        return _page(request, qs, PersonSerializer, item=lambda follow: getattr(follow, other))


# Two URL names, one view: the direction is the only difference (and the schema's operation).
class ArtistFollowersView(ArtistFollowListView):
    direction = "followers"


class ArtistFollowingView(ArtistFollowListView):
    direction = "following"
