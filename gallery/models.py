"""Artworks, their images and derivatives, and the history of their labels."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from gallery.storage import private_storage, stored_public_url

IPTC_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"


class Label(models.TextChoices):
    HUMAN = "human-made", "Human-made"
    ASSISTED = "ai-assisted", "AI-assisted"
    GENERATED = "ai-generated", "AI-generated"


LABEL_EXPLANATIONS = {
    Label.HUMAN: "Made by a person without generative AI. Ordinary digital tools (brushes, "
    "filters, 3D, photo editing) are fine.",
    Label.ASSISTED: "A person made it, and generative AI helped with some steps: the artist "
    "says which ones.",
    Label.GENERATED: "The image was produced by a generative AI model from a prompt, with or "
    "without light editing afterwards.",
}
# The IPTC Digital Source Type that states each label in standard metadata (JSON-LD).
LABEL_IPTC = {
    Label.HUMAN: IPTC_BASE + "digitalCreation",
    Label.ASSISTED: IPTC_BASE + "compositeWithTrainedAlgorithmicMedia",
    Label.GENERATED: IPTC_BASE + "trainedAlgorithmicMedia",
}


class AiStage(models.TextChoices):
    REFERENCE = "reference", "Ideation or reference"
    SKETCH = "sketch", "Sketch"
    LINEART = "lineart", "Line art"
    COLOUR = "colour", "Colour"
    BACKGROUND = "background", "Background"
    TEXTURE = "texture", "Texture"
    UPSCALING = "upscaling", "Upscaling"
    OTHER = "other", "Other"


# Stages that the "AI only for reference or upscaling" feed preset still accepts.
MINOR_AI_STAGES = frozenset({AiStage.REFERENCE, AiStage.UPSCALING})


class Medium(models.TextChoices):
    DIGITAL_PAINTING = "digital-painting", "Digital painting"
    ILLUSTRATION = "illustration", "Illustration"
    TRADITIONAL = "traditional", "Traditional painting"
    DRAWING = "drawing", "Drawing"
    PIXEL_ART = "pixel-art", "Pixel art"
    THREE_D = "3d", "3D"
    PHOTOGRAPHY = "photography", "Photography"
    COMICS = "comics", "Comics"
    CONCEPT_ART = "concept-art", "Concept art"
    MIXED = "mixed-media", "Mixed media"
    OTHER = "other", "Other"


class Verdict(models.TextChoices):
    PENDING = "", "Not scanned yet"
    AI_GENERATED = "ai-generated", "AI-generated evidence"
    AI_ASSISTED = "ai-assisted", "AI-assisted evidence"
    HUMAN = "human-evidence", "Evidence of human work"
    NONE = "no-evidence", "No evidence either way"


# The models' own vocabularies live at module level so each Meta's CheckConstraint can read
# their ``.values`` (a nested Meta cannot see its model's class body); the models alias them.
class ArtworkStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    # The artist's uploads wait for a moderator after a strike: set instead of PUBLISHED
    # in the same transaction (gallery.services.pipeline), so such a post is never public.
    AWAITING_APPROVAL = "awaiting-approval", "Waiting for approval"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    HIDDEN = "hidden", "Hidden from feeds"
    REMOVED = "removed", "Removed"
    # Uploaded and processed, not published: only its artist sees it, until
    # gallery.services.posting.artwork_publish sends it through the same publication path.
    DRAFT = "draft", "Draft"


class Visibility(models.TextChoices):
    """Where a published post may appear (gallery.state.listed reads it for every listing)."""

    PUBLIC = "public", "Public: in feeds, tags, search and the artist's page"
    # Reachable by its link (page, API detail), never in any listing, Atom or search.
    UNLISTED = "unlisted", "Unlisted: only people with the link"


# A post anyone may open by its link; listings narrow this further (gallery.state).
PUBLIC_STATUSES = frozenset({ArtworkStatus.PUBLISHED, ArtworkStatus.HIDDEN})


class Artwork(models.Model):
    Status = ArtworkStatus
    Visibility = Visibility

    artist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artworks"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    medium = models.CharField(max_length=30, choices=Medium, default=Medium.DIGITAL_PAINTING)
    tags = TaggableManager(blank=True, through="TaggedArtwork")
    label = models.CharField(max_length=20, choices=Label)
    ai_stages = models.JSONField(default=list, blank=True)
    ai_note = models.CharField(max_length=300, blank=True)
    # True when AI was used only for reference or upscaling: the "minor AI" feed preset filters
    # on this column (a JSON subset lookup would not work on SQLite or use an index).
    ai_minor_only = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.PROCESSING)
    status_reason = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility, default=Visibility.PUBLIC, db_default="public"
    )
    # False for a post saved as a draft: the pipeline settles it as DRAFT instead of
    # publishing it; artwork_publish sets it again (a draft published while still processing
    # then goes live when its last image is ready).
    publish_when_ready = models.BooleanField(default=True, db_default=True)
    provenance_verdict = models.CharField(max_length=20, choices=Verdict, blank=True)
    # Set when the files' own metadata contradicts the label; keeps the artwork out of
    # human-only listings until a moderator (or the artist's relabel) settles it.
    label_mismatch = models.BooleanField(default=False)
    # Set by moderation while a case needs it out of human-only listings (e.g. evidence asked).
    held = models.BooleanField(default=False)
    # Moderators asked the artist for process evidence by then (the post's notice and form).
    evidence_due = models.DateTimeField(null=True, blank=True)
    # The last label change was made by moderators (or the community review): the badge says so.
    relabeled = models.BooleanField(default=False, db_default=False)
    # A cross-app hand-off not yet finished: set in the transaction that settles the post,
    # cleared by moderation's intake once it has run (gallery.services.handoff; a sweep retries).
    handoff_pending = models.BooleanField(default=False, db_default=False)
    # Mature content (nudity, gore…), set by the artist or by moderators ("mark as mature"):
    # viewers who have not opted in see it blurred or not at all (gallery.state.mature_treatment).
    mature = models.BooleanField(default=False, db_default=False)
    cover = models.ForeignKey(
        "ArtworkImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    like_count = models.PositiveIntegerField(default=0)
    # Comments (the community app): the artist may turn them off per post; the count of
    # visible comments is kept here so cards show it without a query per card.
    comments_enabled = models.BooleanField(default=True, db_default=True)
    comment_count = models.PositiveIntegerField(default=0, db_default=0)
    # Public collections (the community app) holding this post: "saved in N public
    # collections" on its page, moved only by gallery.services.artworks.collection_count_add.
    public_collection_count = models.PositiveIntegerField(default=0, db_default=0)
    image_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Filled by gallery.services.artworks.artwork_index_search on PostgreSQL (GIN-indexed in a
    # PostgreSQL-only migration); unused on SQLite, where search falls back to icontains.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(label__in=Label.values), name="gallery_artwork_label_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ArtworkStatus.values),
                name="gallery_artwork_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(medium__in=Medium.values), name="gallery_artwork_medium_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values),
                name="gallery_artwork_visibility_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(provenance_verdict__in=Verdict.values),
                name="gallery_artwork_provenance_verdict_valid",
            ),
            # Feeds order and paginate on published_at: a published artwork must have one.
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="gallery_artwork_published_has_date",
            ),
        ]
        # One partial index per listing, matching its filter and its (published_at, id) order,
        # so gallery.selectors.keyset_page walks an index whatever the page depth.
        indexes = [
            models.Index(fields=["artist", "-created_at"], name="gallery_artwork_artist_created"),
            models.Index(
                fields=["-published_at", "-id"],
                name="gallery_artwork_feed_all",
                condition=models.Q(status="published"),
            ),
            models.Index(
                fields=["-published_at", "-id"],
                name="gallery_artwork_feed_human",
                condition=models.Q(
                    status="published", label="human-made", label_mismatch=False, held=False
                ),
            ),
            models.Index(
                fields=["-published_at", "-id"],
                name="gallery_artwork_feed_assisted",
                condition=models.Q(
                    status="published",
                    label__in=["human-made", "ai-assisted"],
                    label_mismatch=False,
                    held=False,
                ),
            ),
            models.Index(
                fields=["artist", "-published_at", "-id"],
                name="gallery_artwork_feed_artist",
                condition=models.Q(status="published"),
            ),
            models.Index(
                fields=["medium", "-published_at", "-id"],
                name="gallery_artwork_feed_medium",
                condition=models.Q(status="published"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("gallery:artwork", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return artwork_slug(self.title)

    @property
    def is_public(self) -> bool:
        """Anyone may open its page (gallery.state.public says the same for every surface)."""
        return self.status in PUBLIC_STATUSES

    @property
    def label_explanation(self) -> str:
        return LABEL_EXPLANATIONS[Label(self.label)]

    @property
    def iptc_source_type(self) -> str:
        return LABEL_IPTC[Label(self.label)]

    @property
    def is_unlisted(self) -> bool:
        return self.visibility == Visibility.UNLISTED

    def ai_stage_labels(self) -> list[str]:
        names = dict(AiStage.choices)
        return [names.get(stage, stage) for stage in self.ai_stages]


def artwork_slug(title: str) -> str:
    """The slug in an artwork's URL (``Artwork.slug``), from its title alone."""
    return slugify(title)[:60] or "artwork"


class TaggedArtwork(TaggedItemBase):
    """Taggit's through table with a real foreign key, so tag pages join on an index."""

    content_object = models.ForeignKey("Artwork", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="gallery_taggedartwork_unique"
            )
        ]
        indexes = [
            # Tag pages: artworks carrying one tag (gallery.selectors.artworks_for_listing).
            models.Index(fields=["tag", "content_object"], name="gallery_tagged_tag_artwork"),
        ]


def _derivative_key() -> str:
    return secrets.token_urlsafe(18)


def zoom_file_stem(derivative_key: str, width: int) -> str:
    """The start of the zoom copy's file name in ``art/<derivative_key>/``.

    The srcset names every other file of the folder (``<width>.<ext>``), so the zoom copy's
    name carries a secret: an HMAC of the folder's key under ``SECRET_KEY``, the same on every
    run of the pipeline (a re-run overwrites the file instead of leaving a second one) and not
    guessable from anything public. Its URL is sent only where the artist allows zooming.
    """
    secret = salted_hmac("gallery.zoom-file", derivative_key, algorithm="sha256").hexdigest()[:24]
    return f"zoom-{secret}-{width}"


class ArtworkImageKind(models.TextChoices):
    FINAL = "final", "Final image"
    PROCESS = "process", "Process / WIP"


class ArtworkImageState(models.TextChoices):
    PENDING = "pending", "Waiting"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ArtworkImagePublicFiles(models.TextChoices):
    """Where the derivatives are (gallery.services.withdrawal moves them)."""

    PUBLIC = "public", "In public storage"
    WITHDRAWING = "withdrawing", "Being moved out of public storage"
    WITHDRAWN = "withdrawn", "Withdrawn to private storage"
    RESTORING = "restoring", "Being moved back to public storage"


class ArtworkImage(models.Model):
    Kind = ArtworkImageKind
    State = ArtworkImageState

    PublicFiles = ArtworkImagePublicFiles

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.FINAL)
    original = models.FileField(storage=private_storage, max_length=200)
    # Random folder for the public derivatives, fixed at creation so a re-run of the task
    # overwrites the same files instead of leaving a second set behind.
    derivative_key = models.CharField(max_length=32, default=_derivative_key, unique=True)
    alt_text = models.CharField(max_length=500, blank=True)
    format = models.CharField(max_length=10)
    bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    placeholder = models.CharField(max_length=7, blank=True)
    derivatives = models.JSONField(default=list, blank=True)
    provenance = models.JSONField(null=True, blank=True)
    provenance_verdict = models.CharField(max_length=20, choices=Verdict, blank=True)
    # gallery.provenance.READER_VERSION of the reader that wrote ``provenance`` (0: scanned
    # before versions were kept); ``manage.py provenance_rescan`` re-reads the older ones.
    provenance_reader_version = models.PositiveSmallIntegerField(default=0, db_default=0)
    # What AI generators wrote into the original (prompt, seed, model, sampler...), one dict
    # per block, bounded by gallery.provenance.parameters; moderators read it on the case page.
    generation = models.JSONField(default=list, blank=True)
    # Moderation's intake has checked this image (near-duplicates, re-uploads): set for every
    # ready image when the hand-off finishes (gallery.services.handoff.artwork_handoff_done),
    # so an image added after publication is checked once, and old ones are not re-checked.
    intake_done = models.BooleanField(default=False, db_default=False)
    state = models.CharField(max_length=12, choices=State, default=State.PENDING)
    # The two "-ing" states are durable to-do marks: set in the same transaction as the status
    # change that asks for them, cleared only once the files have moved (a sweep retries).
    public_files = models.CharField(max_length=12, choices=PublicFiles, default=PublicFiles.PUBLIC)
    error = models.CharField(max_length=500, blank=True)
    # How many times a task claimed this image (gallery.services.pipeline.image_claim): an
    # image that keeps killing or stalling its worker is failed after MAX_ATTEMPTS claims.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    # The processing lease: which runner ("node|boot|pid") holds the image and until when.
    # A second delivery of the task leaves a live lease alone; the sweeper and a restarted
    # worker hand an expired or orphaned one to a new runner (gallery.services.pipeline).
    lease_owner = models.CharField(max_length=255, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ArtworkImageState.values),
                name="gallery_artworkimage_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ArtworkImageKind.values),
                name="gallery_artworkimage_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(public_files__in=ArtworkImagePublicFiles.values),
                name="gallery_artworkimage_public_files_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(provenance_verdict__in=Verdict.values),
                name="gallery_artworkimage_provenance_verdict_valid",
            ),
        ]
        indexes = [
            # gallery.services.pipeline.images_sweep_stuck scans unfinished images by age.
            models.Index(
                fields=["state_changed_at"],
                name="gallery_image_unfinished",
                condition=models.Q(state__in=["pending", "processing"]),
            ),
            # gallery.services.withdrawal.public_files_sweep finds unfinished moves.
            models.Index(
                fields=["artwork"],
                name="gallery_image_files_moving",
                condition=models.Q(public_files__in=["withdrawing", "restoring"]),
            ),
            # gallery.services.rescan walks stale scans in id order, batch by batch.
            models.Index(
                fields=["provenance_reader_version", "id"],
                name="gallery_image_reader_version",
                condition=models.Q(state="ready"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artwork_id}#{self.kind}{self.position}"

    def derivative_url(self, derivative: dict) -> str:
        """The URL of one derivative: public storage's, or, once the files have left public
        storage (a removed post), the permission-checked view that serves them from private
        storage to the artist and moderators. The public URL is the one stored with the
        record at publication when it is current (``gallery.storage.stored_public_url``)."""
        if self.public_files == self.PublicFiles.PUBLIC:
            return stored_public_url(derivative)
        filename = derivative["name"].rsplit("/", 1)[-1]
        return reverse("gallery:withdrawn_media", kwargs={"pk": self.pk, "filename": filename})

    @property
    def public_derivatives(self) -> list[dict]:
        """The srcset's derivatives: every one but the zoom copy, which is never listed."""
        return [d for d in self.derivatives if not d.get("zoom")]

    @property
    def zoom_derivative(self) -> dict | None:
        """The zoom copy's record (``"zoom": true``), or None when the image has none (it is no
        larger than its widest derivative, or was rendered before zoom copies existed).

        Its URL goes only where the artist allows zooming (``User.allow_zoom``).
        """
        return next((d for d in self.derivatives if d.get("zoom")), None)

    def zoom_url(self) -> str:
        zoom = self.zoom_derivative
        return self.derivative_url(zoom) if zoom else ""

    def derivative_stem(self, derivative: dict) -> str:
        """The start of a derivative's file name in its folder (the pipeline and the label
        rewrite add the rest): its width, or the zoom copy's secret name (``zoom_file_stem``)."""
        if derivative.get("zoom"):
            return zoom_file_stem(self.derivative_key, derivative["width"])
        return str(derivative["width"])

    def srcset(self, fmt: str = "webp") -> str:
        """The srcset of one format; empty for WebP unless every size has one.

        A tall image's largest sizes are JPEG only (imaging.render writes WebP only within
        16383 px), and a partial WebP set would cap a browser that prefers WebP at the sizes it
        has: without a WebP for every size, the JPEG srcset serves them all.
        """
        if fmt == "webp" and self._widths("webp") != self._widths("jpeg"):
            return ""
        return ", ".join(
            f"{self.derivative_url(d)} {d['width']}w"
            for d in self.public_derivatives
            if d["format"] == fmt
        )

    def _widths(self, fmt: str) -> set[int]:
        return {d["width"] for d in self.public_derivatives if d["format"] == fmt}

    @property
    def srcset_jpeg(self) -> str:
        return self.srcset("jpeg")

    def best(self, fmt: str = "jpeg", max_width: int = 1280) -> dict | None:
        return best_derivative(self.derivatives, fmt, max_width)

    def full_url(self, fmt: str = "webp") -> str:
        """The widest derivative, for the lightbox: in `fmt` if that size has one, else JPEG."""
        public = self.public_derivatives
        if not public:
            return ""
        widest = max(d["width"] for d in public)
        at_widest = [d for d in public if d["width"] == widest]
        chosen = next((d for d in at_widest if d["format"] == fmt), at_widest[0])
        return self.derivative_url(chosen)

    def best_url(self, fmt: str = "jpeg", max_width: int = 1280) -> str:
        chosen = self.best(fmt, max_width)
        return self.derivative_url(chosen) if chosen else ""

    def public_best(self, fmt: str = "jpeg", max_width: int = 1280) -> dict | None:
        """The best derivative (``best``) while its files are in public storage, with its
        public URL under ``"url"`` (as stored or computed, possibly relative); None when there
        is none or the files have left public storage. For surfaces read by anyone outside the
        site (Atom, the sitemap): never the withdrawn files' permission-checked view, never
        the original."""
        return public_best(self.derivatives, self.public_files, fmt, max_width)


def public_best(
    derivatives: list[dict], public_files: str, fmt: str = "jpeg", max_width: int = 1280
) -> dict | None:
    """``ArtworkImage.public_best`` from the two columns it reads, for callers that load
    values rather than rows (gallery.sitemaps)."""
    if public_files != ArtworkImagePublicFiles.PUBLIC:
        return None
    chosen = best_derivative(derivatives, fmt, max_width)
    return {**chosen, "url": stored_public_url(chosen)} if chosen else None


def best_derivative(derivatives: list[dict], fmt: str, max_width: int) -> dict | None:
    """The widest derivative in ``fmt`` within ``max_width``, else the narrowest in ``fmt``;
    never the zoom copy (``ArtworkImage.zoom_derivative``: linked only where the artist allows)."""
    derivatives = [d for d in derivatives if not d.get("zoom")]
    fitting = [d for d in derivatives if d["format"] == fmt and d["width"] <= max_width]
    if fitting:
        return max(fitting, key=lambda d: d["width"])
    candidates = [d for d in derivatives if d["format"] == fmt]
    return min(candidates, key=lambda d: d["width"]) if candidates else None


class LabelChangeBy(models.TextChoices):
    ARTIST = "artist", "The artist"
    PROVENANCE = "provenance", "Provenance scan"
    MODERATOR = "moderator", "A moderator"
    COMMUNITY = "community", "Community review"


class LabelChange(models.Model):
    By = LabelChangeBy

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="label_changes")
    from_label = models.CharField(max_length=20, choices=Label, blank=True)
    to_label = models.CharField(max_length=20, choices=Label)
    by = models.CharField(max_length=20, choices=By)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # "" is the first label's "from": there was none.
            models.CheckConstraint(
                condition=models.Q(from_label__in=["", *Label.values]),
                name="gallery_labelchange_from_label_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(to_label__in=Label.values),
                name="gallery_labelchange_to_label_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(by__in=LabelChangeBy.values), name="gallery_labelchange_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_label or '∅'} → {self.to_label}"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # gallery.services.artworks.like_toggle relies on it to keep like_count exact.
            models.UniqueConstraint(fields=["user", "artwork"], name="gallery_like_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.artwork_id}"


class ImageHashBand(models.Model):
    """One 16-bit quarter of an image's 64-bit perceptual hash.

    Two hashes within Hamming distance 3 share at least one quarter exactly (pigeonhole), so
    near-duplicate candidates come from an index lookup instead of a scan of every image;
    ``gallery.selectors.near_duplicates`` then measures the real distance.
    """

    image = models.ForeignKey(ArtworkImage, on_delete=models.CASCADE, related_name="hash_bands")
    band = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "band"], name="gallery_hashband_unique"),
        ]
        indexes = [
            # gallery.selectors.near_duplicates looks candidates up by (band, value).
            models.Index(fields=["band", "value"], name="gallery_hashband_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.image_id}:{self.band}={self.value:04x}"


class FileDeletion(models.Model):
    """A stored file still to delete: the durable to-do list of deleted artworks' files.

    Written in the transaction that deletes the rows, so a rollback keeps the files; emptied
    on commit by ``gallery.services.withdrawal.file_deletions_run``; what a storage outage left
    behind is retried by the beat sweep.
    """

    class Store(models.TextChoices):
        PUBLIC = "public", "Public storage"
        PRIVATE = "private", "Private storage"

    store = models.CharField(max_length=10, choices=Store)
    name = models.CharField(max_length=300)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(store__in=["public", "private"]),
                name="gallery_filedeletion_store_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store}:{self.name}"


class UploadKey(models.Model):
    """An idempotency key a member spent on a post: the same key again answers with that post.

    Each upload form render carries one (``gallery.services.upload_keys``); API clients send
    their own as the ``Idempotency-Key`` header. Kept for a day
    (``UPLOAD_KEY_TTL``), purged per member when that member posts again.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # Deleting the post frees its key: a replay afterwards posts again, as a fresh form would.
    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # gallery.services.upload.artwork_create relies on it: two requests with one key
            # make one post even if the artist's row lock were ever taken away.
            models.UniqueConstraint(fields=["member", "key"], name="gallery_uploadkey_unique"),
        ]
        indexes = [
            # The per-member purge of expired keys (upload_keys.upload_key_check).
            models.Index(fields=["member", "created_at"], name="gallery_uploadkey_age"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.key[:12]}… → {self.artwork_id}"


class RescanRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"


class RescanRun(models.Model):
    """One ``manage.py provenance_rescan``: its scope and how far it got.

    Resumable: ``cursor`` is the last image id whose batch finished, and only images scanned
    by an older reader are in scope, so running the command again with the same scope carries
    on where a stopped run left off. The moderators' dashboard shows the latest run.
    """

    Status = RescanRunStatus

    reader_version = models.PositiveSmallIntegerField()
    since = models.DateField(null=True, blank=True)
    artist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    new_mismatches = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RescanRunStatus.values),
                name="gallery_rescanrun_status_valid",
            ),
            # gallery.services.rescan.rescan_start relies on it: two commands started together
            # cannot both create a run; the loser resumes (or refuses) the winner's.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="gallery_rescanrun_one_running",
            ),
        ]

    def __str__(self) -> str:
        return f"rescan {self.pk} (reader {self.reader_version}): {self.done}/{self.total}"

    @property
    def scope(self) -> str:
        """The run's filters in words, for the command's output and the dashboard."""
        parts = []
        if self.artist_id:
            parts.append(f"@{self.artist.handle}")
        if self.since:
            parts.append(f"uploaded since {self.since:%Y-%m-%d}")
        return ", ".join(parts) or "all images"

    @property
    def counts_in_words(self) -> str:
        """What the run has done so far, as one sentence fragment for the dashboard."""
        text = (
            f"{self.done} of {self.total} images re-read, "
            f"{self.changed} verdict{pluralize(self.changed)} changed, "
            f"{self.new_mismatches} new mismatch{pluralize(self.new_mismatches, 'es')} "
            "sent to the queue"
        )
        if self.missing:
            text += f", {self.missing} original{pluralize(self.missing)} missing"
        return text


class RankFeed(models.TextChoices):
    POPULAR = "popular", "Popular"
    RISING = "rising", "Rising"


class ArtworkRank(models.Model):
    """An artwork's place in one explore feed, written only by the ranking task.

    ``gallery.services.explore.ranks_compute`` (beat, every ``ATELIER_EXPLORE_RANK_MINUTES``)
    recomputes every score; requests only read them (docs/explore.md has the formula). A row
    whose artwork left the ranking window is deleted by the next run.
    """

    Feed = RankFeed

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="ranks")
    feed = models.CharField(max_length=10, choices=RankFeed)
    score = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            # ranks_compute upserts on it: a second run (or two at once) rewrites the same row.
            models.UniqueConstraint(fields=["artwork", "feed"], name="gallery_artworkrank_unique"),
            models.CheckConstraint(
                condition=models.Q(feed__in=RankFeed.values), name="gallery_artworkrank_feed_valid"
            ),
        ]
        indexes = [
            # The explore pages walk one feed by score, keyset-paginated (gallery.explore).
            models.Index(fields=["feed", "-score", "-artwork"], name="gallery_artworkrank_feed"),
            # ranks_compute deletes what the last run did not rewrite.
            models.Index(fields=["feed", "computed_at"], name="gallery_artworkrank_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.feed}:{self.artwork_id}={self.score:.4g}"


class StaffPick(models.Model):
    """A moderator's pick for the explore page's "Staff picks" (gallery.services.explore)."""

    artwork = models.OneToOneField(Artwork, on_delete=models.CASCADE, related_name="staff_pick")
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The picks listing: newest pick first, keyset-paginated (gallery.explore).
            models.Index(fields=["-created_at", "-id"], name="gallery_staffpick_recent"),
        ]

    def __str__(self) -> str:
        return f"pick {self.artwork_id}"


class TagStat(models.Model):
    """How many listed artworks carry a tag under one label preference, for the tag index.

    Written by ``gallery.services.explore.tag_stats_compute`` with the ranking task: counting
    millions of tag rows is never done while a visitor waits.
    """

    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="+")
    preference = models.CharField(max_length=20)
    count = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            # tag_stats_compute upserts on it.
            models.UniqueConstraint(fields=["tag", "preference"], name="gallery_tagstat_unique"),
        ]
        indexes = [
            # The tag index: the most used tags under the viewer's preference (gallery.explore).
            models.Index(fields=["preference", "-count", "tag"], name="gallery_tagstat_popular"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id}@{self.preference}={self.count}"


class PortfolioPin(models.Model):
    """One of an artist's own works pinned to the top of their portfolio, at ``position``
    (0 first). gallery.services.portfolio writes these (at most ``MAX_PINS`` per artist);
    gallery.selectors.portfolio_of shows only those the viewer could find in a listing."""

    artist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_pins"
    )
    # One artist per artwork: a work is pinned at most once.
    artwork = models.OneToOneField(Artwork, on_delete=models.CASCADE, related_name="portfolio_pin")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["artist", "position"]
        indexes = [models.Index(fields=["artist", "position"], name="gallery_pin_artist")]

    def __str__(self) -> str:
        return f"Pin {self.position} of {self.artist_id}: {self.artwork_id}"


class PortfolioSection(models.Model):
    """A named section (album) of an artist's portfolio, in the artist's chosen order."""

    artist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_sections"
    )
    title = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artist", "position", "id"]
        indexes = [models.Index(fields=["artist", "position"], name="gallery_section_artist")]

    def __str__(self) -> str:
        return self.title


class PortfolioSectionItem(models.Model):
    """One of the artist's own works in one section, at ``position``; a work may be in
    several sections, once in each."""

    section = models.ForeignKey(PortfolioSection, on_delete=models.CASCADE, related_name="items")
    artwork = models.ForeignKey(
        Artwork, on_delete=models.CASCADE, related_name="portfolio_section_items"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "artwork"], name="gallery_section_item_once")
        ]
        indexes = [models.Index(fields=["artwork"], name="gallery_section_item_artwork")]

    def __str__(self) -> str:
        return f"Artwork {self.artwork_id} in section {self.section_id}"
