"""Public media served by Django (single-machine deployments): derivatives and avatars only."""

from __future__ import annotations

from django.conf import settings
from django.views.static import serve

from gallery.models import ArtworkImage


def public_media(request, path: str):
    """Serve a public file; derivatives of an artist who allows AI training say so."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "art":
        allowed = ArtworkImage.objects.filter(
            derivative_key=parts[1], artwork__artist__ai_training_opt_out=False
        ).exists()
        response.ai_training_allowed = allowed
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
