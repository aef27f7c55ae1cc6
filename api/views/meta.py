"""The schema, its browsable docs, and JSON 404s for unknown API paths."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

schema_view = SpectacularAPIView.as_view()
docs_view = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema", template_name="api/swagger_ui.html"
)


# Exempt: it changes nothing, and a POST to a wrong path should learn that the path is wrong,
# not get the site's HTML CSRF page.
@csrf_exempt
def not_found(request, path: str = ""):
    """Unknown API paths answer in JSON like the rest of the API, never the site's HTML 404."""
    detail = "No such API endpoint; see /api/docs/."
    if not request.path.endswith("/"):
        try:
            resolve(request.path + "/")
        except Resolver404:
            pass
        else:
            detail = f"No such API endpoint: did you mean {request.path}/ (with a slash)?"
    return JsonResponse({"detail": detail, "errors": {}}, status=404)
