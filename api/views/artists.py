"""Artists: a profile, their artworks, following and unfollowing."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Follow, User, handle_validator
from accounts.selectors import block_between
from accounts.services import follow_set
from api.schema import HANDLE, errors
from api.serializers import (
    ArtistSerializer,
    ArtworkFilterParams,
    ArtworkPageSerializer,
    FollowStateSerializer,
)
from api.views.common import query
from api.views.listing import artwork_listing
from config.errors import NotFound


def artist_or_404(handle: str) -> User:
    # The handle's own rule first: anything else (a NUL byte included) cannot be an artist.
    if not handle_validator.regex.match(handle):
        raise Http404("No such artist.")
    artist = User.objects.by_handle(handle).filter(is_active=True).first()
    if artist is None:
        raise Http404("No such artist.")
    return artist


def artist_visible_or_404(request: Request, handle: str) -> User:
    """``artist_or_404``, and a 404 too when the artist and the caller are in a block (either
    direction; the blocker is told why). Moderators are never kept out by a block."""
    artist = artist_or_404(handle)
    relation = block_between(request.user, artist.pk)
    if relation is not None and not request.user.is_moderator:
        if relation == "made":
            raise NotFound("You blocked this member; unblock them to see them.", code="blocked")
        raise Http404("No such artist.")
    return artist


class ArtistDetailView(APIView):
    @extend_schema(
        operation_id="artists_retrieve",
        summary="An artist's profile",
        parameters=[HANDLE],
        responses={200: ArtistSerializer, **errors(404)},
        tags=["artists"],
    )
    def get(self, request: Request, handle: str) -> Response:
        artist = artist_visible_or_404(request, handle)
        is_following = (
            Follow.objects.filter(follower_id=request.user.pk, artist=artist).exists()
            if request.user.is_authenticated
            else None
        )
        context = {"request": request, "is_following": is_following}
        return Response(ArtistSerializer(artist, context=context).data)


class ArtistArtworksView(APIView):
    @extend_schema(
        operation_id="artists_artworks_list",
        summary="An artist's artworks, newest first",
        description="The same label filter and keyset pages as `GET /api/v1/artworks/`.",
        parameters=[HANDLE, ArtworkFilterParams],
        responses={200: ArtworkPageSerializer, **errors(400, 404)},
        tags=["artists"],
    )
    def get(self, request: Request, handle: str) -> Response:
        artist = artist_visible_or_404(request, handle)
        return artwork_listing(request, query(request, ArtworkFilterParams), artist_id=artist.pk)


class ArtistFollowView(APIView):
    @extend_schema(
        operation_id="artists_follow",
        summary="Follow an artist",
        parameters=[HANDLE],
        request=None,
        responses={200: FollowStateSerializer, **errors(400, 403, 404)},
        tags=["artists"],
    )
    def post(self, request: Request, handle: str) -> Response:
        return self._set(request, handle, following=True)

    @extend_schema(
        operation_id="artists_unfollow",
        summary="Unfollow an artist",
        parameters=[HANDLE],
        request=None,
        responses={200: FollowStateSerializer, **errors(400, 403, 404)},
        tags=["artists"],
    )
    def delete(self, request: Request, handle: str) -> Response:
        return self._set(request, handle, following=False)

    @staticmethod
    def _set(request: Request, handle: str, *, following: bool) -> Response:
        artist = artist_or_404(handle)
        # follow_set ignores a self-follow (accounts_follow_not_self forbids the row): say so
        # with a 400 rather than answer as if it had worked.
        if artist.pk == request.user.pk:
            raise exceptions.ValidationError("You cannot follow yourself.")
        count = follow_set(follower=request.user, artist=artist, following=following)
        return Response({"following": following, "follower_count": count})
