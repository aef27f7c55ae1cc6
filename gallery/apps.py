from django.apps import AppConfig
from django.conf import settings
from PIL import Image


class GalleryConfig(AppConfig):
    name = "gallery"
    verbose_name = "Gallery"

    def ready(self) -> None:
        # Pillow's decompression-bomb threshold follows our own pixel limit, so an image the
        # settings allow is never refused by Pillow, and one they refuse never gets decoded.
        Image.MAX_IMAGE_PIXELS = settings.ATELIER_MAX_PIXELS
