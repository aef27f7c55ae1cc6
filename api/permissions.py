"""Who may do what: the site's own rules (accounts.access, the User role predicates), plus
the token's scope."""

from __future__ import annotations

from rest_framework import exceptions, permissions

from accounts.access import has_verified_email
from accounts.models import ApiToken


def member_check(request, *, allow_suspended: bool = False, write: bool = False) -> None:
    """Raise unless the caller is a verified member in good standing.

    The same rules as ``accounts.access.member_required``: anonymous → 401, unverified email →
    403, suspended → 403 naming the date (unless ``allow_suspended``). For a write through a
    token, the token must have the write scope.
    """
    user = request.user
    if not user.is_authenticated:
        # NotAuthenticated, not PermissionDenied: DRF answers it 401 with WWW-Authenticate
        # (ApiTokenAuthentication names the scheme), telling the client what to send.
        raise exceptions.NotAuthenticated(
            "Sign in first: send “Authorization: Token <key>” "
            "(make a token on your account page, or with POST /api/v1/auth/token/)."
        )
    # Only a token has a scope. The session (request.auth is None) is the site's own pages,
    # whose writes SessionAuthentication already holds to the CSRF check.
    if write and isinstance(request.auth, ApiToken) and not request.auth.can_write:
        raise exceptions.PermissionDenied(
            "This token is read-only; create a read-write token to make changes."
        )
    if not has_verified_email(user):
        raise exceptions.PermissionDenied("Please confirm your email address first.")
    if not allow_suspended and user.is_suspended:
        raise exceptions.PermissionDenied(
            f"Your account is suspended until {user.suspended_until:%d %B %Y}."
        )


class MemberWrites(permissions.BasePermission):
    """Writes by a verified member in good standing with a read-write token.

    A view lists methods a suspended member may still use in ``suspended_may`` (deleting their
    own artwork, appealing a decision, as on the site).
    """

    def has_permission(self, request, view) -> bool:
        member_check(
            request,
            allow_suspended=request.method in getattr(view, "suspended_may", ()),
            write=True,
        )
        return True


class ReadAnyoneWriteMember(MemberWrites):
    """Anyone may read; writes as ``MemberWrites``."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


class MemberOnly(permissions.BasePermission):
    """Signed-in members only, suspended ones included for reads (their own notifications)."""

    def has_permission(self, request, view) -> bool:
        safe = request.method in permissions.SAFE_METHODS
        member_check(
            request,
            allow_suspended=safe or request.method in getattr(view, "suspended_may", ()),
            write=not safe,
        )
        return True


# The roles are the User predicates the site's templates, views and services ask too: one
# definition each (accounts.models), never a group name or a trust-level number here.
class ModeratorOnly(permissions.BasePermission):
    """Verified moderators in good standing (``User.is_moderator``; a read-write token for
    changes)."""

    def has_permission(self, request, view) -> bool:
        # Suspension is refused even for reads: a moderator suspended mid-shift loses the
        # queue, its evidence and the reporters' names at once, not only the decisions.
        member_check(request, write=request.method not in permissions.SAFE_METHODS)
        if not request.user.is_moderator:
            raise exceptions.PermissionDenied("Only moderators can do this.")
        return True


class ReviewerOnly(permissions.BasePermission):
    """Members who may take part in community review (``User.is_trusted_reviewer``)."""

    def has_permission(self, request, view) -> bool:
        member_check(request, write=request.method not in permissions.SAFE_METHODS)
        if not request.user.is_trusted_reviewer:
            raise exceptions.PermissionDenied("Community review is open to trusted members.")
        return True
