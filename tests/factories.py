"""factory_boy factories; images are generated in memory with Pillow."""

from __future__ import annotations

import io

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone
from PIL import Image

from accounts.models import TrustLevel, User
from community.models import Comment
from gallery.models import Artwork, ArtworkImage, Label

PASSWORD = "correct-horse-battery-staple"


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 80, 40), **save_kwargs) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" and save_kwargs.pop("alpha", False) else "RGB"
    Image.new(mode, size, color).save(out, fmt, **save_kwargs)
    return out.getvalue()


def many_scan_jpeg(size=(96, 64), repeats: int = 1000) -> bytes:
    """A progressive JPEG whose last scan is repeated `repeats` times (issue 10's CPU attack).

    Every repeat is a valid refinement scan, so a decoder works through all of them; at
    9000 x 9000 pixels and 1,000 repeats that took about 70 s. The structure is what matters
    to the tests, so the image stays small.
    """
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, "JPEG", progressive=True)
    data = out.getvalue()
    # In entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so the last
    # FF DA in the file starts the last scan, which runs up to the end-of-image marker.
    last_scan, end = data.rindex(b"\xff\xda"), data.rindex(b"\xff\xd9")
    return data[:end] + data[last_scan:end] * repeats + data[end:]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.handle}@example.com")
    display_name = factory.Faker("name")
    trust_level = TrustLevel.MEMBER

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


def moderators_group() -> Group:
    """The group migration accounts.0002 creates; a transactional test's flush may have
    emptied the table, so recreate it with the same permission when needed."""
    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name="Moderators")
    if created:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="accounts", codename__in=["moderate", "view_original"]
            )
        )
    return group


class ModeratorFactory(UserFactory):
    trust_level = TrustLevel.VETERAN

    @factory.post_generation
    def moderator_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(moderators_group())


class ArtworkFactory(factory.django.DjangoModelFactory):
    """A published artwork with one ready image (derivative names are fake but well formed)."""

    class Meta:
        model = Artwork
        skip_postgeneration_save = True

    artist = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Artwork {n}")
    label = Label.HUMAN
    status = Artwork.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    image_count = 1

    @factory.post_generation
    def with_image(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        key = f"t{obj.pk}"
        image = ArtworkImage.objects.create(
            artwork=obj,
            derivative_key=key,
            original=f"originals/test/{obj.pk}.jpg",
            format="JPEG",
            bytes=100,
            sha256="0" * 64,
            width=640,
            height=480,
            state=ArtworkImage.State.READY,
            placeholder="#336699",
            derivatives=[
                {"name": f"art/{key}/320.webp", "width": 320, "height": 240, "format": "webp"},
                {"name": f"art/{key}/320.jpg", "width": 320, "height": 240, "format": "jpeg"},
            ],
        )
        obj.cover = image
        obj.save(update_fields=["cover"])


class CommentFactory(factory.django.DjangoModelFactory):
    """A visible comment on a published artwork, counted in its ``comment_count`` as the
    comment services would (the count is of visible comments only)."""

    class Meta:
        model = Comment
        skip_postgeneration_save = True

    artwork = factory.SubFactory(ArtworkFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}.")
    status = Comment.Status.VISIBLE

    @factory.post_generation
    def counted(obj, create, extracted, **kwargs):
        if create and obj.status == Comment.Status.VISIBLE:
            Artwork.objects.filter(pk=obj.artwork_id).update(comment_count=F("comment_count") + 1)


def assert_lost_render_is_swept(artist, *, field: str, sweep, lost_error: str) -> None:
    """The beat sweep for files waiting to render (accounts.services._sweep_pending), as an
    avatar's and a banner's tests both need it: ``artist.<field>_pending`` holds a file whose
    render task was lost. A fresh file waits (its task may still come); an old one is rendered
    by the sweep (eager in tests); a vanished one fails with ``lost_error`` instead of waiting
    forever."""
    import os
    import time
    from pathlib import Path

    from django.conf import settings

    assert sweep() == 0
    artist.refresh_from_db()
    old = time.time() - 600
    os.utime(Path(settings.PRIVATE_MEDIA_ROOT) / getattr(artist, f"{field}_pending"), (old, old))
    assert sweep() == 1
    artist.refresh_from_db()
    assert getattr(artist, field) and not getattr(artist, f"{field}_pending")
    assert sweep() == 0
    User.objects.filter(pk=artist.pk).update(**{f"{field}_pending": f"{field}s-pending/gone.png"})
    sweep()
    artist.refresh_from_db()
    assert not getattr(artist, f"{field}_pending")
    assert getattr(artist, f"{field}_error") == lost_error
