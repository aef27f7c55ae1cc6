"""Taking a post's public files out of public storage, putting them back, deleting them.

Public derivatives (``art/<derivative_key>/<width>.<ext>``) are served with a one-year
``immutable`` cache header, from MEDIA_ROOT or an S3 bucket's public prefix, to anyone who has
the URL. So a post that must no longer be seen needs its files gone, not only its page:

- **Removed** by a moderator: the derivatives move to private storage (``withdrawn/…``) and
  the CDN purge hook is called with their URLs. An appeal can reverse a removal, so they are
  kept, not deleted; a restore moves them back under the same names.
- **Deleted** by the artist: derivatives, withdrawn copies and originals are deleted, and the
  purge hook is called with the derivatives' URLs.
- **Hidden** from feeds: nothing moves. Hiding is a listing decision; the post stays
  reachable by direct link, so its images must keep working.

Why move and keep the key rather than delete and re-render with a new key on restore: a move
is a byte copy (no CPU, no dependence on the image pipeline, and the derivatives the artist saw
are the ones that come back), it is idempotent from any half-done state, and a restored post
is public again, so its old URLs (already shared and embedded) may rightly work again. The CDN
was purged at removal, so nothing stale is served in between.

Every move happens after the commit that asked for it (``transaction.on_commit``), never inside
it: a rolled-back removal must not lose files. The request is durable: the same transaction
marks the images ``withdrawing``/``restoring`` (or writes ``FileDeletion`` rows), and the mark
is cleared only when the files have moved and the purge hook has returned. A storage or CDN
outage leaves the mark, the error is logged, and the beat task ``sweep_public_files`` retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from gallery import listing_cache
from gallery.models import Artwork, ArtworkImage, FileDeletion
from gallery.storage import (
    absolute_public_url,
    private_storage,
    with_public_url,
    withdrawn_name,
)

logger = logging.getLogger(__name__)

PublicFiles = ArtworkImage.PublicFiles
MOVING = (PublicFiles.WITHDRAWING, PublicFiles.RESTORING)
# The sweep leaves a fresh, never-tried ``FileDeletion`` alone this long: it may be the note
# of a file still being staged by a request that is about to claim it
# (gallery.services.staged_files); requests time out long before this.
STAGED_FILE_GRACE = timedelta(hours=1)


def owned_derivative_names(image: ArtworkImage) -> list[str]:
    """The image's derivative names inside its own ``art/<derivative_key>/`` folder.

    Anything else (the bulk seed points many rows at shared files) is never moved or deleted.
    """
    folder = f"art/{image.derivative_key}/"
    return [d["name"] for d in image.derivatives if d["name"].startswith(folder)]


def cdn_purge(urls: list[str]) -> None:
    """Call ``ATELIER_CDN_PURGE_HOOK`` with absolute URLs; nothing when it is unset.

    Raises what the hook raises (or ImportError for a bad path): the callers keep their
    durable mark so the sweep calls it again. The hook must therefore be idempotent.
    """
    path = settings.ATELIER_CDN_PURGE_HOOK
    if not path or not urls:
        return
    hook: Callable[[list[str]], object] = import_string(path)
    hook(urls)


def _copy(source: Storage, name: str, target: Storage, target_name: str) -> None:
    with source.open(name, "rb") as fh:
        data = fh.read()
    # Private storage never overwrites (it would pick another name): clear a half-written
    # copy left by an earlier attempt first.
    target.delete(target_name)
    saved = target.save(target_name, ContentFile(data))
    if saved != target_name:
        target.delete(saved)
        raise OSError(f"Storage saved {target_name!r} as {saved!r}.")


def _withdraw(image: ArtworkImage) -> list[str]:
    """Move the image's derivatives to private storage; returns their public URLs to purge."""
    public, private = default_storage, private_storage()
    urls = []
    for name in owned_derivative_names(image):
        if public.exists(name):
            # Copy first, delete second: a failure in between leaves two copies, never none.
            _copy(public, name, private, withdrawn_name(name))
            public.delete(name)
        elif not private.exists(withdrawn_name(name)):
            logger.warning("image %s: derivative %s is in neither storage", image.pk, name)
        # Purge even a file already gone: a CDN may still hold it.
        urls.append(absolute_public_url(name))
    return urls


def _restore(image: ArtworkImage) -> None:
    public, private = default_storage, private_storage()
    for name in owned_derivative_names(image):
        kept = withdrawn_name(name)
        if private.exists(kept):
            _copy(private, kept, public, name)
            private.delete(kept)
        elif not public.exists(name):
            logger.warning("image %s: derivative %s is in neither storage", image.pk, name)


def public_files_settle(*, artwork_id: int) -> int:
    """Finish the withdrawals and restorations asked for on an artwork's images.

    Moves each ``withdrawing`` image's derivatives to private storage and each ``restoring``
    image's back, calls the CDN purge hook once with the withdrawn URLs, then marks the images
    ``withdrawn``/``public``. Returns how many images it settled. Idempotent (a second call
    finds nothing to do; a retry after a half-done move finishes it). Raises storage and hook
    errors, leaving the marks in place for the sweep.
    """
    with transaction.atomic():
        # The row locks make two settles of one artwork (on-commit and sweep) take turns, and
        # make a status change that re-marks these images wait until the files have moved.
        # Holding them across storage calls is deliberate: the marks change only after the
        # files did, and a rollback merely means the (idempotent) moves are redone.
        images = list(
            ArtworkImage.objects.select_for_update()
            .filter(artwork_id=artwork_id, public_files__in=MOVING)
            .order_by("pk")
        )
        if not images:
            return 0
        urls: list[str] = []
        for image in images:
            if image.public_files == PublicFiles.WITHDRAWING:
                urls.extend(_withdraw(image))
            else:
                _restore(image)
        cdn_purge(urls)
        ArtworkImage.objects.filter(
            pk__in=[i.pk for i in images if i.public_files == PublicFiles.WITHDRAWING]
        ).update(public_files=PublicFiles.WITHDRAWN)
        for image in images:
            if image.public_files == PublicFiles.RESTORING:
                # Back under the same names; their stored URLs are made again, in case public
                # storage moved (a CDN, another bucket) while the post was removed.
                ArtworkImage.objects.filter(pk=image.pk).update(
                    public_files=PublicFiles.PUBLIC,
                    derivatives=[with_public_url(d) for d in image.derivatives],
                )
        # The images' URLs changed (public storage or the withdrawn-file view): cached pages
        # showing them are retired, through the artwork's own scopes.
        listing_cache.artwork_changed(
            Artwork.objects.only("artist_id", "medium").get(pk=artwork_id)
        )
    logger.info("artwork %s: public files settled for %d images", artwork_id, len(images))
    return len(images)


def public_files_settle_on_commit(*, artwork_id: int) -> None:
    """After the current transaction commits, settle the artwork's files; failures only log."""

    def settle() -> None:
        try:
            public_files_settle(artwork_id=artwork_id)
        except Exception:
            logger.exception(
                "artwork %s: moving public files failed; the sweep retries", artwork_id
            )

    transaction.on_commit(settle)


def file_deletions_record(*, images: list[ArtworkImage]) -> list[int]:
    """Inside the deleting transaction: list every stored file of these images for deletion.

    The originals, the derivatives in public storage and their withdrawn copies in private
    storage (whichever exist: deleting a missing file is a no-op in both backends). Returns
    the new rows' ids for ``file_deletions_run`` on commit.
    """
    rows = []
    for image in images:
        if image.original.name:
            rows.append(FileDeletion(store=FileDeletion.Store.PRIVATE, name=image.original.name))
        for name in owned_derivative_names(image):
            rows.append(FileDeletion(store=FileDeletion.Store.PUBLIC, name=name))
            rows.append(FileDeletion(store=FileDeletion.Store.PRIVATE, name=withdrawn_name(name)))
    return [row.pk for row in FileDeletion.objects.bulk_create(rows)]


def file_deletions_run(*, ids: list[int] | None = None, limit: int = 1000) -> int:
    """Delete listed files from storage, purge the public ones from the CDN, drop the rows.

    ``ids`` limits it to one deletion's rows (on commit); None takes the oldest ``limit`` rows
    (the sweep), except untried rows younger than ``STAGED_FILE_GRACE``. Rows another process
    is working on are skipped. Returns how many files were deleted. On a storage or hook
    error the rows stay, their ``attempts`` go up, the error is logged, and it returns 0.
    """
    tried: list[int] = []
    try:
        with transaction.atomic():
            rows = FileDeletion.objects.select_for_update(skip_locked=True).order_by("pk")
            if ids is not None:
                rows = rows.filter(pk__in=ids)
            else:
                # A staged file's note is swept only once its request is surely over; a
                # deletion whose on-commit run failed (attempts > 0) is retried at once.
                fresh = timezone.now() - STAGED_FILE_GRACE
                rows = rows.filter(Q(attempts__gt=0) | Q(created_at__lt=fresh))
            rows = list(rows[:limit])
            tried = [r.pk for r in rows]
            stores = {
                FileDeletion.Store.PUBLIC: default_storage,
                FileDeletion.Store.PRIVATE: private_storage(),
            }
            for row in rows:
                stores[row.store].delete(row.name)
            public = [r.name for r in rows if r.store == FileDeletion.Store.PUBLIC]
            cdn_purge([absolute_public_url(name) for name in public])
            FileDeletion.objects.filter(pk__in=tried).delete()
    except Exception as exc:
        logger.exception("deleting %d stored files failed; the sweep retries", len(tried))
        FileDeletion.objects.filter(pk__in=tried).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
        return 0
    return len(rows)


def public_files_sweep() -> dict[str, int]:
    """Beat task body: finish every unfinished move and deletion (a storage or CDN outage).

    Returns counts: ``settled`` images, ``deleted`` files, ``failed`` artworks still moving.
    """
    artwork_ids = (
        ArtworkImage.objects.filter(public_files__in=MOVING)
        .order_by("artwork_id")
        .values_list("artwork_id", flat=True)
        .distinct()
    )
    settled = failed = 0
    for artwork_id in list(artwork_ids[:500]):
        try:
            settled += public_files_settle(artwork_id=artwork_id)
        except Exception:
            failed += 1
            logger.exception("artwork %s: moving public files failed again", artwork_id)
    deleted = file_deletions_run()
    if settled or deleted or failed:
        logger.info(
            "public files sweep: %d settled, %d deleted, %d failed", settled, deleted, failed
        )
    return {"settled": settled, "deleted": deleted, "failed": failed}
