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

        from gallery import provenance

        # The provenance package stays free of Django: it is told the trust list once, here,
        # so every caller (the pipeline, re-scans, the shell) checks signers the same way.
        if settings.C2PA_TRUST_ANCHORS:
            with open(settings.C2PA_TRUST_ANCHORS, encoding="ascii") as fh:
                provenance.set_trust_anchors(fh.read())

        from gallery import receivers

        receivers.connect()
