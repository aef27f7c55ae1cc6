"""Serializers of collections (issue 16 item 2): shapes only; the rules are community's."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import FeedPreference, MaturePreference
from api.serializers import (
    ArtistBriefSerializer,
    ArtworkCardSerializer,
    ImageSerializer,
    SingleLineField,
    absolute,
)
from community.collections import DESCRIPTION_MAX, TITLE_MAX
from community.models import Collection


class CollectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    public = serializers.BooleanField(
        help_text="Public collections are listed and have a feed; private ones answer 404 to "
        "everyone but their owner."
    )
    hidden = serializers.BooleanField(
        source="is_hidden",
        help_text="Hidden by moderators after a report: shown to its owner alone (true only "
        "in the owner's own answers; everyone else gets 404).",
    )
    url = serializers.SerializerMethodField(help_text="The collection's page on the site.")
    feed = serializers.SerializerMethodField(
        help_text="Its Atom feed (public collections only; null otherwise)."
    )
    owner = ArtistBriefSerializer()
    visible_count = serializers.IntegerField(
        help_text="Saved works the caller sees under the label filter and mature choice "
        "applied (`show`, `mature`); removed or hidden works are never counted."
    )
    item_count = serializers.IntegerField(
        help_text="Every saved row, shown or not (what the per-collection limit counts)."
    )
    cover_artwork = serializers.IntegerField(
        source="cover_pick",
        allow_null=True,
        help_text="The artwork shown as the cover: the chosen one while it shows and is not "
        "mature, else the newest visible save; null when nothing shows.",
    )
    cover = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, collection: Collection) -> str:
        return absolute(self.context["request"], collection.get_absolute_url())

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_feed(self, collection: Collection) -> str | None:
        # A private collection has no feed: a feed reader cannot sign in, and a feed URL
        # that answered 404 would only confirm the collection exists.
        if not collection.is_listed:
            return None
        return absolute(self.context["request"], collection.get_absolute_url() + "feed.atom")

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_cover(self, collection: Collection) -> dict | None:
        # ``cover_work`` is chosen by the selector for this viewer (the set cover, or the
        # newest visible save when that one no longer shows): never a removed or mature work.
        work = getattr(collection, "cover_work", None)
        if work is None or work.cover is None:
            return None
        return ImageSerializer(work.cover, context=self.context).data


class CollectionPageSerializer(serializers.Serializer):
    results = CollectionSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class CollectionWorkSerializer(ArtworkCardSerializer):
    saved_at = serializers.DateTimeField(help_text="When it was saved into this collection.")


class CollectionWorksPageSerializer(serializers.Serializer):
    results = CollectionWorkSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    show = serializers.ChoiceField(choices=FeedPreference.choices)
    mature = serializers.ChoiceField(choices=MaturePreference.choices)


class CollectionParams(serializers.Serializer):
    after = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=24)
    show = serializers.ChoiceField(
        choices=FeedPreference.choices,
        required=False,
        help_text="The label filter, as `GET /api/v1/artworks/`; defaults to the caller's.",
    )
    mature = serializers.ChoiceField(choices=MaturePreference.choices, required=False)


class CollectionCreate(serializers.Serializer):
    title = SingleLineField(max_length=TITLE_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    public = serializers.BooleanField(required=False, default=True)


class CollectionUpdate(serializers.Serializer):
    title = SingleLineField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True
    )
    public = serializers.BooleanField(required=False)
    cover_artwork = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A saved work's id to use as the cover; null for the automatic one.",
    )


class CollectionItemAdd(serializers.Serializer):
    artwork = serializers.IntegerField(min_value=1, help_text="The artwork's id.")


class SavedStateSerializer(serializers.Serializer):
    saved = serializers.BooleanField()
    created = serializers.BooleanField(help_text="False when it was saved already.")
