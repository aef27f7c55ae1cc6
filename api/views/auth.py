"""Getting a token with a password, revoking it, and who am I."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.access import has_verified_email
from accounts.models import ApiToken
from accounts.services import token_create, token_revoke
from api.permissions import MemberOnly
from api.schema import errors
from api.serializers import MeSerializer, MeUpdate, TokenObtain, TokenSerializer
from api.throttling import ClientThrottle, TokenObtainIpThrottle, TokenObtainLoginThrottle

BAD_LOGIN = "The login or the password is wrong."


class TokenView(APIView):
    # A stale or wrong token in the header must not stop someone from getting a new one.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Replaces the default list, so the general ClientThrottle is named again.
    throttle_classes = [ClientThrottle, TokenObtainIpThrottle, TokenObtainLoginThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get a token with a login and password",
        description="For an account with a verified email address that is not suspended "
        "(403 otherwise). Limited to a few attempts a minute per IP address and per login. "
        "The token is returned once.",
        request=TokenObtain,
        responses={201: TokenSerializer, **errors(400, 403, authenticated=False)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        form = TokenObtain(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        # The site's own backends: a handle (any case) or an email address, as on the login
        # page; the password is checked in constant time and inactive accounts are refused.
        user = authenticate(
            request._request, username=data["login"].strip(), password=data["password"]
        )
        # One message for an unknown login and a wrong password: no probing for accounts.
        if user is None:
            raise exceptions.ValidationError({"non_field_errors": [BAD_LOGIN]})
        if not has_verified_email(user):
            raise exceptions.PermissionDenied(
                "Please confirm your email address first (see the email we sent you)."
            )
        try:
            token, key = token_create(user=user, name=data["name"], scope=data["scope"])
        except DjangoValidationError as exc:
            if exc.code == "suspended":
                raise exceptions.PermissionDenied(exc.messages[0]) from None
            raise exceptions.ValidationError({"non_field_errors": exc.messages}) from None
        body = {
            "token": key,
            "id": token.pk,
            "name": token.name,
            "scope": token.scope,
            "key_prefix": token.key_prefix,
        }
        return Response(TokenSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenHolder(permissions.BasePermission):
    """Anyone who authenticated with a token may revoke that token: whatever its scope, and
    whether or not the member is suspended or still verified. Throwing a key away must never
    need more rights than using it."""

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Send the token to revoke in the header.")
        return True


class TokenRevokeView(APIView):
    permission_classes = [TokenHolder]

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Revoke the token this request is sent with",
        description="Always allowed to the token's holder: a read-only token, a suspended "
        "member's token and an unverified member's token can all revoke themselves (a 403 "
        "only for the site's session without its CSRF token).",
        request=None,
        responses={204: OpenApiResponse(description="Revoked."), **errors(400, 403)},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError(
                "This request was not sent with a token; revoke tokens on your account page."
            )
        token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [MemberOnly]
    # A viewing preference is not posting: a suspended member may still change it.
    suspended_may = ("PATCH",)

    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in member",
        responses={200: MeSerializer, **errors(403)},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        operation_id="me_partial_update",
        summary="Change the signed-in member's viewing preferences",
        description="`mature_preference`: `show`, `blur` or `hide` mature work (as on the "
        "settings page). Needs a read-write token.",
        request=MeUpdate,
        responses={200: MeSerializer, **errors(400, 403)},
        tags=["auth"],
    )
    def patch(self, request: Request) -> Response:
        params = MeUpdate(data=request.data)
        params.is_valid(raise_exception=True)
        account_services.mature_preference_set(
            user=request.user, preference=params.validated_data["mature_preference"]
        )
        return Response(MeSerializer(request.user, context={"request": request}).data)
