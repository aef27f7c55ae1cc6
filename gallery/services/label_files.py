"""The label inside the files: the XMP packet every public derivative carries, and its rewrite.

``artwork_label_packet`` says what the packet holds for a post (the mapping from label and
medium to an IPTC digital source type is documented in docs/provenance.md, "Label in files").
The pipeline writes it when it renders; ``derivatives_rewrite_label`` puts a new one into the
existing derivatives after a relabel or an edit, without re-encoding their pixels.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

import imaging
from config.urls_abs import absolute_url
from gallery.models import Artwork, ArtworkImage, FileDeletion, Label, Medium
from gallery.services.withdrawal import file_deletions_run
from gallery.storage import with_public_url

logger = logging.getLogger(__name__)

# Human-made work: a photograph, or a physical work photographed or scanned, is a digital
# capture; anything drawn, painted or modelled on a computer is a digital creation.
_CAPTURED_MEDIA = frozenset({Medium.PHOTOGRAPHY, Medium.TRADITIONAL})
AI_TRAINING_CONSTRAINT = (
    "The artist reserves the right to use this work for AI/ML training and text and data "
    "mining (EU Directive 2019/790, Article 4(3)). Permission must be obtained from the artist."
)


def label_source_type(*, label: str, medium: str) -> str:
    """The IPTC digital source type code a post's label and medium state."""
    if label == Label.GENERATED:
        return "trainedAlgorithmicMedia"
    if label == Label.ASSISTED:
        return "compositeWithTrainedAlgorithmicMedia"
    return "digitalCapture" if medium in _CAPTURED_MEDIA else "digitalCreation"


def artwork_label_packet(artwork: Artwork) -> bytes:
    """The XMP packet for ``artwork``'s derivatives; reads ``artwork.artist``."""
    artist = artwork.artist
    creator = f"{artist.display_name} (@{artist.handle})" if artist.display_name else artist.handle
    reserved = artist.ai_training_opt_out
    return imaging.label_packet(
        source_type=label_source_type(label=artwork.label, medium=artwork.medium),
        creator=creator,
        web_statement=absolute_url(None, artwork.get_absolute_url()),
        ai_training_reserved=reserved,
        constraints=AI_TRAINING_CONSTRAINT if reserved else "",
    )


def packet_tag(packet: bytes) -> str:
    """A short digest of a packet: derivatives' names carry it, so a new packet is a new URL
    (public files are served as immutable) and an unchanged one is left alone."""
    return hashlib.sha256(packet).hexdigest()[:10]


def derivatives_rewrite_label(*, artwork_id: int) -> int:
    """Write the artwork's current label packet into each ready image's public derivatives.

    Each derivative gets the packet spliced in (``imaging.with_packet``; pixels untouched) and
    is saved under a new name carrying the packet's tag; the image's ``derivatives`` then
    point at the new files in a conditional update, and the old files are deleted (and purged
    from the CDN) after the commit through ``FileDeletion`` rows. Derivatives already tagged
    with the current packet are skipped, so running it twice does nothing the second time.
    Images whose files are withdrawn or moving are skipped (their post is not public), and so
    is a derivative whose file is missing or not a JPEG/WebP. Returns how many images were
    rewritten. Other storage errors propagate for the task to retry.
    """
    artwork = Artwork.objects.select_related("artist").filter(pk=artwork_id).first()
    if artwork is None:
        return 0
    packet = artwork_label_packet(artwork)
    tag = packet_tag(packet)
    images = artwork.images.filter(
        state=ArtworkImage.State.READY, public_files=ArtworkImage.PublicFiles.PUBLIC
    )
    rewritten = 0
    for image in images:
        if _image_rewrite(image, packet, tag):
            rewritten += 1
    return rewritten


def artist_derivatives_rewrite_label(*, artist_id: int) -> int:
    """Bring the label packets of every post by ``artist_id`` up to date with their profile.

    The packet names the artist (``dc:creator``) and carries their AI-training reservation, so
    a profile change makes every packet of theirs stale. Each post goes through
    ``derivatives_rewrite_label``: posts whose packet is already current cost a comparison of
    tags and no file access. Returns how many images were rewritten; storage errors propagate
    for the task to retry (the posts done so far stay done, so a retry resumes cheaply).
    """
    ids = Artwork.objects.filter(artist_id=artist_id).order_by("pk").values_list("pk", flat=True)
    return sum(derivatives_rewrite_label(artwork_id=pk) for pk in ids)


def _image_rewrite(image: ArtworkImage, packet: bytes, tag: str) -> bool:
    folder = f"art/{image.derivative_key}/"
    if all(d.get("label") == tag for d in image.derivatives):
        return False
    new, written = [], []
    for derivative in image.derivatives:
        # Files outside the image's own folder are shared (the bulk seed): never touched.
        if derivative.get("label") == tag or not derivative["name"].startswith(folder):
            new.append(derivative)
            continue
        try:
            with default_storage.open(derivative["name"], "rb") as fh:
                data = imaging.with_packet(fh.read(), packet)
        except (FileNotFoundError, imaging.PacketError):
            # A file gone missing or not ours to splice: keep the row as it is, never fail the
            # whole post for it (the others still get the new packet).
            logger.warning("image %s: cannot rewrite %s", image.pk, derivative["name"])
            new.append(derivative)
            continue
        ext = "jpg" if derivative["format"] == "jpeg" else derivative["format"]
        name = f"{folder}{image.derivative_stem(derivative)}-{tag}.{ext}"
        default_storage.save(name, ContentFile(data))
        written.append(name)
        # A new name is a new URL: stored with it, as the pipeline does.
        new.append(with_public_url({**derivative, "name": name, "bytes": len(data), "label": tag}))
    with transaction.atomic():
        # Conditional on the list as read: a re-render or a withdrawal meanwhile wins, and
        # the files just written are the ones to delete instead.
        updated = ArtworkImage.objects.filter(
            pk=image.pk,
            derivatives=image.derivatives,
            public_files=ArtworkImage.PublicFiles.PUBLIC,
        ).update(derivatives=new)
        # Delete only what the row (as committed, after the update waited for any competing
        # writer's lock) no longer names: a competing rewrite may use the same new names.
        current = (
            ArtworkImage.objects.filter(pk=image.pk).values_list("derivatives", flat=True).first()
        )
        kept = {d["name"] for d in current or []}
        stale = [d["name"] for d in image.derivatives + new if d["name"] not in kept]
        rows = FileDeletion.objects.bulk_create(
            FileDeletion(store=FileDeletion.Store.PUBLIC, name=name)
            for name in dict.fromkeys(stale)
        )
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: file_deletions_run(ids=ids))
    if not updated:
        logger.info("image %s changed while its label packet was rewritten", image.pk)
    return bool(updated)


def derivatives_rewrite_label_on_commit(*, artwork_id: int) -> None:
    """After the current transaction commits, enqueue the rewrite (gallery.tasks)."""
    from gallery.tasks import rewrite_label_packets

    transaction.on_commit(lambda: rewrite_label_packets.delay(artwork_id))
