"""What the API sends and accepts.

Output serializers read model instances; the request serializers only describe the shape of
the input for the schema: the rules and their messages are the site's forms (gallery.forms),
applied in the views, so the API never has a second set of rules.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import (
    ApiToken,
    EmailChoice,
    FeedPreference,
    MaturePreference,
    Notification,
    NotificationKind,
    User,
)
from config.text import validate_single_line
from gallery import credentials, selectors, state
from gallery.evidence import evidence_fields
from gallery.forms import MAX_TAGS, ArtworkEditForm, ArtworkFieldsForm
from gallery.models import AiStage, Artwork, ArtworkImage, Label, LabelChange, Medium, Verdict

FORM_FIELDS = ArtworkFieldsForm.base_fields
EVIDENCE_KINDS = [
    ("ai-generated", "AI-generated"),
    ("ai-assisted", "AI-assisted"),
    ("human", "Human"),
    ("info", "Information"),
]


class SingleLineField(serializers.CharField):
    """A ``CharField`` for one line of text: control characters are a 400 with a field error
    (the rule of ``config.text``, as on the site's forms)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_single_line)


def absolute(request, url: str) -> str | None:
    return request.build_absolute_uri(url) if url else None


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field; `non_field_errors` for the rest. Empty unless the input "
        "was invalid.",
    )


# --- Artists -----------------------------------------------------------------------------------


class ArtistBriefSerializer(serializers.Serializer):
    handle = serializers.CharField()
    name = serializers.CharField()
    avatar = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The artist's page on the site.")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_avatar(self, user: User) -> str | None:
        return absolute(self.context["request"], user.avatar.url) if user.avatar else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, user: User) -> str:
        return absolute(self.context["request"], user.get_absolute_url())


class ArtistSerializer(ArtistBriefSerializer):
    display_name = serializers.CharField()
    bio = serializers.CharField()
    links = serializers.ListField(child=serializers.CharField())
    follower_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    artwork_count = serializers.IntegerField()
    joined_at = serializers.DateTimeField(source="date_joined")
    is_following = serializers.SerializerMethodField(
        help_text="Whether the caller follows this artist; null for anonymous callers."
    )

    def get_is_following(self, user: User) -> bool | None:
        return self.context.get("is_following")


class FollowStateSerializer(serializers.Serializer):
    following = serializers.BooleanField()
    follower_count = serializers.IntegerField()


class BlockStateSerializer(serializers.Serializer):
    blocked = serializers.BooleanField(help_text="Whether the caller now blocks this member.")
    changed = serializers.BooleanField(help_text="False when it already was so (a repeat).")


class MuteStateSerializer(serializers.Serializer):
    muted = serializers.BooleanField(help_text="Whether the caller now mutes it.")
    changed = serializers.BooleanField(help_text="False when it already was so (a repeat).")


class PersonSerializer(ArtistBriefSerializer):
    """A member in a followers or following list."""

    follower_count = serializers.IntegerField()
    artwork_count = serializers.IntegerField()


class PersonPageSerializer(serializers.Serializer):
    results = PersonSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class BlockSerializer(serializers.Serializer):
    member = ArtistBriefSerializer(source="blocked")
    created_at = serializers.DateTimeField()


class BlockPageSerializer(serializers.Serializer):
    results = BlockSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class MuteSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    artist = ArtistBriefSerializer(allow_null=True, help_text="The muted artist (kind artist).")
    tag = serializers.SerializerMethodField(help_text="The muted tag's slug (kind tag).")
    created_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "enum": ["artist", "tag"]})
    def get_kind(self, mute) -> str:
        return "artist" if mute.artist_id else "tag"

    @extend_schema_field({"type": "string", "nullable": True})
    def get_tag(self, mute) -> str | None:
        return mute.tag.slug if mute.tag_id else None


class MutePageSerializer(serializers.Serializer):
    results = MuteSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class MeSerializer(serializers.Serializer):
    handle = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    feed_preference = serializers.ChoiceField(
        choices=FeedPreference.choices,
        help_text="The default label filter (`show`) of every listing.",
    )
    mature_preference = serializers.ChoiceField(
        choices=MaturePreference.choices,
        help_text="Mature work: `show` it, `blur` it behind a click (cards carry `mature`), or "
        "`hide` it from listings. The default `mature` filter of every listing.",
    )
    trust_level = serializers.IntegerField()
    is_moderator = serializers.BooleanField()
    is_trusted_reviewer = serializers.BooleanField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    token_scope = serializers.SerializerMethodField(
        help_text="The scope of the token this request used; null for the site session."
    )

    def get_token_scope(self, user: User) -> str | None:
        token = self.context["request"].auth
        return token.scope if isinstance(token, ApiToken) else None


class MeUpdate(serializers.Serializer):
    """What a member may change through the API: their viewing preferences."""

    mature_preference = serializers.ChoiceField(choices=MaturePreference.choices)


# --- Artworks ----------------------------------------------------------------------------------


class ImageSourceSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField(help_text="webp or jpeg")


class ImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ArtworkImage.Kind.choices)
    position = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt_text = serializers.CharField()
    placeholder = serializers.CharField(help_text="A dominant colour (#rrggbb) to show first.")
    sources = serializers.SerializerMethodField(
        help_text="Rendered sizes, WebP and JPEG, with their widths (for srcset)."
    )

    @extend_schema_field(ImageSourceSerializer(many=True))
    def get_sources(self, image: ArtworkImage) -> list[dict]:
        request = self.context["request"]
        return [
            {
                "url": absolute(request, image.derivative_url(d)),
                "width": d["width"],
                "height": d["height"],
                "format": d["format"],
            }
            for d in image.public_derivatives
        ]


class ArtworkImageSerializer(ImageSerializer):
    """An image of the artwork detail: its sources, and the zoom copy where the artist allows."""

    zoom = serializers.SerializerMethodField(
        help_text="A larger copy for zooming in (long side up to the site's zoom size, never "
        "larger than the upload, WebP), only when the artist allows full-resolution zoom and "
        "the image is larger than its widest source; null otherwise."
    )

    @extend_schema_field(ImageSourceSerializer(allow_null=True))
    def get_zoom(self, image: ArtworkImage) -> dict | None:
        zoom = image.zoom_derivative
        if zoom is None or not self.context.get("allow_zoom"):
            return None
        return {
            "url": absolute(self.context["request"], image.derivative_url(zoom)),
            "width": zoom["width"],
            "height": zoom["height"],
            "format": zoom["format"],
        }


class EvidenceSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="Where it was read: c2pa, xmp, exif, png text…")
    field = serializers.CharField()
    value = serializers.CharField()
    kind = serializers.ChoiceField(choices=EVIDENCE_KINDS)
    summary = serializers.CharField()


class ImageProcessingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ArtworkImage.Kind.choices)
    position = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ArtworkImage.State.choices)
    error = serializers.CharField(help_text="Why processing failed, in plain words.")
    provenance_verdict = serializers.ChoiceField(choices=Verdict.choices, allow_blank=True)
    evidence = serializers.SerializerMethodField(
        help_text="What the file's own metadata says (C2PA, IPTC, EXIF, generator chunks)."
    )
    original_url = serializers.SerializerMethodField(help_text="The original file (private).")

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, image: ArtworkImage) -> list[dict]:
        items = (image.provenance or {}).get("evidence") or []
        return [evidence_fields(item) for item in items if isinstance(item, dict)]

    @extend_schema_field(OpenApiTypes.URI)
    def get_original_url(self, image: ArtworkImage) -> str:
        return absolute(self.context["request"], reverse("gallery:original", args=[image.pk]))


class ProcessingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Artwork.Status.choices)
    status_reason = serializers.CharField()
    provenance_verdict = serializers.ChoiceField(choices=Verdict.choices, allow_blank=True)
    label_mismatch = serializers.BooleanField(
        help_text="The files' metadata contradicts the label: kept out of human-only listings "
        "until a moderator or a relabel settles it."
    )
    held = serializers.BooleanField(help_text="Held back from human-only listings by moderation.")
    images = serializers.SerializerMethodField()

    @extend_schema_field(ImageProcessingSerializer(many=True))
    def get_images(self, artwork: Artwork) -> list[dict]:
        return ImageProcessingSerializer(
            self.context["images"], many=True, context=self.context
        ).data


class BadgeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(k.value, k.value) for k in state.BadgeKind],
        help_text="`label` when nothing disputes the label; otherwise why the badge differs.",
    )
    text = serializers.CharField(help_text="What the badge says on the site.")
    why = serializers.CharField(help_text="One line: why the badge is not the plain label.")


class ArtworkCardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The artwork's page on the site.")
    artist = ArtistBriefSerializer()
    label = serializers.ChoiceField(choices=Label.choices)
    badge = serializers.SerializerMethodField(
        help_text="The badge the site shows (gallery.state): the plain label only when nothing "
        "disputes it."
    )
    iptc_digital_source_type = serializers.URLField(source="iptc_source_type")
    ai_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=AiStage.choices),
        help_text="For AI-assisted work: the steps that used AI.",
    )
    ai_note = serializers.CharField()
    medium = serializers.ChoiceField(choices=Medium.choices)
    mature = serializers.BooleanField(
        help_text="Marked as mature content (by the artist or moderators): blur it unless the "
        "viewer opted in."
    )
    tags = serializers.SerializerMethodField()
    like_count = serializers.IntegerField()
    comment_count = serializers.IntegerField(
        help_text="Visible comments and replies (the listings' copy may lag up to 30 seconds, "
        "as the like count does)."
    )
    image_count = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    # Declared, not built per card in a method: DRF copies a serializer's fields each time one
    # is made, which cost half of a cold API page's serializing (docs/performance.md).
    cover = ImageSerializer(allow_null=True, read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, artwork: Artwork) -> str:
        return absolute(self.context["request"], artwork.get_absolute_url())

    def get_tags(self, artwork: Artwork) -> list[str]:
        # .all(), not a filter or order_by: it must read the listing's prefetch_related("tags")
        # (api.views.listing), or every card would cost a query.
        return [t.name for t in artwork.tags.all()]

    @extend_schema_field(BadgeSerializer)
    def get_badge(self, artwork: Artwork) -> dict:
        badge = state.badge(state.Facts.of(artwork))
        return {"kind": badge.kind.value, "text": badge.text, "why": badge.why}


# The columns ArtworkCardSerializer reads beyond a site card's (gallery.selectors.CARD_COLUMNS):
# the API list loads exactly these (api.views.listing), so a field added above needs its
# column here or each card costs a query (tests/gallery/test_lean_listings.py counts them).
CARD_COLUMNS = (
    *selectors.CARD_COLUMNS,
    "ai_stages", "ai_note", "medium", "image_count",
    "artist__avatar", "cover__kind", "cover__position",
)  # fmt: skip


class LabelChangeSerializer(serializers.Serializer):
    from_label = serializers.ChoiceField(choices=Label.choices, allow_blank=True)
    to_label = serializers.ChoiceField(choices=Label.choices)
    by = serializers.ChoiceField(choices=LabelChange.By.choices)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ArtworkDetailSerializer(ArtworkCardSerializer):
    description = serializers.CharField()
    visibility = serializers.ChoiceField(
        choices=Artwork.Visibility.choices,
        help_text="`unlisted`: reachable by this URL, in no listing, search or feed.",
    )
    cover_id = serializers.IntegerField(allow_null=True, help_text="The cover image's id.")
    comments_enabled = serializers.BooleanField(
        help_text="Whether new comments are accepted (the artist can turn them off)."
    )
    images = serializers.SerializerMethodField(help_text="The final images, in order.")
    process_images = serializers.SerializerMethodField(help_text="Process / WIP images.")
    label_history = serializers.SerializerMethodField()
    liked = serializers.SerializerMethodField(
        help_text="Whether the caller likes it; null for anonymous callers."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    processing = serializers.SerializerMethodField(
        help_text="Processing state and provenance verdicts: for the artist and moderators "
        "only, null for everyone else."
    )
    public_collection_count = serializers.IntegerField(
        help_text="How many public collections (of any member) hold this artwork."
    )
    content_credentials_no_ai = serializers.SerializerMethodField(
        help_text="True when every final image carries valid Content Credentials from a "
        "trusted signer recording camera capture or human work, and no file of the post says "
        "AI: the site then shows “Content Credentials: no generative AI recorded”."
    )

    def get_content_credentials_no_ai(self, artwork: Artwork) -> bool:
        return credentials.no_ai_recorded(self.context["images"])

    def _images(self, artwork: Artwork, kind: str) -> list[dict]:
        # Only ready images have derivatives to point at; the artist and moderators see the
        # others' state in ``processing``.
        ready = [i for i in self.context["images"] if i.kind == kind and i.state == i.State.READY]
        context = {**self.context, "allow_zoom": artwork.artist.allow_zoom}
        return ArtworkImageSerializer(ready, many=True, context=context).data

    @extend_schema_field(ArtworkImageSerializer(many=True))
    def get_images(self, artwork: Artwork) -> list[dict]:
        return self._images(artwork, ArtworkImage.Kind.FINAL)

    @extend_schema_field(ArtworkImageSerializer(many=True))
    def get_process_images(self, artwork: Artwork) -> list[dict]:
        return self._images(artwork, ArtworkImage.Kind.PROCESS)

    @extend_schema_field(LabelChangeSerializer(many=True))
    def get_label_history(self, artwork: Artwork) -> list[dict]:
        return LabelChangeSerializer(artwork.label_changes.all(), many=True).data

    def get_liked(self, artwork: Artwork) -> bool | None:
        return self.context.get("liked")

    @extend_schema_field(ProcessingSerializer(allow_null=True))
    def get_processing(self, artwork: Artwork) -> dict | None:
        if not self.context.get("can_manage"):
            return None
        return ProcessingSerializer(artwork, context=self.context).data


class ArtworkPageSerializer(serializers.Serializer):
    results = ArtworkCardSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next page, or null on the last one."
    )
    show = serializers.ChoiceField(
        choices=FeedPreference.choices, help_text="The label filter that was applied."
    )
    mature = serializers.ChoiceField(
        choices=MaturePreference.choices,
        help_text="The mature filter that was applied (`hide`: none listed).",
    )


class LikeStateSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


# --- Query parameters --------------------------------------------------------------------------


class PageParams(serializers.Serializer):
    after = serializers.CharField(
        required=False,
        max_length=200,
        help_text="The cursor from the previous page's `next` link.",
    )
    # Capped: a keyset page reads page_size + 1 rows, so the cap bounds one request's work.
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=24)


class ArtworkFilterParams(PageParams):
    show = serializers.ChoiceField(
        choices=FeedPreference.choices,
        required=False,
        help_text="The label filter: `human` (human-made only), `assisted-minor` (plus AI used "
        "only for reference or upscaling), `assisted` (plus AI-assisted) or `all`. Defaults to "
        "the caller's feed preference; human-only for anonymous callers.",
    )
    mature = serializers.ChoiceField(
        choices=MaturePreference.choices,
        required=False,
        help_text="Mature work: `hide` leaves it out; `show` and `blur` list it (each card says "
        "`mature`; blurring is the client's job). Defaults to the caller's mature preference; "
        "`blur` for anonymous callers.",
    )
    tag = serializers.CharField(required=False, max_length=100)
    medium = serializers.ChoiceField(choices=Medium.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="Full-text search.")


class ArtworkListParams(ArtworkFilterParams):
    artist = serializers.CharField(required=False, max_length=30, help_text="An artist's handle.")
    following = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only artists the caller follows (needs authentication).",
    )


class NotificationParams(PageParams):
    unread = serializers.BooleanField(required=False, default=False)


# --- Requests (shape only: the rules are gallery.forms) -----------------------------------------


def _choices(name: str) -> list[tuple[str, str]]:
    # As ArtworkFieldsForm.__init__ narrows the labels, but once, at import: the schema shows
    # the setting the process started with, while the form still checks it on every request.
    choices = list(FORM_FIELDS[name].choices)
    if name == "label" and not settings.ATELIER_ALLOW_AI_GENERATED:
        choices = [c for c in choices if c[0] != Label.GENERATED]
    return choices


class ArtworkFields(serializers.Serializer):
    title = serializers.CharField(max_length=FORM_FIELDS["title"].max_length)
    description = serializers.CharField(
        max_length=FORM_FIELDS["description"].max_length, required=False, allow_blank=True
    )
    medium = serializers.ChoiceField(choices=_choices("medium"))
    label = serializers.ChoiceField(
        choices=_choices("label"),
        help_text="human-made, ai-assisted (say which steps in ai_stages) or ai-generated.",
    )
    ai_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=_choices("ai_stages")),
        required=False,
        help_text="The disclosure: which steps used AI. Required for ai-assisted.",
    )
    ai_note = serializers.CharField(
        max_length=FORM_FIELDS["ai_note"].max_length,
        required=False,
        allow_blank=True,
        help_text="Anything else about how AI was used; required when ai_stages has `other`.",
    )
    mature = serializers.BooleanField(
        required=False,
        help_text="Mature content (nudity, gore…): blurred or hidden for viewers who have not "
        "opted in. Default false on upload; left out of an edit, it keeps its value.",
    )
    visibility = serializers.ChoiceField(
        choices=Artwork.Visibility.choices,
        required=False,
        help_text="`public` (default) or `unlisted`: reachable by its URL, in no listing.",
    )


class ArtworkCreate(ArtworkFields):
    # Text here, a list in ArtworkUpdate: an upload is multipart form data, an edit JSON.
    # api.views.common.form_data reads either shape on both.
    draft = serializers.BooleanField(
        required=False,
        help_text="Keep it as a draft once processed; publish it later. Default false.",
    )
    tags = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Comma-separated, at most {MAX_TAGS} (or repeat the field).",
    )
    images = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        help_text=f"The final images: JPEG, PNG, WebP or GIF, at most "
        f"{settings.ATELIER_MAX_IMAGES_PER_POST} per post with the process images.",
    )
    process_images = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Optional process / WIP images.",
    )
    alt_text = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        help_text="Alt text for each file, in order (images first, then process images).",
    )


class ArtworkUpdate(ArtworkFields):
    """Every field optional: what is left out keeps its current value."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=MAX_TAGS
    )
    reason = serializers.CharField(
        max_length=ArtworkEditForm.base_fields["reason"].max_length,
        required=False,
        allow_blank=True,
        help_text="Why the label changed (shown in the label history).",
    )
    alt_texts = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        required=False,
        help_text="New alt text by image id.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


# --- Tokens and notifications --------------------------------------------------------------------


class TokenObtain(serializers.Serializer):
    login = SingleLineField(max_length=254, help_text="Handle or email address.")
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    name = SingleLineField(
        max_length=60, required=False, default="API token", help_text="Shown on the token page."
    )
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices, required=False, default=ApiToken.Scope.WRITE
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: shown this once, keep it secret.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    key_prefix = serializers.CharField()


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField(
        help_text="Handle of who caused it (the latest one, for a batch); null for none."
    )
    count = serializers.IntegerField(
        help_text="How many events it stands for: likes on one post in a day are one row."
    )
    created_at = serializers.DateTimeField(
        help_text="When it happened; a batch moves up to its latest event."
    )
    read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_actor(self, notification: Notification) -> str | None:
        return notification.actor.handle if notification.actor_id else None

    # Stored as a site path ("/about/labels/"); a client outside the site needs the host.
    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_url(self, notification: Notification) -> str | None:
        return absolute(self.context["request"], notification.url)


class NotificationPageSerializer(serializers.Serializer):
    results = NotificationSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many notifications changed.")


class NotificationChoiceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    label = serializers.CharField(read_only=True)
    in_site = serializers.BooleanField(help_text="Shown in your notifications list.")
    email = serializers.ChoiceField(
        choices=EmailChoice.choices,
        help_text="immediate, daily or weekly (a digest), or off.",
    )
    in_site_locked = serializers.BooleanField(
        read_only=True,
        help_text="Always shown in the list (moderation decisions about your own posts).",
    )


class NotificationSettingsSerializer(serializers.Serializer):
    settings = NotificationChoiceSerializer(many=True)


class NotificationChoiceUpdate(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    in_site = serializers.BooleanField(required=False)
    email = serializers.ChoiceField(choices=EmailChoice.choices, required=False)


class NotificationSettingsUpdate(serializers.Serializer):
    settings = NotificationChoiceUpdate(
        many=True, help_text="The kinds to change; kinds left out keep their choice."
    )
