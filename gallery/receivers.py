"""Cache invalidation from the rows themselves: every saved or deleted artwork, follow, tag or
artist; and the label packets in public files kept in step with the artist's profile.

Connected in ``GalleryConfig.ready()``. A receiver, not a call in each service: every write that
goes through ``save()`` or ``delete()`` (the services in gallery.services, the state changes that
moderation asks gallery.services.visibility for, the admin, the seeders' single rows) bumps the
listing versions in gallery.listing_cache, so no new write path can forget it. Writes that use
``update()`` call gallery.listing_cache themselves (likes, tags, alt texts, withdrawn files).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile

from gallery import listing_cache
from gallery.tasks import make_artist_zoom_copies, rewrite_artist_label_packets

# The User fields every listing shows (the name and avatar on cards) or filters on (suspension,
# deactivation): a change retires every cached listing.
USER_FIELDS_EVERYWHERE = frozenset(
    {"display_name", "handle", "avatar", "suspended_until", "is_active"}
)
# The fields only the artist's own page shows: a change retires that page alone.
# (allow_zoom: the artwork pages, keyed on the artist's scope, link the zoom copies or not.)
USER_FIELDS_ON_PROFILE = frozenset(
    {
        "bio", "links", "ai_training_opt_out", "artwork_count", "allow_zoom",
        # The portfolio's own (gallery.services.portfolio, accounts.services.banner_*).
        "commission_status", "commission_note", "banner",
    }
)  # fmt: skip
# The fields the label packet inside every public derivative carries (dc:creator and the
# AI-training reservation: gallery.services.label_files.artwork_label_packet).
USER_FIELDS_IN_PACKETS = frozenset({"display_name", "handle", "ai_training_opt_out"})


def _never_listed(artwork) -> bool:
    # A post still in its first processing has never been on any page but its artist's own
    # (never cached): its writes retire nothing, and the upload's transaction stays lean.
    return artwork.status == artwork.Status.PROCESSING


def artwork_saved(sender, instance, **kwargs) -> None:
    if not _never_listed(instance):
        listing_cache.artwork_changed(instance)


def artwork_deleting(sender, instance, **kwargs) -> None:
    # pre_delete: the post's tag rows still exist, so its tag pages are bumped too.
    if not _never_listed(instance):
        listing_cache.artwork_changed(instance)


def tags_changed(sender, instance, action, **kwargs) -> None:
    # taggit's set()/add()/remove() on an artwork: its old and new tag pages (pre_ and post_).
    if action not in ("pre_remove", "pre_clear", "post_add", "post_remove") or not instance.pk:
        return
    if not _never_listed(instance):
        listing_cache.artwork_changed(instance)


def follow_changed(sender, instance, **kwargs) -> None:
    listing_cache.bump_now_and_on_commit(
        [f"follows:{instance.follower_id}", f"artist:{instance.artist_id}"]
    )


def tag_changed(sender, instance, created=False, **kwargs) -> None:
    # A renamed or deleted tag (the admin): its page shows the name, and the page served to
    # anonymous visitors before any query trusts the slug's id only while this scope holds.
    # A new tag (an upload naming one) has no page yet: nothing to retire, the upload stays lean.
    if not created:
        listing_cache.bump_now_and_on_commit([f"tag:{instance.pk}"])


def _stored(value):
    # A file field's value compares by its name, as values() returns it.
    return value.name if isinstance(value, FieldFile) else value


def user_saving(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Before a member's row is written: retire the cached pages and label packets that show
    what really changed (one query for the stored values; nothing when nothing they show did).

    The profile form saves every field it has with each bio edit, so comparing is what keeps
    a bio edit from emptying every cached listing and rewriting every file of the artist.
    """
    if raw or instance.pk is None:
        return
    watched = USER_FIELDS_EVERYWHERE | USER_FIELDS_ON_PROFILE | USER_FIELDS_IN_PACKETS
    if update_fields is not None:
        watched &= set(update_fields)
        if not watched:
            return
    before = type(instance).objects.filter(pk=instance.pk).values(*watched).first()
    if before is None:
        return
    changed = {f for f in watched if before[f] != _stored(getattr(instance, f))}
    if changed & USER_FIELDS_EVERYWHERE:
        listing_cache.bump_now_and_on_commit([listing_cache.GLOBAL, f"artist:{instance.pk}"])
    elif changed & USER_FIELDS_ON_PROFILE:
        listing_cache.bump_now_and_on_commit([f"artist:{instance.pk}"])
    if changed & USER_FIELDS_IN_PACKETS:
        artist_id = instance.pk
        # After the commit, in the worker: the rewrite reads and writes files.
        transaction.on_commit(lambda: rewrite_artist_label_packets.delay(artist_id))
    if "allow_zoom" in changed and instance.allow_zoom:
        # Images processed before zoom copies existed get theirs, in the worker.
        zoom_artist_id = instance.pk
        transaction.on_commit(lambda: make_artist_zoom_copies.delay(zoom_artist_id))


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import (
        m2m_changed,
        post_delete,
        post_save,
        pre_delete,
        pre_save,
    )
    from taggit.models import Tag

    from accounts.models import Follow
    from gallery.models import Artwork, TaggedArtwork

    post_save.connect(artwork_saved, sender=Artwork, dispatch_uid="gallery.cache.artwork_saved")
    pre_delete.connect(
        artwork_deleting, sender=Artwork, dispatch_uid="gallery.cache.artwork_deleting"
    )
    m2m_changed.connect(
        tags_changed, sender=TaggedArtwork, dispatch_uid="gallery.cache.tags_changed"
    )
    post_save.connect(tag_changed, sender=Tag, dispatch_uid="gallery.cache.tag_saved")
    post_delete.connect(tag_changed, sender=Tag, dispatch_uid="gallery.cache.tag_deleted")
    post_save.connect(follow_changed, sender=Follow, dispatch_uid="gallery.cache.follow_saved")
    post_delete.connect(follow_changed, sender=Follow, dispatch_uid="gallery.cache.follow_deleted")
    pre_save.connect(user_saving, sender=get_user_model(), dispatch_uid="gallery.user_saving")
