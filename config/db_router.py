"""Read replicas: web requests read from the ``replica`` alias, everything else uses the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (config/settings.py adds the alias, this router
and ``PrimaryPinMiddleware``). The rules, from the safest end:

- Every write goes to the primary (``default``).
- Only web requests read from the replica. Celery tasks, beat, management commands and shells
  read the primary: a task checks "already done?" before it writes, and a lagging replica
  would answer that wrongly.
- Within a request, reads go to the primary from the first write on, and inside any
  ``transaction.atomic`` block (a read there is the first half of a write).
- After a request that wrote, the browser carries the ``atelier_primary`` cookie for
  ``DATABASE_REPLICA_PIN_SECONDS``: the redirect after a form (and the next few pages) read the
  primary, so people see their own changes while the replica catches up.

Replica lag is otherwise tolerated: listings and pages are cached for 30 s to 300 s anyway
(docs/performance.md), and the version counters that retire them live in Redis, not in the
database. docs/scaling.md says when to add a replica.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
PIN_COOKIE = "atelier_primary"
ROUTER = "config.db_router.ReplicaRouter"


@dataclass
class _RequestReads:
    replica: bool  # this request may read from the replica (no write yet, no pin cookie)
    wrote: bool = False


# None outside a web request (tasks, commands): the primary for everything.
_reads: ContextVar[_RequestReads | None] = ContextVar("atelier_request_reads", default=None)


def replica_configured() -> bool:
    """A ``replica`` alias with this router in front of it (settings add both, or neither)."""
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


class ReplicaRouter:
    """Django database router for the primary and its ``replica`` alias (module docstring)."""

    def db_for_read(self, model, **hints) -> str:
        reads = _reads.get()
        if reads is None or not reads.replica or not replica_configured():
            return PRIMARY
        # Inside atomic(), what is read decides what is written: the primary's view only.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        # Also asked for select_for_update() and get_or_create(): both count as writes.
        reads = _reads.get()
        if reads is not None:
            reads.replica, reads.wrote = False, True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # One database and its copy: rows read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # Migrations run on the primary only; the replica receives them by replication.
        return db == PRIMARY


class PrimaryPinMiddleware:
    """Marks each request as one that may read from the replica, unless the browser carries
    the pin cookie of a recent write; sets that cookie when the request wrote. Does nothing
    without a replica. Outermost, so the session's own writes count too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        reads = _RequestReads(replica=PIN_COOKIE not in request.COOKIES)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if reads.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                samesite="Lax",
                secure=request.is_secure(),
                httponly=True,
            )
        return response
