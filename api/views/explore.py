"""Discovery for API clients: explore feeds, related work, the tag index, artist search and
staff picks. Same selectors, filters, caching and service as the site (gallery.explore,
gallery.services.explore)."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import FeedPreference, MaturePreference
from accounts.selectors import blocked_ids
from api.schema import errors
from api.serializers import (
    CARD_COLUMNS,
    ArtistBriefSerializer,
    ArtworkCardSerializer,
    ArtworkPageSerializer,
    PageParams,
)
from api.views.common import next_url, query
from gallery import explore, listing_cache, selectors, state
from gallery.access import artwork_for_viewer
from gallery.services.explore import EXPLORE_SCOPE, PICKS_SCOPE, staff_pick_set

FEED = OpenApiParameter(
    "feed",
    str,
    OpenApiParameter.PATH,
    enum=list(explore.FEEDS),
    description="`popular` (likes, saves and follows with time decay), `rising` (artists "
    "whose first public post is recent) or `picks` (moderators' picks, newest pick first).",
)


class ViewingParams(serializers.Serializer):
    show = serializers.ChoiceField(
        choices=FeedPreference.choices,
        required=False,
        help_text="The label filter (as in `GET /api/v1/artworks/`); defaults to the caller's "
        "preference, human-only for anonymous callers.",
    )
    mature = serializers.ChoiceField(
        choices=MaturePreference.choices,
        required=False,
        help_text="`hide` leaves mature work out; defaults to the caller's preference.",
    )


class ExploreParams(PageParams, ViewingParams):
    pass


class RelatedCardSerializer(ArtworkCardSerializer):
    reason = serializers.SerializerMethodField(
        help_text="Why it is related: `artist` (same artist), `tags` (shares tags) or "
        "`similar` (its image looks alike)."
    )

    def get_reason(self, artwork) -> str:
        return self.context["reasons"].get(artwork.pk, "artist")


class RelatedSerializer(serializers.Serializer):
    results = RelatedCardSerializer(many=True)


class TagCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField(help_text="Listed artworks carrying it under `show`.")


class TagIndexSerializer(serializers.Serializer):
    results = TagCountSerializer(many=True)
    show = serializers.ChoiceField(choices=FeedPreference.choices)


class ArtistSearchParams(serializers.Serializer):
    q = serializers.CharField(
        max_length=100, help_text="Words in the handle, display name or bio (`@` optional)."
    )


class ArtistResultSerializer(ArtistBriefSerializer):
    display_name = serializers.CharField()
    artwork_count = serializers.IntegerField()


class ArtistSearchSerializer(serializers.Serializer):
    results = ArtistResultSerializer(many=True)


class PickStateSerializer(serializers.Serializer):
    picked = serializers.BooleanField()


def _viewing(request: Request, params: dict) -> tuple[str, str]:
    preference = selectors.viewer_preference(request, params.get("show"))
    return preference, params.get("mature") or state.mature_preference(request)


def _hides_part(request: Request, hides: explore.ViewerHides) -> str:
    # Members with blocks or mutes get blocks of their own; everyone else shares.
    return f":{request.user.pk}:{hides.digest}" if hides else ""


class ExploreView(APIView):
    @extend_schema(
        operation_id="explore_list",
        summary="An explore feed: popular, rising or staff picks",
        description="Scores are computed every few minutes by a background task; the label "
        "filter, the mature filter and the caller's blocks and mutes apply. Keyset pages: "
        "follow `next` (scores move between recomputes, so a long walk may repeat a post).",
        parameters=[FEED, ExploreParams],
        responses={200: ArtworkPageSerializer, **errors(400, 404)},
        tags=["explore"],
    )
    def get(self, request: Request, feed: str) -> Response:
        if feed not in explore.FEEDS:
            raise Http404("No such explore feed.")
        params = query(request, ExploreParams)
        preference, mature = _viewing(request, params)
        after = params.get("after") or None
        explore.decode_explore_cursor(feed, after)
        hides = explore.viewer_hides(request.user)
        scope = PICKS_SCOPE if feed == explore.PICKS else EXPLORE_SCOPE
        current = listing_cache.versions([listing_cache.FEED, scope])
        key = current and listing_cache.listing_cache_key(
            surface="api-explore", argument=f"{feed}@{request.get_host()}",
            preference=preference, mature=mature, cursor=after,
            part=f"api:{params['page_size']}" + _hides_part(request, hides), versions=current,
        )  # fmt: skip
        etag = listing_cache.etag_for(key) if key else None
        if listing_cache.matches(request, etag):
            return listing_cache.not_modified(request, etag)

        def cards() -> tuple[list, str | None]:
            qs = explore.explore_listing(
                feed=feed, preference=preference, mature_preference=mature, hides=hides,
                columns=CARD_COLUMNS,
            )  # fmt: skip
            page = explore.explore_page(qs.prefetch_related("tags"), after, params["page_size"])
            data = ArtworkCardSerializer(page.items, many=True, context={"request": request}).data
            return [dict(card) for card in data], page.next_cursor

        results, cursor = listing_cache.get_or_render(key, cards)
        response = Response(
            {
                "results": results,
                "next": next_url(request, cursor),
                "show": preference,
                "mature": mature,
            }
        )
        return listing_cache.cacheable(request, response, etag)


class RelatedView(APIView):
    @extend_schema(
        operation_id="artworks_related",
        summary="Work related to an artwork",
        description="More by its artist, then other artists' work sharing its tags, then work "
        "that looks alike; under the label filter (human-only by default), the mature filter "
        "and the caller's blocks and mutes.",
        parameters=[ViewingParams],
        responses={200: RelatedSerializer, **errors(400, 404)},
        tags=["artworks"],
    )
    def get(self, request: Request, pk: int) -> Response:
        artwork = artwork_for_viewer(request, pk, surface=state.Surface.API_DETAIL)
        params = query(request, ViewingParams)
        preference, mature = _viewing(request, params)
        hides = explore.viewer_hides(request.user)
        current = (
            listing_cache.versions(
                [f"artwork:{artwork.pk}", f"artist:{artwork.artist_id}", listing_cache.FEED]
            )
            if artwork.is_public
            else None
        )
        key = current and listing_cache.listing_cache_key(
            surface="api-related", argument=f"{artwork.pk}@{request.get_host()}",
            preference=preference, mature=mature, cursor=None,
            part="related" + _hides_part(request, hides), versions=current,
        )  # fmt: skip

        def cards() -> list:
            related = explore.related_artworks(
                artwork=artwork, preference=preference, mature_preference=mature, hides=hides,
                columns=CARD_COLUMNS,
            )  # fmt: skip
            items = [*related.by_artist, *related.others]
            prefetch_related_objects(items, "tags")  # one query for every card's tags
            context = {"request": request, "reasons": related.reasons}
            return [dict(c) for c in RelatedCardSerializer(items, many=True, context=context).data]

        return Response({"results": listing_cache.get_or_render(key, cards)})


class TagIndexView(APIView):
    @extend_schema(
        operation_id="tags_list",
        summary="The most used tags, with counts",
        description="Counted every few minutes by a background task among the artworks the "
        "label filter (`show`) lists; the caller's muted tags are left out.",
        parameters=[ViewingParams],
        responses={200: TagIndexSerializer, **errors(400)},
        tags=["explore"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, ViewingParams)
        preference = selectors.viewer_preference(request, params.get("show"))
        rows, _key = explore.tag_index_cached(preference=preference)
        rows = explore.without_muted(rows, explore.viewer_hides(request.user))
        results = [{"name": r["name"], "slug": r["slug"], "count": r["count"]} for r in rows]
        return Response({"results": results, "show": preference})


class ArtistSearchView(APIView):
    @extend_schema(
        operation_id="artists_search",
        summary="Find artists by handle, name or bio",
        description=f"The best {explore.ARTIST_RESULTS} matches: the exact handle first, then "
        "handles starting with the text, names, bios. Members without a public post are not "
        "listed; nor are members the caller blocked or was blocked by.",
        parameters=[ArtistSearchParams],
        responses={200: ArtistSearchSerializer, **errors(400)},
        tags=["artists"],
    )
    def get(self, request: Request) -> Response:
        params = query(request, ArtistSearchParams)
        hides = explore.ViewerHides(blocked=blocked_ids(request.user))  # mutes hide work only
        found = explore.artist_search(text=params["q"], hides=hides)
        data = ArtistResultSerializer(found, many=True, context={"request": request}).data
        return Response({"results": data})


class StaffPickView(APIView):
    @extend_schema(
        operation_id="artworks_pick",
        summary="Add an artwork to the staff picks (moderators)",
        request=None,
        responses={200: PickStateSerializer, **errors(403, 404, 409)},
        tags=["explore"],
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, picked=True)

    @extend_schema(
        operation_id="artworks_unpick",
        summary="Take an artwork out of the staff picks (moderators)",
        request=None,
        responses={200: PickStateSerializer, **errors(403, 404)},
        tags=["explore"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, picked=False)

    @staticmethod
    def _set(request: Request, pk: int, *, picked: bool) -> Response:
        artwork = artwork_for_viewer(request, pk)
        return Response(
            {"picked": staff_pick_set(moderator=request.user, artwork=artwork, picked=picked)}
        )
