"""Portfolios (issue 17 item 4): an artist's portfolio for anyone, and the artist's own writes
(commission status, pinned works, sections).

Every rule is gallery's: gallery.services.portfolio (the services the site's portfolio page
calls too) and gallery.selectors.portfolio_of (what a caller sees: the listing rules and the
caller's label filter). Writes need a verified member in good standing with a read-write token
(``MemberOnly``): suspended members, read-only tokens and anonymous callers are refused, and
there is no way to name someone else's portfolio, so moderators edit only their own.
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from api.permissions import MemberOnly
from api.portfolio_serializers import (
    CommissionUpdate,
    PinsUpdate,
    PortfolioParams,
    PortfolioSerializer,
    SectionCreate,
    SectionsOrder,
    SectionUpdate,
)
from api.schema import HANDLE, errors
from api.serializers import CARD_COLUMNS
from api.views.artists import artist_visible_or_404
from api.views.common import query
from gallery import selectors, state
from gallery.services import portfolio as services

SECTION_ID = OpenApiParameter(
    "section_id", int, OpenApiParameter.PATH, description="One of the caller's sections."
)
TAGS = ["portfolio"]


def portfolio_response(request: Request, artist: User, *, own: bool, params=None, **kw):
    params = params or {}
    # ``show`` and ``mature`` in the query override the caller's stored choices, as on the
    # list endpoints; without them the member's settings (or human-only) apply.
    preference = selectors.viewer_preference(request, params.get("show"))
    mature = params.get("mature") or state.mature_preference(request)
    portfolio = selectors.portfolio_of(
        artist_id=artist.pk,
        preference=preference,
        mature_preference=mature,
        own=own,
        columns=CARD_COLUMNS,
    )
    works = [*portfolio.pinned, *(a for s in portfolio.sections for a in s.works)]
    prefetch_related_objects(works, "tags")  # one query, not one per card
    data = {
        "artist": artist,
        "commission_status": artist.commission_status,
        "commission_note": artist.commission_note,
        "links": artist.links or [],
        "pinned": portfolio.pinned,
        "sections": portfolio.sections,
    }
    response = Response(PortfolioSerializer(data, context={"request": request}).data, **kw)
    # A member's answer depends on their blocks and label choices, and the owner's holds works
    # nobody else sees: neither may sit in a shared cache.
    if own or request.user.is_authenticated:
        response["Cache-Control"] = "private, no-store"
    return response


class ArtistPortfolioView(APIView):
    @extend_schema(
        operation_id="artists_portfolio_retrieve",
        summary="An artist's portfolio",
        description="Banner, commission status, links, pinned works and sections, each work as "
        "a card with its label badge. Only works the caller could find in a listing appear, "
        "under the caller's label filter (human-only by default); the artist sees all of "
        "their own. 404 when a block stands between the caller and the artist.",
        parameters=[HANDLE, PortfolioParams],
        responses={200: PortfolioSerializer, **errors(400, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, handle: str) -> Response:
        params = query(request, PortfolioParams)
        # Same 404 as the artist endpoint: unknown, inactive, or a block either way.
        artist = artist_visible_or_404(request, handle)
        own = request.user.is_authenticated and request.user.pk == artist.pk
        return portfolio_response(request, artist, own=own, params=params)


class MyPortfolioView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_portfolio_retrieve",
        summary="Your own portfolio, every section and pinned work included",
        responses={200: PortfolioSerializer, **errors(403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return portfolio_response(request, request.user, own=True)

    @extend_schema(
        operation_id="me_portfolio_update",
        summary="Set your commission status and note",
        request=CommissionUpdate,
        responses={200: PortfolioSerializer, **errors(400, 403)},
        tags=TAGS,
    )
    def patch(self, request: Request) -> Response:
        data = CommissionUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        user = request.user
        # PATCH: a field left out keeps its value (the service takes both at once).
        services.commission_set(
            artist=user,
            status=given.get("commission_status", user.commission_status),
            note=given.get("commission_note", user.commission_note),
        )
        return portfolio_response(request, user, own=True)


class MyPinsView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_portfolio_pins_set",
        summary="Set your pinned works, in order",
        description=f"At most {services.MAX_PINS} (409 past that). Only your own works; a work "
        "newly pinned must be published publicly.",
        request=PinsUpdate,
        responses={200: PortfolioSerializer, **errors(400, 403, 404, 409)},
        tags=TAGS,
    )
    def put(self, request: Request) -> Response:
        data = PinsUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        # The whole list replaces the pins: an empty list unpins everything.
        services.pins_set(artist=request.user, artwork_ids=data.validated_data["artwork_ids"])
        return portfolio_response(request, request.user, own=True)


class MySectionsView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_portfolio_sections_create",
        summary="Add a section to your portfolio",
        request=SectionCreate,
        responses={201: PortfolioSerializer, **errors(400, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = SectionCreate(data=request.data)
        data.is_valid(raise_exception=True)
        services.section_create(artist=request.user, **data.validated_data)
        return portfolio_response(request, request.user, own=True, status=status.HTTP_201_CREATED)


class MySectionsOrderView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_portfolio_sections_order",
        summary="Put your sections in a new order",
        request=SectionsOrder,
        responses={200: PortfolioSerializer, **errors(400, 403)},
        tags=TAGS,
    )
    def put(self, request: Request) -> Response:
        data = SectionsOrder(data=request.data)
        data.is_valid(raise_exception=True)
        services.sections_order(artist=request.user, section_ids=data.validated_data["section_ids"])
        return portfolio_response(request, request.user, own=True)


class MySectionView(APIView):
    permission_classes = [MemberOnly]

    @extend_schema(
        operation_id="me_portfolio_sections_update",
        summary="Rename a section or set its works, in order",
        parameters=[SECTION_ID],
        request=SectionUpdate,
        responses={200: PortfolioSerializer, **errors(400, 403, 404, 409)},
        tags=TAGS,
    )
    def patch(self, request: Request, section_id: int) -> Response:
        section = services.section_get(artist=request.user, section_id=section_id)
        data = SectionUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        if "title" in given:
            services.section_rename(artist=request.user, section=section, title=given["title"])
        if "artwork_ids" in given:
            services.section_works_set(
                artist=request.user, section=section, artwork_ids=given["artwork_ids"]
            )
        return portfolio_response(request, request.user, own=True)

    @extend_schema(
        operation_id="me_portfolio_sections_delete",
        summary="Delete a section (its works stay published)",
        parameters=[SECTION_ID],
        request=None,
        responses={204: None, **errors(403, 404)},
        tags=TAGS,
    )
    def delete(self, request: Request, section_id: int) -> Response:
        section = services.section_get(artist=request.user, section_id=section_id)
        services.section_delete(artist=request.user, section=section)
        return Response(status=status.HTTP_204_NO_CONTENT)
