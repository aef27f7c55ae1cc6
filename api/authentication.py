"""Who is calling: a personal access token (``Authorization: Token <key>``) or the site session."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.selectors import active_token
from accounts.services import token_touch

KEYWORD = "Token"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with a personal access token; ``request.auth`` is the ``ApiToken``.

    A request without the header is left to the next class (the session). A malformed, unknown
    or revoked key, or one whose member was deactivated, is a 401 with a plain reason.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        # Another scheme (Basic, Bearer) is not ours to refuse: None lets the session class
        # try, and a request with neither stays anonymous for the public reads.
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Token <key>”, with one space and no quotes."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        # Found by the key's digest, never the key itself: a leaked table holds no usable key,
        # and no constant-time compare is needed since a caller cannot choose digest bytes.
        token = active_token(ApiToken.digest(key))
        if token is None:
            raise exceptions.AuthenticationFailed("That token is not valid or was revoked.")
        # Deactivating an account revokes none of its tokens (reactivating it brings them
        # back), so the account's state is checked on every request.
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is deactivated.")
        token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated requests a 401 with WWW-Authenticate rather than a 403.
        return KEYWORD
