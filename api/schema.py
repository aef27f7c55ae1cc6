"""drf-spectacular glue: the token scheme, optional auth on public reads, shared error bodies."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions

from api.permissions import ReadAnyoneWriteMember


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal access token, sent as `Authorization: Token <key>`. "
            "Create one on the account page (Settings → API tokens) or with "
            "`POST /api/v1/auth/token/`.",
        }


class AtelierAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        perms = self.view.get_permissions()
        public_read = self.method in permissions.SAFE_METHODS and any(
            isinstance(p, ReadAnyoneWriteMember) for p in perms
        )
        # In OpenAPI an empty security requirement means "no credentials": listing it beside
        # the token says a public read works anonymously and also with a token (which is
        # then checked: a wrong one is a 401 even here).
        if public_read and {} not in auths:
            auths.append({})
        return auths


ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` lists the problems by field.",
    401: "Not signed in, or the token is malformed, unknown or revoked.",
    403: "Signed in but not allowed: read-only token, unverified email or suspended account.",
    404: "No such object, or not one this caller may see.",
    409: "The object's current state stands in the way (e.g. a comment past its edit window, "
    "hidden or deleted).",
    413: "The request is larger than the server accepts.",
    415: "The request's content type is not accepted here.",
    429: "Too many requests: wait for the number of seconds in `Retry-After`.",
}


def errors(*codes: int, authenticated: bool = True) -> dict[int, OpenApiResponse]:
    """Error responses for ``extend_schema(responses=…)``.

    429 is always possible, and so is 401 wherever a token is read (a wrong one is refused
    even on public reads).
    """
    from api.serializers import ErrorSerializer

    always = {429, 401} if authenticated else {429}
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in sorted(always | set(codes))
    }


HANDLE = OpenApiParameter(
    "handle",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9_-]{2,30}$",
    description="The artist's handle (case does not matter).",
)
