"""Django's PostgreSQL backend, with a persistent connection's health check made free.

With ``CONN_HEALTH_CHECKS`` Django asks a reused connection ``SELECT 1`` before the first
query of every request: a whole round trip, and a transaction for PostgreSQL to start and
end, on every page that reads anything (a member's warm page reads one row). An idle
connection whose server went away (a restart, ``pg_terminate_backend``, a proxy closing it)
has something waiting on its socket: the server's goodbye, or the end of the stream. So the
socket is asked first, without waiting: nothing to read means nothing happened and the
connection is used as it is; anything to read falls back to Django's ``SELECT 1``, which
decides. A server that vanished without a word (a network cut) goes unnoticed either way
until the query, as with ``SELECT 1``.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        # poll, not select: select refuses descriptors past 1023, which a process with many
        # open files reaches, and would have closed a sound connection on every request.
        watch = select.poll()
        try:
            watch.register(self.connection.fileno(), select.POLLIN)
        except (OSError, ValueError):  # the descriptor is gone
            return False
        return not watch.poll(0) or super().is_usable()
