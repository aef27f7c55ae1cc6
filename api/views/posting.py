"""Posting after the fact: add and remove images, their order, the cover, publishing a draft,
and the caller's drafts. The rules are gallery.services.posting's, the same as the edit page's.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import form_errors
from api.schema import errors
from api.serializers import CARD_COLUMNS, ArtworkCardSerializer, ArtworkDetailSerializer
from api.views.artworks import _idempotency_key, artwork_response
from api.views.common import form_data
from gallery import selectors
from gallery.access import artwork_for_owner
from gallery.forms import ImagesAddForm
from gallery.models import Artwork, ArtworkImage
from gallery.services.posting import (
    artwork_cover_set,
    artwork_image_remove,
    artwork_images_add,
    artwork_images_reorder,
    artwork_publish,
)
from gallery.services.upload_keys import UploadReplayed


class ImagesAdd(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="New final images."
    )
    process_images = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="New process / WIP images."
    )
    alt_text = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        help_text="Alt text for each file, in order (images first, then process images).",
    )


class ImagesOrder(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ArtworkImage.Kind.choices)
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Every image id of that kind on this artwork, exactly once, in the new order.",
    )


class CoverChoice(serializers.Serializer):
    image = serializers.IntegerField(
        min_value=1, help_text="The id of one of the artwork's ready final images."
    )


def _owned(request: Request, pk: int) -> Artwork:
    return artwork_for_owner(request, pk)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise exceptions.ValidationError(serializer.errors)
    return serializer.validated_data


class ArtworkImagesView(APIView):
    # Files: multipart only, as the upload.
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="artworks_images_add",
        summary="Add images to an artwork (its artist only)",
        description="Multipart form data: `images` (final) and/or `process_images`, with "
        "`alt_text` per file. Each file is checked as an upload's; the images are processed "
        "like an upload's (provenance, near-duplicates) while the artwork stays as it is: "
        "they appear in `images` once ready (`processing` shows their state). Published, "
        "hidden and draft artworks only (409 otherwise). With an `Idempotency-Key` a "
        "repeated request answers 200 without adding the images again.",
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
        request={"multipart/form-data": ImagesAdd},
        responses={
            201: ArtworkDetailSerializer,
            200: OpenApiResponse(ArtworkDetailSerializer, description="Already added."),
            **errors(400, 403, 404, 409, 413, 415),
        },
        tags=["artworks"],
    )
    def post(self, request: Request, pk: int) -> Response:
        artwork = _owned(request, pk)
        data = form_data(request.data, fields=(), list_fields=("alt_text",))
        form = ImagesAddForm(data)
        if not form.is_valid():
            raise form_errors(form)
        try:
            artwork_images_add(
                artwork=artwork,
                artist=request.user,
                finals=request.FILES.getlist("images"),
                process=request.FILES.getlist("process_images"),
                alt_texts=form.cleaned_data["alt_text"],
                idempotency_key=_idempotency_key(request),
            )
        except UploadReplayed:
            return artwork_response(request, artwork, status=status.HTTP_200_OK)
        return artwork_response(request, artwork, status=status.HTTP_201_CREATED)


class ArtworkImageView(APIView):
    @extend_schema(
        operation_id="artworks_images_remove",
        summary="Remove one image of an artwork (its artist only)",
        description="Its files are deleted. The last ready final image cannot be removed "
        "(400); nor any image while moderators review the artwork (409).",
        responses={200: ArtworkDetailSerializer, **errors(400, 403, 404, 409)},
        tags=["artworks"],
    )
    def delete(self, request: Request, pk: int, image_id: int) -> Response:
        artwork = _owned(request, pk)
        artwork_image_remove(artwork=artwork, artist=request.user, image_id=image_id)
        return artwork_response(request, artwork)


class ArtworkImagesOrderView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="artworks_images_reorder",
        summary="Reorder an artwork's images of one kind (its artist only)",
        request={"application/json": ImagesOrder},
        responses={200: ArtworkDetailSerializer, **errors(400, 403, 404, 409, 415)},
        tags=["artworks"],
    )
    def put(self, request: Request, pk: int) -> Response:
        artwork = _owned(request, pk)
        data = _valid(ImagesOrder, request)
        artwork_images_reorder(
            artwork=artwork, artist=request.user, kind=data["kind"], order=data["order"]
        )
        return artwork_response(request, artwork)


class ArtworkCoverView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="artworks_cover_set",
        summary="Choose an artwork's cover (its artist only)",
        request={"application/json": CoverChoice},
        responses={200: ArtworkDetailSerializer, **errors(400, 403, 404, 409, 415)},
        tags=["artworks"],
    )
    def put(self, request: Request, pk: int) -> Response:
        artwork = _owned(request, pk)
        data = _valid(CoverChoice, request)
        artwork_cover_set(artwork=artwork, artist=request.user, image_id=data["image"])
        return artwork_response(request, artwork)


class ArtworkPublishView(APIView):
    @extend_schema(
        operation_id="artworks_publish",
        summary="Publish a draft (its artist only)",
        description="The same path as an upload's publication: label checks, moderation, "
        "followers. A draft still processing is published when its images are ready. An "
        "artwork that is no longer a draft is answered as it is (a repeated request).",
        request=None,
        responses={200: ArtworkDetailSerializer, **errors(400, 403, 404, 409)},
        tags=["artworks"],
    )
    def post(self, request: Request, pk: int) -> Response:
        artwork = _owned(request, pk)
        artwork_publish(artwork=artwork, artist=request.user)
        return artwork_response(request, artwork)


class DraftListView(APIView):
    @extend_schema(
        operation_id="me_drafts",
        summary="The caller's drafts",
        description="Newest first, at most 120. Nobody else ever sees them.",
        responses={200: ArtworkCardSerializer(many=True), **errors(403)},
        tags=["artworks"],
    )
    def get(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Sign in to list your drafts.")
        # A short, bounded list (no keyset pages): the tags of each card in one more query.
        rows = list(
            selectors.drafts_of(artist_id=request.user.pk, columns=CARD_COLUMNS).prefetch_related(
                "tags"
            )
        )
        data = ArtworkCardSerializer(rows, many=True, context={"request": request}).data
        return Response(data)
