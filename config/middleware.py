"""Request-wide refusals that belong to no app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

NUL = "\x00"
NUL_MESSAGE = "The address contains a NUL byte."
NUL_PARAMETER = "Null characters are not allowed."


class RefuseNulBytesMiddleware:
    """Answer 400 to a NUL byte anywhere in the path or the query string.

    PostgreSQL text cannot hold NUL: psycopg refuses the query with ``ValueError`` (a 500) as
    soon as such a value reaches a filter, and URL parameters and query strings reach many
    (handles, tags, search, cursors). Refusing here covers every view at once; request bodies
    are refused by the form and serializer fields (Django's and DRF's CharField prohibit NUL).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        # The API checks its own path parameters (a handle must match the handle rule; ids are
        # int converters), so a NUL there is "no such artist", a 404, as it always answered.
        if NUL in request.path and not api:
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain")
        names = self._parameters_with_nul(request)
        if names:
            if api:
                # As the API's serializers word it, naming each parameter.
                errors = {name: [NUL_PARAMETER] for name in names}
                detail = f"{names[0]}: {NUL_PARAMETER}"
                return JsonResponse({"detail": detail, "errors": errors}, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain")
        return self.get_response(request)

    @staticmethod
    def _parameters_with_nul(request: HttpRequest) -> list[str]:
        # Parsed rather than searched for "%00": the parsed values are what views read.
        return [
            key.replace(NUL, "\\x00")
            for key, values in request.GET.lists()
            if NUL in key or any(NUL in value for value in values)
        ]
