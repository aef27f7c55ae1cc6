"""``manage.py zoom_copies [--artist HANDLE] [--allowed-only] [--limit N] [--enqueue]``.

Makes the zoom copy (``ATELIER_ZOOM_MAX_EDGE``) of each ready image processed before the
pipeline made them, from its stored original. By default here, one image after another, with a
line of progress every 50; ``--enqueue`` hands them to the worker instead (one task each).
Safe to interrupt and run again: an image that has its copy is skipped.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from gallery.services.zoom import image_zoom_add, images_without_zoom
from gallery.tasks import make_zoom_copy


class Command(BaseCommand):
    help = "Make the zoom copies of images processed before the pipeline made them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--artist", metavar="HANDLE", help="only this artist's images")
        parser.add_argument(
            "--allowed-only",
            action="store_true",
            help="only images of artists who allow zooming (the others' copies are never linked "
            "until they turn it on, which makes theirs then)",
        )
        parser.add_argument("--limit", type=int, default=0, help="stop after N images")
        parser.add_argument(
            "--enqueue", action="store_true", help="one worker task per image instead of here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ATELIER_ZOOM_MAX_EDGE:
            raise CommandError("ATELIER_ZOOM_MAX_EDGE is 0: zoom copies are turned off.")
        artist_id = None
        if options["artist"]:
            handle = options["artist"].lstrip("@")
            artist = User.objects.by_handle(handle).first()
            if artist is None:
                raise CommandError(f"No artist with the handle {handle!r}.")
            artist_id = artist.pk
        images = images_without_zoom(artist_id=artist_id)
        if options["allowed_only"]:
            images = images.filter(artwork__artist__allow_zoom=True)
        ids = list(images.values_list("pk", flat=True))
        if options["limit"] > 0:
            ids = ids[: options["limit"]]
        self.stdout.write(f"{len(ids)} images without a zoom copy.")
        if options["enqueue"]:
            for image_id in ids:
                make_zoom_copy.delay(image_id)
            self.stdout.write(f"Enqueued {len(ids)} tasks.")
            return
        made = 0
        for n, image_id in enumerate(ids, start=1):
            made += image_zoom_add(image_id=image_id)
            if n % 50 == 0:
                self.stdout.write(f"{n}/{len(ids)} done, {made} copies made.")
        self.stdout.write(f"Made {made} zoom copies of {len(ids)} images.")
