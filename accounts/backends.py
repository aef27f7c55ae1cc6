"""The authentication backends: Django's and allauth's, loading the session's member with their
page state in one query.

Every signed-in request loads its member (``django.contrib.auth.get_user`` asks the backend
that signed them in); every member page then asks for their verified address, moderator role
and unread count. Django's ``get_user`` is an ORM ``get()`` compiled afresh each time, and the
state was a second query: ``accounts.selectors.member_with_state`` answers both with one
prepared statement. Signing in (``authenticate``) is the parents' own.

Sessions record the dotted path of the backend that signed them in, and Django refuses a
session whose path is no longer listed: ``SessionBackendUpgradeMiddleware`` moves the sessions
made before these classes existed onto them, so nobody is signed out by the change.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.selectors import member_with_state


class _MemberLoader:
    def get_user(self, user_id):
        user = member_with_state(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_MemberLoader, DjangoModelBackend):
    """Django's backend (handle and password; ``force_login``) with the one-query member."""


class AuthenticationBackend(_MemberLoader, AllauthBackend):
    """allauth's backend (handle or email, and password) with the one-query member."""


# The paths sessions made before this module recorded, and their successors.
UPGRADES = {
    "django.contrib.auth.backends.ModelBackend": f"{__name__}.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": f"{__name__}.AuthenticationBackend",
}


class SessionBackendUpgradeMiddleware:
    """Before ``AuthenticationMiddleware``: a session signed in through a backend path that
    ``UPGRADES`` renames gets the new path (saved with the response, once per session), so it
    stays signed in. Requests without a session cookie never load a session here."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            renamed = UPGRADES.get(session.get(BACKEND_SESSION_KEY))
            if renamed is not None:
                session[BACKEND_SESSION_KEY] = renamed
        return self.get_response(request)
