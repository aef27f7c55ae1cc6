from django.apps import AppConfig


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow's decompression-bomb threshold follows our own pixel limit, so an image the
        # settings allow is never refused by Pillow, and one they refuse never gets decoded.
        Image.MAX_IMAGE_PIXELS = settings.ATELIER_MAX_PIXELS

        from gallery import receivers

        receivers.connect()
