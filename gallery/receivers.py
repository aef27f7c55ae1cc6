"""Cache invalidation from the rows themselves: every saved or deleted artwork, follow or artist.

Connected in ``GalleryConfig.ready()``. A receiver, not a call in each service: every write that
goes through ``save()`` or ``delete()`` (the services in gallery.services, the state changes that
moderation asks gallery.services.visibility for, the admin, the seeders' single rows) bumps the
listing versions in gallery.listing_cache, so no new write path can forget it. Writes that use
``update()`` call gallery.listing_cache themselves (likes, tags, alt texts, withdrawn files).
"""

from __future__ import annotations

from gallery import listing_cache

# The User fields cards, listings and artist pages show or filter on; saving others (last
# login, preferences) leaves every cached page right.
USER_FIELDS_SHOWN = frozenset(
    {"display_name", "handle", "avatar", "bio", "links", "suspended_until", "is_active",
     "ai_training_opt_out", "artwork_count"}
)  # fmt: skip


def artwork_saved(sender, instance, **kwargs) -> None:
    listing_cache.artwork_changed(instance)


def artwork_deleting(sender, instance, **kwargs) -> None:
    # pre_delete: the post's tag rows still exist, so its tag pages are bumped too.
    listing_cache.artwork_changed(instance)


def tags_changed(sender, instance, action, **kwargs) -> None:
    # taggit's set()/add()/remove() on an artwork: its old and new tag pages (pre_ and post_).
    if action in ("pre_remove", "pre_clear", "post_add", "post_remove") and instance.pk:
        listing_cache.artwork_changed(instance)


def follow_changed(sender, instance, **kwargs) -> None:
    listing_cache.bump_now_and_on_commit(
        [f"follows:{instance.follower_id}", f"artist:{instance.artist_id}"]
    )


def user_saved(sender, instance, update_fields=None, created=False, **kwargs) -> None:
    if created:
        return
    if update_fields is not None and not (set(update_fields) & USER_FIELDS_SHOWN):
        return
    # A suspension changes what every listing may show; a new name shows on cards everywhere.
    listing_cache.bump_now_and_on_commit([listing_cache.GLOBAL, f"artist:{instance.pk}"])


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    from accounts.models import Follow
    from gallery.models import Artwork, TaggedArtwork

    post_save.connect(artwork_saved, sender=Artwork, dispatch_uid="gallery.cache.artwork_saved")
    pre_delete.connect(
        artwork_deleting, sender=Artwork, dispatch_uid="gallery.cache.artwork_deleting"
    )
    m2m_changed.connect(
        tags_changed, sender=TaggedArtwork, dispatch_uid="gallery.cache.tags_changed"
    )
    post_save.connect(follow_changed, sender=Follow, dispatch_uid="gallery.cache.follow_saved")
    post_delete.connect(follow_changed, sender=Follow, dispatch_uid="gallery.cache.follow_deleted")
    post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="gallery.cache.user_saved")
