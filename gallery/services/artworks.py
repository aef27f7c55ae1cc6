"""Edits to published artworks: text, tags, labels, likes, deletion."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from accounts.models import User
from gallery import listing_cache
from gallery.models import MINOR_AI_STAGES, AiStage, Artwork, ArtworkImage, Label, LabelChange, Like
from gallery.services.label_files import derivatives_rewrite_label_on_commit
from gallery.services.pipeline import label_change
from gallery.services.withdrawal import file_deletions_record, file_deletions_run


def ai_minor_only(label: str, stages: list[str]) -> bool:
    return label == Label.ASSISTED and bool(stages) and set(stages) <= MINOR_AI_STAGES


def clean_stages(label: str, stages: list[str], note: str) -> tuple[list[str], str]:
    if label != Label.ASSISTED:
        return [], ""
    chosen = set(stages)
    return [s for s in AiStage.values if s in chosen], note.strip()[:300]


SEARCH_SQL = """
UPDATE gallery_artwork AS a SET search_vector =
    setweight(to_tsvector('simple', a.title), 'A')
    || setweight(to_tsvector('simple', coalesce((
        SELECT string_agg(t.name, ' ') FROM gallery_taggedartwork ta
        JOIN taggit_tag t ON t.id = ta.tag_id WHERE ta.content_object_id = a.id), '')), 'A')
    || setweight(to_tsvector('simple', u.handle || ' ' || u.display_name), 'B')
    || setweight(to_tsvector('simple', a.description), 'C')
FROM accounts_user AS u
WHERE u.id = a.artist_id
"""


def artwork_index_search(*, artwork_id: int | None = None) -> None:
    """Refresh the full-text vector (title and tags, artist, description) on PostgreSQL.

    With no ``artwork_id`` every artwork is refreshed (after a bulk seed). SQLite has no
    tsvector: search there falls back to ``icontains`` and this does nothing.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if artwork_id is None:
            cursor.execute(SEARCH_SQL)
        else:
            cursor.execute(SEARCH_SQL + " AND a.id = %s", [artwork_id])


@transaction.atomic
def artwork_update(
    *,
    artwork: Artwork,
    editor: User,
    title: str,
    description: str,
    medium: str,
    tags: list[str],
    label: str,
    ai_stages: list[str],
    ai_note: str,
    alt_texts: dict[int, str],
    reason: str = "",
    mature: bool | None = None,
) -> Artwork:
    """Save the artist's edits; a label change is recorded in the label history.

    ``mature`` sets or clears the mature-content flag; None keeps it (callers that do not
    offer the choice). The artist may clear a flag moderators set: a new report reopens it.
    """
    stages, note = clean_stages(label, ai_stages, ai_note)
    # Retire the pages of the medium and tags it leaves, before they change.
    listing_cache.artwork_changed(artwork)
    label_change(
        artwork=artwork,
        to_label=label,
        by=LabelChange.By.ARTIST,
        actor=editor,
        reason=reason or "Changed by the artist.",
    )
    artwork.title, artwork.description, artwork.medium = title, description, medium
    artwork.ai_stages, artwork.ai_note = stages, note
    artwork.ai_minor_only = ai_minor_only(label, stages)
    fields = [
        "title", "description", "medium", "ai_stages", "ai_note", "ai_minor_only", "updated_at"
    ]  # fmt: skip
    if mature is not None:
        artwork.mature = mature
        fields.append("mature")
    artwork.save(update_fields=fields)
    artwork.tags.set(tags, clear=True)
    for image in artwork.images.filter(pk__in=alt_texts):
        if image.alt_text != alt_texts[image.pk]:
            ArtworkImage.objects.filter(pk=image.pk).update(alt_text=alt_texts[image.pk][:500])
    artwork_id = artwork.pk
    transaction.on_commit(lambda: artwork_index_search(artwork_id=artwork_id))
    # The title (in the web statement's URL) or the medium may have changed the label packet;
    # an unchanged packet makes the rewrite a no-op.
    derivatives_rewrite_label_on_commit(artwork_id=artwork_id)
    # The alt texts above are written with update(): no receiver sees them.
    listing_cache.artwork_changed(artwork)
    return artwork


def artwork_delete(*, artwork: Artwork) -> None:
    """Delete an artwork and, after the commit, every file of its final and process images.

    The originals, the public derivatives (and the CDN's copies, through the purge hook) and
    any withdrawn copies of a removed post. The files to delete are written down in this
    transaction (``FileDeletion`` rows), so a storage outage after the commit only delays the
    deletion until the beat sweep retries it.
    """
    with transaction.atomic():
        images = list(artwork.images.all())
        was_published = artwork.published_at is not None and artwork.status != "processing"
        was_counted = was_published and artwork.status != Artwork.Status.REMOVED
        artist_id = artwork.artist_id
        artwork.delete()
        if was_counted:
            User.objects.filter(pk=artist_id, artwork_count__gt=0).update(
                artwork_count=F("artwork_count") - 1
            )
        ids = file_deletions_record(images=images)
        transaction.on_commit(lambda: file_deletions_run(ids=ids))


def like_set(*, user: User, artwork: Artwork, liked: bool) -> int:
    """Like or unlike; the counter moves only when a row was really added or removed."""
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    Like.objects.create(user=user, artwork=artwork)
            except IntegrityError:
                pass
            else:
                Artwork.objects.filter(pk=artwork.pk).update(like_count=F("like_count") + 1)
                listing_cache.likes_changed(
                    artwork_id=artwork.pk, artist_id=artwork.artist_id, medium=artwork.medium
                )
        else:
            deleted, _ = Like.objects.filter(user=user, artwork=artwork).delete()
            if deleted:
                Artwork.objects.filter(pk=artwork.pk, like_count__gt=0).update(
                    like_count=F("like_count") - 1
                )
                listing_cache.likes_changed(
                    artwork_id=artwork.pk, artist_id=artwork.artist_id, medium=artwork.medium
                )
    return Artwork.objects.values_list("like_count", flat=True).get(pk=artwork.pk)
