"""Zoom copies for images rendered before the pipeline made them.

The pipeline (gallery.services.pipeline) makes the zoom copy of each new image as it renders
it. Images processed earlier get theirs here, one image per call, from their stored original:
``manage.py zoom_copies`` walks them all, and an artist who turns zooming on
(``User.allow_zoom``) has theirs made in the worker (gallery.receivers).
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

import imaging
from gallery import listing_cache
from gallery.models import ArtworkImage, FileDeletion
from gallery.services.label_files import artwork_label_packet
from gallery.services.pipeline import derivative_record
from gallery.services.withdrawal import file_deletions_run
from gallery.storage import private_storage

logger = logging.getLogger(__name__)


def images_without_zoom(*, artist_id: int | None = None) -> QuerySet[ArtworkImage]:
    """Ready images in public storage that could have a zoom copy and have none, by id.

    Only images wider or taller than the widest derivative can have one (``imaging.zoom_size``):
    the others are left out without reading their files.
    """
    widest = max(imaging.DEFAULT_WIDTHS)
    images = (
        ArtworkImage.objects.filter(
            state=ArtworkImage.State.READY, public_files=ArtworkImage.PublicFiles.PUBLIC
        )
        .filter(width__gt=widest)
        .exclude(derivatives__contains=[{"zoom": True}])
        .order_by("pk")
    )
    if artist_id is not None:
        images = images.filter(artwork__artist_id=artist_id)
    return images


def image_zoom_add(*, image_id: int) -> bool:
    """Make and record the zoom copy of one ready image that has none; True when it did.

    Nothing happens (False) when zoom copies are off (``ATELIER_ZOOM_MAX_EDGE`` 0), the image
    is not ready or not in public storage (a removed post: its files wait in private storage),
    it has a zoom copy already, it is too small for one, or its original is missing or no
    longer decodes (logged). The record is added by a conditional update on the list as read:
    a relabel or a withdrawal meanwhile wins, and the file just written is deleted after the
    commit unless the row names it. The artwork's page is retired, since it may now link the
    copy. Storage errors propagate (the task retries).
    """
    if not settings.ATELIER_ZOOM_MAX_EDGE:
        return False
    image = (
        ArtworkImage.objects.select_related("artwork__artist")
        .filter(
            pk=image_id,
            state=ArtworkImage.State.READY,
            public_files=ArtworkImage.PublicFiles.PUBLIC,
        )
        .first()
    )
    if image is None or image.zoom_derivative is not None:
        return False
    try:
        with private_storage().open(image.original.name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        logger.warning("image %s: no original to make a zoom copy from", image.pk)
        return False
    packet = artwork_label_packet(image.artwork)
    try:
        zoom = imaging.render_zoom(
            io.BytesIO(data),
            zoom_edge=settings.ATELIER_ZOOM_MAX_EDGE,
            max_pixels=settings.ATELIER_MAX_PIXELS,
            xmp=packet,
        )
    except imaging.ImageRejected as exc:
        logger.warning("image %s: no zoom copy, the original %s", image.pk, exc.reason)
        return False
    if zoom is None:
        return False
    record = derivative_record(image, zoom, packet, zoom=True)
    with transaction.atomic():
        updated = ArtworkImage.objects.filter(
            pk=image.pk,
            derivatives=image.derivatives,
            state=ArtworkImage.State.READY,
            public_files=ArtworkImage.PublicFiles.PUBLIC,
        ).update(derivatives=[*image.derivatives, record])
        if updated:
            listing_cache.bump_now_and_on_commit([f"artwork:{image.artwork_id}"])
        else:
            # Deleted only when the row (as committed) does not name it: a competing run of
            # the same image writes the same name and may have recorded it.
            current = (
                ArtworkImage.objects.filter(pk=image.pk)
                .values_list("derivatives", flat=True)
                .first()
            )
            if record["name"] not in {d["name"] for d in current or []}:
                row = FileDeletion.objects.create(
                    store=FileDeletion.Store.PUBLIC, name=record["name"]
                )
                transaction.on_commit(lambda: file_deletions_run(ids=[row.pk]))
    return bool(updated)
