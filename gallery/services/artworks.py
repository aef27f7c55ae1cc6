"""The artist's and viewers' use cases on an existing artwork: edit, relabel, like, delete.

Each is one call that the site's views and the API's views make alike; the rules live here
(or in the forms that clean the input), never in a view. Refusals are ``config.errors``.
"""

from __future__ import annotations

from collections import Counter

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from accounts.models import User
from accounts.selectors import viewer_filters
from config.errors import Invalid, NotAllowed, NotFound
from gallery import listing_cache, provenance
from gallery.models import MINOR_AI_STAGES, AiStage, Artwork, ArtworkImage, Label, LabelChange, Like
from gallery.services.label_files import derivatives_rewrite_label_on_commit
from gallery.services.notices import like_notify
from gallery.services.withdrawal import file_deletions_record, file_deletions_run


def ai_minor_only(label: str, stages: list[str]) -> bool:
    """Whether an AI-assisted post used AI only in the minor stages (reference, upscaling…)."""
    return label == Label.ASSISTED and bool(stages) and set(stages) <= MINOR_AI_STAGES


def clean_stages(label: str, stages: list[str], note: str) -> tuple[list[str], str]:
    """The AI stages in their canonical order and the trimmed note; both empty unless the
    label is AI-assisted (the stages of another label mean nothing)."""
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


def artwork_relabel(*, artwork: Artwork, to_label: str, by: str, actor, reason: str) -> bool:
    """Change an artwork's label and record the change in its label history.

    Inputs: ``by`` is a ``LabelChange.By`` (artist, moderator, community, provenance scan),
    ``actor`` the member who changed it (or None for the scan), ``reason`` shown in the history.
    Effects, under the artwork's row lock: a ``LabelChange`` row; the label; ``relabeled`` (the
    badge says "relabeled by moderators" until the artist changes it again); a provenance
    mismatch recomputed against the new label; after the commit, the label packet inside the
    public derivatives rewritten (``label_files``). ``artwork`` is updated in place. Returns False
    and writes nothing when the label is unchanged. Raises ``Artwork.DoesNotExist`` if the
    artwork was deleted meanwhile.
    """
    with transaction.atomic():
        locked = Artwork.objects.select_for_update().get(pk=artwork.pk)
        if locked.label == to_label:
            return False
        LabelChange.objects.create(
            artwork=locked,
            from_label=locked.label,
            to_label=to_label,
            by=by,
            actor=actor,
            reason=reason[:500],
        )
        locked.label = to_label
        locked.relabeled = by in (LabelChange.By.MODERATOR, LabelChange.By.COMMUNITY)
        if locked.provenance_verdict:
            locked.label_mismatch = provenance.contradicts(to_label, locked.provenance_verdict)
        locked.save(update_fields=["label", "label_mismatch", "relabeled", "updated_at"])
        derivatives_rewrite_label_on_commit(artwork_id=locked.pk)
        artwork.label, artwork.label_mismatch = locked.label, locked.label_mismatch
        artwork.relabeled = locked.relabeled
    return True


@transaction.atomic
def artwork_edit(
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
    visibility: str | None = None,
) -> Artwork:
    """Save the artist's edits to their artwork and return it (updated in place).

    Inputs are the cleaned values of ``gallery.forms.ArtworkEditForm`` (the site and the API
    both clean through it); ``alt_texts`` maps image ids to text, and ids of other artworks'
    images are ignored. Effects, in one transaction: the text fields, tags and AI stages; each
    changed alt text; a label change through ``artwork_relabel`` (history row, ``reason`` or
    "Changed by the artist."); the search vector refreshed after the commit. The caller has
    checked ownership (``gallery.access.artwork_for_owner``). Raises nothing of its own.
    ``mature`` sets or clears the mature-content flag; None keeps it (callers that do not
    offer the choice). The artist may clear a flag moderators set: a new report reopens it.
    ``visibility`` (``Artwork.Visibility``) makes the post public or unlisted; None keeps it;
    an unknown value raises ``Invalid`` before anything is written.
    """
    if visibility is not None and visibility not in Artwork.Visibility.values:
        message = "Choose public or unlisted."
        raise Invalid(message, field_errors={"visibility": [message]}, code="visibility")
    stages, note = clean_stages(label, ai_stages, ai_note)
    # Retire the pages of the medium and tags it leaves, before they change.
    listing_cache.artwork_changed(artwork)
    artwork_relabel(
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
    if visibility is not None:
        # The save below retires every listing the post was in (gallery.receivers).
        artwork.visibility = visibility
        fields.append("visibility")
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
    deletion until the beat sweep retries it. The artist's ``artwork_count`` drops if the post
    counted. The caller has checked ownership (a suspended artist may still delete); raises
    nothing of its own.
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
    """Like (``liked``) or unlike an artwork; returns its like count afterwards.

    Effects: a ``Like`` row added or removed; the artwork's counter moves only when a row
    really was (a double click neither adds two likes nor goes below zero: the unique
    constraint on (user, artwork) decides); a new like notifies the artist, batched per post
    and day (``gallery.services.notices.like_notify``). Raises ``NotFound`` when the artwork is not
    public (still processing, failed, removed): a post only its artist and moderators can
    open cannot collect likes. Raises ``NotAllowed`` for a like between members in a block
    (either direction); unliking is always allowed.
    """
    if not artwork.is_public:
        raise NotFound("No such artwork.")
    if liked and artwork.artist_id in viewer_filters(user).blocked:
        raise NotAllowed("You cannot like this post.", code="blocked")
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
                # Only a like that really added a row tells the artist; an unlike says nothing.
                like_notify(user=user, artwork=artwork)
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


def collection_count_add(*, artwork_ids: list[int], delta: int) -> None:
    """Move ``public_collection_count`` of ``artwork_ids`` by ``delta`` (never below zero).

    Called by the community app's collection services when a work enters or leaves a public
    collection, or a collection holding it turns public, private or is deleted. One atomic
    ``UPDATE`` with ``F()``: two members saving the same work at once both count. The pages
    of those works are retired (their ``artwork:<id>`` version: the anonymous page's ETag and
    fragments), now and after the commit. Raises nothing; unknown ids are ignored.
    """
    ids = sorted(set(artwork_ids))
    if not ids or not delta:
        return
    qs = Artwork.objects.filter(pk__in=ids)
    if delta > 0:
        qs.update(public_collection_count=F("public_collection_count") + delta)
    else:
        # Greatest: a count already wrong (a collection deleted with its owner's account)
        # must not make the unsigned column refuse the whole statement.
        qs.update(public_collection_count=Greatest(F("public_collection_count") + delta, 0))
    listing_cache.bump_now_and_on_commit([f"artwork:{pk}" for pk in ids])


def likes_erase(*, user_id: int, batch: int = 500) -> int:
    """Delete every like the member gave (their account is being deleted), moving each
    post's counter and retiring its cached listings. Returns how many likes went.

    Batched, each batch in its own transaction: idempotent and resumable (a run killed
    half-way leaves the rest for the next, and the counters match the rows at every commit).
    """
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Like.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id)
                .values_list("pk", "artwork_id")[:batch]
            )
            if not rows:
                return total
            Like.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
            for artwork_id, in_batch in Counter(a for _, a in rows).items():
                Artwork.objects.filter(pk=artwork_id).update(
                    like_count=Greatest(F("like_count") - in_batch, 0)
                )
            for artwork in Artwork.objects.filter(pk__in={a for _, a in rows}).only(
                "artist_id", "medium"
            ):
                listing_cache.likes_changed(
                    artwork_id=artwork.pk, artist_id=artwork.artist_id, medium=artwork.medium
                )
            total += len(rows)
