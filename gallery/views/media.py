"""Images served by Django: public media (single-machine deployments) and withdrawn derivatives."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.static import serve

from gallery.access import can_see_private_files
from gallery.models import ArtworkImage
from gallery.services.withdrawal import owned_derivative_names
from gallery.storage import private_storage, withdrawn_name


def public_media(request, path: str):
    """Serve a public file; derivatives of an artist who allows AI training say so.

    A derivative whose post was removed answers 404 from the moment the removal commits, even
    before its file has left MEDIA_ROOT (gallery.services.withdrawal moves it just after).
    """
    parts = path.split("/")
    image = None
    if len(parts) == 3 and parts[0] == "art":
        image = (
            ArtworkImage.objects.filter(derivative_key=parts[1])
            .values("public_files", "artwork__artist__ai_training_opt_out")
            .first()
        )
        if image is not None and image["public_files"] != ArtworkImage.PublicFiles.PUBLIC:
            raise Http404("No such file.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if len(parts) == 3 and parts[0] == "art":
        response.ai_training_allowed = (
            image is not None and not image["artwork__artist__ai_training_opt_out"]
        )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def withdrawn_media(request, pk: int, filename: str):
    """A derivative of an image whose files left public storage (its post was removed).

    The artist and moderators see a removed post's images here; while an upheld appeal is
    moving them back, anyone who may see the post does. Everyone else gets a 404. Reads the
    withdrawn copy, or the public file when a move is half done.
    """
    image = get_object_or_404(ArtworkImage.objects.select_related("artwork"), pk=pk)
    if not (image.artwork.is_public or can_see_private_files(request.user, image.artwork)):
        raise Http404("No such file.")
    names = [n for n in owned_derivative_names(image) if n.rsplit("/", 1)[-1] == filename]
    if not names:
        raise Http404("No such file.")
    name = names[0]
    for storage, stored in ((private_storage(), withdrawn_name(name)), (default_storage, name)):
        if storage.exists(stored):
            handle = storage.open(stored, "rb")
            break
    else:
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Never in a shared cache: the post is not public.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response.ai_training_allowed = False
    return response
