"""Collections: a member's list, one collection with its works (keyset pages), creating,
editing and deleting, saving and removing works.

Every rule is community's: community.collections (the services, the same the site calls) and
community.collection_selectors (who sees what: private and blocked answer 404).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import blocked_ids
from api.collection_serializers import (
    CollectionCreate,
    CollectionItemAdd,
    CollectionPageSerializer,
    CollectionParams,
    CollectionSerializer,
    CollectionUpdate,
    CollectionWorksPageSerializer,
    SavedStateSerializer,
)
from api.schema import HANDLE, errors
from api.serializers import CARD_COLUMNS, ArtworkCardSerializer
from api.views.common import next_url, query
from community import collection_selectors as pick
from community.collections import (
    collection_add,
    collection_create,
    collection_delete,
    collection_edit,
    collection_remove,
    collection_set_cover,
)
from community.models import Collection
from config import cursors
from config.errors import NotFound
from gallery import selectors, state
from gallery.access import artwork_for_viewer

PK = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="The collection's id.")
ARTWORK_ID = OpenApiParameter("artwork_id", int, OpenApiParameter.PATH, description="An artwork.")


def _choices(request: Request, params: dict) -> tuple[str, str]:
    """The label filter and mature choice applied: the parameters, else the caller's own."""
    preference = selectors.viewer_preference(request, params.get("show"))
    return preference, params.get("mature") or state.mature_preference(request)


def _annotated(request: Request, collection: Collection, params: dict) -> Collection:
    """The collection with its counts and cover for this caller (two queries)."""
    preference, mature = _choices(request, params)
    row = pick.with_counts(
        Collection.objects.select_related("owner").filter(pk=collection.pk),
        preference=preference,
        mature_preference=mature,
    ).get()
    pick.collection_covers([row], columns=CARD_COLUMNS)
    return row


def _detail(request: Request, collection: Collection, params: dict | None = None, **kw):
    row = _annotated(request, collection, params or {})
    return Response(CollectionSerializer(row, context={"request": request}).data, **kw)


class ArtistCollectionsView(APIView):
    @extend_schema(
        operation_id="artists_collections_list",
        summary="A member's collections, newest first",
        description="Public ones for everyone, all of them for their owner. 404 when a block "
        "stands between the caller and the member. Keyset pages: follow `next`.",
        parameters=[HANDLE, CollectionParams],
        responses={200: CollectionPageSerializer, **errors(400, 404)},
        tags=["collections"],
    )
    def get(self, request: Request, handle: str) -> Response:
        params = query(request, CollectionParams)
        owner = pick.member_for_viewer(request.user, handle)
        preference, mature = _choices(request, params)
        qs = pick.collections_of(
            owner=owner, viewer=request.user, preference=preference, mature_preference=mature
        )
        page = cursors.keyset_page(
            qs, params.get("after"), key="created_at", size=params["page_size"]
        )
        pick.collection_covers(page.items, columns=CARD_COLUMNS)
        data = CollectionSerializer(page.items, many=True, context={"request": request}).data
        response = Response({"results": data, "next": next_url(request, page.next_cursor)})
        response["Cache-Control"] = "private, no-store"
        return response


class CollectionCreateView(APIView):
    @extend_schema(
        operation_id="collections_create",
        summary="Create a collection",
        request=CollectionCreate,
        responses={201: CollectionSerializer, **errors(400, 403, 409)},
        tags=["collections"],
    )
    def post(self, request: Request) -> Response:
        data = CollectionCreate(data=request.data)
        data.is_valid(raise_exception=True)
        collection = collection_create(owner=request.user, **data.validated_data)
        return _detail(request, collection, status=status.HTTP_201_CREATED)


class CollectionDetailView(APIView):
    # A suspended member reads like anyone; every change is refused (MemberWrites).

    @extend_schema(
        operation_id="collections_retrieve",
        summary="One collection",
        description="Private collections answer 404 to everyone but their owner.",
        parameters=[PK, CollectionParams],
        responses={200: CollectionSerializer, **errors(400, 404)},
        tags=["collections"],
    )
    def get(self, request: Request, pk: int) -> Response:
        params = query(request, CollectionParams)
        collection = pick.collection_by_id_for_viewer(request.user, pk)
        return _detail(request, collection, params)

    @extend_schema(
        operation_id="collections_update",
        summary="Edit a collection (owner only)",
        parameters=[PK],
        request=CollectionUpdate,
        responses={200: CollectionSerializer, **errors(400, 403, 404)},
        tags=["collections"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        collection = _mine(request, pk)
        data = CollectionUpdate(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        if {"title", "description", "public"} & set(given):
            collection_edit(
                editor=request.user,
                collection=collection,
                title=given.get("title", collection.title),
                description=given.get("description", collection.description),
                public=given.get("public", collection.public),
            )
        if "cover_artwork" in given:
            collection_set_cover(
                user=request.user, collection=collection, artwork_id=given["cover_artwork"]
            )
        return _detail(request, collection)

    @extend_schema(
        operation_id="collections_destroy",
        summary="Delete a collection (owner only; the works stay)",
        parameters=[PK],
        responses={204: None, **errors(403, 404)},
        tags=["collections"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        collection_delete(actor=request.user, collection=_mine(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mine(request: Request, pk: int) -> Collection:
    """The caller's own collection ``pk``; 404 for anyone else's (private ones never leak)."""
    collection = pick.collection_by_id_for_viewer(request.user, pk)
    if collection.owner_id != request.user.pk:
        raise NotFound("No such collection.")
    return collection


class CollectionItemsView(APIView):
    @extend_schema(
        operation_id="collections_items_list",
        summary="A collection's works, newest save first",
        description="The artworks' cards as `GET /api/v1/artworks/`, with `saved_at`; the "
        "label filter and mature choice apply, and removed or hidden works never appear.",
        parameters=[PK, CollectionParams],
        responses={200: CollectionWorksPageSerializer, **errors(400, 404)},
        tags=["collections"],
    )
    def get(self, request: Request, pk: int) -> Response:
        params = query(request, CollectionParams)
        collection = pick.collection_by_id_for_viewer(request.user, pk)
        preference, mature = _choices(request, params)
        qs = pick.collection_works(
            collection=collection,
            preference=preference,
            mature_preference=mature,
            hidden_artists=blocked_ids(request.user),
            columns=CARD_COLUMNS,
        ).prefetch_related("artwork__tags")
        page = cursors.keyset_page(
            qs, params.get("after"), key="added_at", size=params["page_size"]
        )
        # One serializer for the page: making one per card copies its fields each time.
        data = ArtworkCardSerializer(
            [item.artwork for item in page.items], many=True, context={"request": request}
        ).data
        cards = []
        for item, card in zip(page.items, data, strict=True):
            card = dict(card)
            card["saved_at"] = item.added_at.isoformat().replace("+00:00", "Z")
            cards.append(card)
        return Response(
            {
                "results": cards,
                "next": next_url(request, page.next_cursor),
                "show": preference,
                "mature": mature,
            }
        )

    @extend_schema(
        operation_id="collections_items_create",
        summary="Save a work into your collection",
        description="Saving a work already there answers 200 with `created: false`.",
        parameters=[PK],
        request=CollectionItemAdd,
        responses={
            201: SavedStateSerializer,
            200: SavedStateSerializer,
            **errors(400, 403, 404, 409),
        },
        tags=["collections"],
    )
    def post(self, request: Request, pk: int) -> Response:
        collection = _mine(request, pk)
        data = CollectionItemAdd(data=request.data)
        data.is_valid(raise_exception=True)
        artwork = artwork_for_viewer(request, data.validated_data["artwork"])
        created = collection_add(user=request.user, collection=collection, artwork=artwork)
        return Response(
            {"saved": True, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CollectionItemView(APIView):
    @extend_schema(
        operation_id="collections_items_destroy",
        summary="Take a work out of your collection",
        parameters=[PK, ARTWORK_ID],
        responses={204: None, **errors(403, 404)},
        tags=["collections"],
    )
    def delete(self, request: Request, pk: int, artwork_id: int) -> Response:
        collection = _mine(request, pk)
        if not collection_remove(user=request.user, collection=collection, artwork_id=artwork_id):
            raise NotFound("This work is not in the collection.")
        return Response(status=status.HTTP_204_NO_CONTENT)
