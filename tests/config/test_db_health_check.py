"""config.postgresql: a reused connection's health check asks its socket, not the server."""

from __future__ import annotations

import copy
import time
import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from config.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    """A second connection of ours, outside the test's transaction, as a worker holds one."""
    wrapper = DatabaseWrapper(copy.deepcopy(connection.settings_dict), alias=DEFAULT_DB_ALIAS)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _backend_pid(wrapper) -> int:
    with wrapper.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _last_statement(pid: int) -> str | None:
    with connection.cursor() as cur:
        cur.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cur.fetchone()
    return row and row[0]


def _new_request(wrapper) -> None:
    """What Django does at a request's start and first query (close_old_connections, then
    the cursor's health check)."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def test_the_project_uses_this_backend():
    assert isinstance(connections[DEFAULT_DB_ALIAS], DatabaseWrapper)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_live_idle_connection_is_kept_without_a_round_trip(other):
    _assert_kept_without_a_round_trip(other)


def _assert_kept_without_a_round_trip(other) -> None:
    pid = _backend_pid(other)
    marker = f"SELECT 'health-check-{uuid.uuid4()}'"
    with other.cursor() as cur:
        cur.execute(marker)
    _new_request(other)
    assert other.connection is not None
    # Django's own check would have sent SELECT 1: the server saw nothing after the marker.
    assert _last_statement(pid) == marker
    assert _backend_pid(other) == pid


def test_a_connection_the_server_ended_is_replaced_before_the_query(other):
    pid = _backend_pid(other)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while _last_statement(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    _new_request(other)
    assert other.connection is None  # closed by the check, not by a failed page query
    with other.cursor() as cur:  # the page's query reconnects
        cur.execute("SELECT 42")
        assert cur.fetchone() == (42,)
    assert _backend_pid(other) != pid


def test_a_connection_past_descriptor_1023_is_checked_as_cheaply():
    """select() refuses descriptors past 1023 (a worker with many open files reaches them):
    the check must neither fail there nor close a sound connection on every request."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("the process may not open 1,200 files here")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    spare = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    wrapper = DatabaseWrapper(copy.deepcopy(connection.settings_dict), alias=DEFAULT_DB_ALIAS)
    try:
        wrapper.ensure_connection()
        assert wrapper.connection.fileno() > 1023
        _assert_kept_without_a_round_trip(wrapper)
    finally:
        wrapper.close()
        for fd in spare:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
