from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from gallery.models import Artwork
        from gallery.signals import artwork_scanned
        from moderation import receivers

        artwork_scanned.connect(
            receivers.on_artwork_scanned, sender=Artwork, dispatch_uid="moderation-scanned"
        )
