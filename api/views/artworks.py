"""Artworks: the listing, uploads, one artwork (read, edit, delete) and likes.

Every rule is the site's: gallery.forms for the fields, gallery.services.upload for the files
and allowances, gallery.access for who may see or change what.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from api.exceptions import form_errors
from api.schema import errors
from api.serializers import (
    ArtworkCreate,
    ArtworkDetailSerializer,
    ArtworkListParams,
    ArtworkPageSerializer,
    ArtworkUpdate,
    LikeStateSerializer,
)
from api.views.common import form_data, query, tags_text
from api.views.listing import artwork_listing, empty_listing
from gallery import state
from gallery.access import artwork_for_owner, artwork_for_viewer, can_manage
from gallery.forms import ArtworkEditForm, UploadForm
from gallery.models import Artwork, Like
from gallery.services.artworks import artwork_delete, artwork_edit, like_set
from gallery.services.upload import artwork_upload
from gallery.services.upload_keys import MAX_KEY_LENGTH, UploadReplayed

TEXT_FIELDS = ("title", "description", "medium", "tags", "label", "ai_note", "visibility")


def artwork_response(request: Request, artwork: Artwork, **kwargs) -> Response:
    """The artwork as its detail; processing and provenance only for its artist and moderators."""
    images = list(artwork.images.all())
    # The cover is one of the images just read: taken from them, not through the FK, which
    # not every caller's query loaded (artwork_for_owner does not).
    artwork.cover = next((i for i in images if i.pk == artwork.cover_id), None)
    user = request.user
    liked = (
        Like.objects.filter(user_id=user.pk, artwork=artwork).exists()
        if user.is_authenticated
        else None
    )
    context = {
        "request": request,
        "images": images,
        "can_manage": can_manage(user, artwork),
        "liked": liked,
    }
    return Response(ArtworkDetailSerializer(artwork, context=context).data, **kwargs)


MATURE_WORDS = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False}


def _mature(data) -> bool | None:
    """The ``mature`` field (JSON true/false, or a form field's true/false/1/0/on/off), None
    when it is left out; 400 for anything else."""
    return _flag(data, "mature")


def _flag(data, name: str) -> bool | None:
    """A true/false field ``name`` read strictly (see ``_mature``); None when left out."""
    if not hasattr(data, "get") or name not in data:
        return None
    raw = data.getlist(name)[-1] if hasattr(data, "getlist") else data[name]
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in MATURE_WORDS:
        return MATURE_WORDS[raw.strip().lower()]
    raise exceptions.ValidationError({name: ["Expected true or false."]})


def _idempotency_key(request: Request) -> str:
    """The ``Idempotency-Key`` header: optional, printable ASCII, at most 255 characters."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise exceptions.ValidationError(
            {"idempotency_key": [f"Send at most {MAX_KEY_LENGTH} printable ASCII characters."]}
        )
    return key


def _already_posted(request: Request, artwork_id: int) -> Response:
    """A replayed key answers 200 with the post it made, not a second post."""
    # 200, not 201: this request created nothing, and the client can tell a retry that
    # landed from a first post.
    artwork = Artwork.objects.select_related("artist").get(pk=artwork_id)
    return artwork_response(request, artwork, status=status.HTTP_200_OK)


class ArtworkListView(APIView):
    # No JSONParser: an upload carries files, so a JSON body is a 415, not a post without images.
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="artworks_list",
        summary="Listed artworks, newest first",
        description="Published artworks filtered by the label filter (`show`) and the other "
        "filters, newest first. Keyset pages: follow `next`; there are no counts.",
        parameters=[ArtworkListParams],
        responses={200: ArtworkPageSerializer, **errors(400)},
        tags=["artworks"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, ArtworkListParams)
        filters = {}
        if params["following"]:
            if not request.user.is_authenticated:
                raise exceptions.NotAuthenticated("Sign in to list the artists you follow.")
            filters["following_of"] = request.user.pk
        if params.get("artist"):
            artist_id = (
                User.objects.by_handle(params["artist"])
                .filter(is_active=True)
                .values_list("pk", flat=True)
                .first()
            )
            # A filter, not a resource: an unknown handle matches nothing (an empty page),
            # where GET /artists/<handle>/artworks/ answers 404.
            if artist_id is None:
                return empty_listing(request, params)
            filters["artist_id"] = artist_id
        return artwork_listing(request, params, **filters)

    @extend_schema(
        operation_id="artworks_create",
        summary="Post an artwork",
        description="Multipart form data, as the site's upload form: the fields, one or more "
        "`images` and optional `process_images`. Every file is checked (real format, size, "
        "pixels) before anything is stored. The artwork starts in `processing`; its "
        "`processing` block shows the progress. `draft=true` keeps it as a draft once "
        "processed (publish it with POST /artworks/{id}/publish/); `visibility=unlisted` "
        "keeps it out of every listing. With an `Idempotency-Key` header (any "
        "printable string up to 255 characters, kept for a day per member) a repeated "
        "request answers 200 with the artwork the first one made instead of posting again.",
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
        request={"multipart/form-data": ArtworkCreate},
        responses={
            201: ArtworkDetailSerializer,
            200: OpenApiResponse(
                ArtworkDetailSerializer, description="Already posted with this key."
            ),
            **errors(400, 403, 413, 415),
        },
        tags=["artworks"],
    )
    def post(self, request: Request) -> Response:
        finals = request.FILES.getlist("images")
        process = request.FILES.getlist("process_images")
        data = form_data(request.data, fields=TEXT_FIELDS, list_fields=("ai_stages", "alt_text"))
        form = UploadForm(data, files_present=len(finals))
        if not form.is_valid():
            raise form_errors(form)
        # ``mature`` and ``draft`` are parsed here, strictly (a BooleanField would read any
        # word as true).
        mature = _mature(request.data) or False
        draft = _flag(request.data, "draft") or False
        # Refusals (RateLimited, Invalid) are answered by api.exceptions.exception_handler.
        try:
            artwork = artwork_upload(
                artist=request.user,
                fields={**form.cleaned_data, "mature": mature, "draft": draft},
                finals=finals,
                process=process,
                idempotency_key=_idempotency_key(request),
            )
        except UploadReplayed as exc:
            return _already_posted(request, exc.artwork_id)
        # RFC 9110 §15.3.2: without Location a 201 names the request's URL (the listing).
        location = request.build_absolute_uri(reverse("api:artwork", args=[artwork.pk]))
        return artwork_response(
            request, artwork, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class ArtworkDetailView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # As on the site, a suspended artist may still delete their own work.
    suspended_may = ("DELETE",)

    @extend_schema(
        operation_id="artworks_retrieve",
        summary="One artwork",
        description="Anyone may read a published artwork. Its artist and moderators also see "
        "it while it is processing, failed or removed, with the `processing` block (state "
        "per image, provenance verdicts and evidence); for everyone else that is null.",
        responses={200: ArtworkDetailSerializer, **errors(404)},
        tags=["artworks"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return artwork_response(
            request, artwork_for_viewer(request, pk, surface=state.Surface.API_DETAIL)
        )

    @extend_schema(
        operation_id="artworks_partial_update",
        summary="Edit an artwork (its artist only)",
        description="The fields left out keep their values. A label change is recorded in the "
        "label history with `reason`. `visibility`: `unlisted` keeps the artwork out of every "
        "listing (it still opens by its URL), `public` lists it again.",
        request={"application/json": ArtworkUpdate},
        responses={200: ArtworkDetailSerializer, **errors(400, 403, 404, 415)},
        tags=["artworks"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        artwork = artwork_for_owner(request, pk)
        # The edit form wants every field: the current values stand in for those left out,
        # so its cross-field rules (ai_stages for ai-assisted) judge the post as it will be.
        current = {
            "title": artwork.title,
            "description": artwork.description,
            "medium": artwork.medium,
            "tags": tags_text([t.name for t in artwork.tags.all()]),
            "label": artwork.label,
            "ai_stages": artwork.ai_stages,
            "ai_note": artwork.ai_note,
            "visibility": artwork.visibility,
        }
        data = form_data(
            request.data,
            fields=(*TEXT_FIELDS, "reason"),
            list_fields=("ai_stages",),
            base=current,
        )
        if hasattr(request.data, "get") and "alt_texts" in request.data:
            # Handed to the form as sent: its AltTextsField checks the shape and the text.
            data["alt_texts"] = request.data.get("alt_texts")
        form = ArtworkEditForm(data)
        if not form.is_valid():
            raise form_errors(form)
        # Not the form's: its BooleanField reads a field left out as False, which would clear
        # the mark on every edit. None (left out) keeps the current value.
        mature = _mature(request.data)
        artwork = artwork_edit(
            artwork=artwork,
            editor=request.user,
            **{**ArtworkEditForm.edit_arguments(form.cleaned_data), "mature": mature},
        )
        return artwork_response(request, artwork)

    @extend_schema(
        operation_id="artworks_destroy",
        summary="Delete an artwork (its artist only)",
        responses={204: OpenApiResponse(description="Deleted."), **errors(403, 404)},
        tags=["artworks"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        artwork_delete(artwork=artwork_for_owner(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ArtworkLikeView(APIView):
    @extend_schema(
        operation_id="artworks_like",
        summary="Like an artwork",
        request=None,
        responses={200: LikeStateSerializer, **errors(403, 404)},
        tags=["artworks"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, liked=True)

    @extend_schema(
        operation_id="artworks_unlike",
        summary="Take a like back",
        request=None,
        responses={200: LikeStateSerializer, **errors(403, 404)},
        tags=["artworks"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, liked=False)

    @staticmethod
    def _set(request: Request, pk: int, *, liked: bool) -> Response:
        # A post the caller may not see is a 404 here too: a like must not confirm it exists.
        artwork = artwork_for_viewer(request, pk)
        count = like_set(user=request.user, artwork=artwork, liked=liked)
        return Response({"liked": liked, "like_count": count})
