"""Serializers of portfolios (issue 17 item 4): shapes only; the rules are gallery's
(gallery.services.portfolio for writes, gallery.selectors.portfolio_of for what shows)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import CommissionStatus, FeedPreference, MaturePreference
from api.serializers import ArtistBriefSerializer, ArtworkCardSerializer, SingleLineField, absolute
from gallery.services.portfolio import (
    COMMISSION_NOTE_MAX,
    MAX_PINS,
    MAX_SECTION_WORKS,
    MAX_SECTIONS,
    SECTION_TITLE_MAX,
)


def _artwork_id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class PortfolioParams(serializers.Serializer):
    show = serializers.ChoiceField(
        choices=FeedPreference.choices,
        required=False,
        help_text="The label filter, as `GET /api/v1/artworks/`; defaults to the caller's "
        "(human-only for anonymous callers).",
    )
    mature = serializers.ChoiceField(choices=MaturePreference.choices, required=False)


class PortfolioSectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="section.pk")
    title = serializers.CharField()
    artworks = ArtworkCardSerializer(
        source="works",
        many=True,
        help_text="The section's works in the artist's order, those this caller may see.",
    )


class PortfolioSerializer(serializers.Serializer):
    artist = serializers.SerializerMethodField()
    banner = serializers.SerializerMethodField(
        help_text="The banner's public URL (a 1500 x 500 WebP with no metadata), or null."
    )
    commission_status = serializers.ChoiceField(
        choices=CommissionStatus.choices,
        help_text="`open`, `waitlist`, `closed`, or empty when the artist has not said.",
    )
    commission_note = serializers.CharField()
    links = serializers.ListField(
        child=serializers.CharField(),
        help_text='The artist\'s own sites (http or https); the site links them with rel="me".',
    )
    pinned = ArtworkCardSerializer(
        many=True, help_text=f"Up to {MAX_PINS} works in the artist's order."
    )
    sections = PortfolioSectionSerializer(
        many=True,
        help_text="In the artist's order. Others do not get sections with nothing they may see; "
        "the artist gets every section.",
    )

    @extend_schema_field(ArtistBriefSerializer)
    def get_artist(self, data) -> dict:
        return ArtistBriefSerializer(data["artist"], context=self.context).data

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_banner(self, data) -> str | None:
        banner = data["artist"].banner
        return absolute(self.context["request"], banner.url) if banner else None


class CommissionUpdate(serializers.Serializer):
    commission_status = serializers.ChoiceField(
        choices=CommissionStatus.choices, required=False, allow_blank=True
    )
    commission_note = SingleLineField(
        max_length=COMMISSION_NOTE_MAX, required=False, allow_blank=True
    )


class PinsUpdate(serializers.Serializer):
    artwork_ids = serializers.ListField(
        child=_artwork_id(),
        max_length=100,
        help_text=f"The works to pin, in order (at most {MAX_PINS}; an empty list unpins all). "
        "Each must be the caller's own; newly pinned ones must be published publicly.",
    )


class SectionCreate(serializers.Serializer):
    title = SingleLineField(max_length=SECTION_TITLE_MAX)
    artwork_ids = serializers.ListField(
        child=_artwork_id(),
        max_length=MAX_SECTION_WORKS * 2,
        required=False,
        default=list,
        help_text=f"The section's works, in order (at most {MAX_SECTION_WORKS}).",
    )


class SectionUpdate(serializers.Serializer):
    title = SingleLineField(max_length=SECTION_TITLE_MAX, required=False)
    artwork_ids = serializers.ListField(
        child=_artwork_id(),
        max_length=MAX_SECTION_WORKS * 2,
        required=False,
        help_text="Replaces the section's works, in this order.",
    )


class SectionsOrder(serializers.Serializer):
    section_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=MAX_SECTIONS * 2,
        help_text="Every one of the caller's sections, once each, in the new order.",
    )
