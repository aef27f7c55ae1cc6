"""Who is calling: a personal access token (``Authorization: Token <key>``) or the site session."""

from __future__ import annotations

from django.db import connection
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.services import token_touch

KEYWORD = "Token"


# The token's columns, read beside its member's row: every API call with a token asks, so the
# statement is written once from the models' metadata instead of compiled by the ORM per request
# (that compile was most of a cached list page's time).
_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]


def _token_sql() -> str:
    quote = connection.ops.quote_name
    token_columns = ", ".join(
        f"t.{quote(f.column)} AS {quote('token__' + f.attname)}"
        for f in ApiToken._meta.concrete_fields
    )
    # Only the models' own table and column names go in; the digest is a parameter.
    return (
        f"SELECT u.*, {token_columns} FROM {quote(ApiToken._meta.db_table)} t"  # noqa: S608
        f" JOIN {quote(User._meta.db_table)} u"
        f" ON u.{quote(User._meta.pk.column)} = t.{quote(ApiToken._meta.get_field('user').column)}"
        f" WHERE t.{quote(ApiToken._meta.get_field('key_hash').column)} = %s"
        f" AND t.{quote(ApiToken._meta.get_field('revoked_at').column)} IS NULL LIMIT 1"
    )


_TOKEN_SQL = None


def _active_token(digest: str) -> ApiToken | None:
    """The unrevoked token with this key digest, its ``user`` loaded, or None. One query."""
    global _TOKEN_SQL
    if _TOKEN_SQL is None:
        _TOKEN_SQL = _token_sql()
    user = next(iter(User.objects.raw(_TOKEN_SQL, [digest])), None)
    if user is None:
        return None
    token = ApiToken.from_db(
        user._state.db, _TOKEN_FIELDS, [getattr(user, "token__" + n) for n in _TOKEN_FIELDS]
    )
    for name in _TOKEN_FIELDS:
        delattr(user, "token__" + name)
    token.user = user
    return token


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
        token = _active_token(ApiToken.digest(key))
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
