"""The read-replica router (config/db_router.py) with two real aliases.

``replica`` is the primary's own test database under a second alias (tests/settings.py, a test
MIRROR), so each alias has its own connection: which connection ran a query says where the
router sent it. The tests are transactional, as production is: inside the atomic block that
wraps an ordinary test, every read would (rightly) go to the primary.
"""

from __future__ import annotations

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from config import db_router
from gallery.models import Artwork
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def routed():
    with override_settings(DATABASE_ROUTERS=[db_router.ROUTER]):
        yield


class Where:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def counts(self) -> tuple[int, int]:
        return len(self.primary), len(self.replica)


def _in_request():
    """What PrimaryPinMiddleware does at the start of a request without the pin cookie."""
    return db_router._reads.set(db_router._RequestReads(replica=True))


def test_without_the_router_everything_uses_the_primary(artist):
    token = _in_request()
    try:
        assert router.db_for_read(Artwork) == "default"
        with Where() as where:
            Artwork.objects.count()
        assert where.counts() == (1, 0)
    finally:
        db_router._reads.reset(token)


def test_request_reads_go_to_the_replica_and_writes_to_the_primary(routed, artist):
    ArtworkFactory(artist=artist, title="seen")
    token = _in_request()
    try:
        assert router.db_for_read(Artwork) == "replica"
        with Where() as where:
            assert [a.title for a in Artwork.objects.all()] == ["seen"]
        assert where.counts() == (0, 1)
        assert router.db_for_write(Artwork) == "default"
        # From the first write on, this request reads the primary (its own writes).
        with Where() as where:
            Artwork.objects.filter(title="seen").update(title="renamed")
            assert Artwork.objects.get().title == "renamed"
        assert where.counts() == (2, 0)
        assert router.db_for_read(Artwork) == "default"
    finally:
        db_router._reads.reset(token)


def test_reads_inside_atomic_blocks_use_the_primary(routed, artist):
    ArtworkFactory(artist=artist)
    token = _in_request()
    try:
        with transaction.atomic():
            assert router.db_for_read(Artwork) == "default"
            with Where() as where:
                Artwork.objects.count()
            assert where.counts() == (1, 0)
        assert router.db_for_read(Artwork) == "replica"
    finally:
        db_router._reads.reset(token)


def test_outside_a_request_tasks_and_commands_read_the_primary(routed, artist):
    assert db_router._reads.get() is None
    with Where() as where:
        Artwork.objects.count()
    assert where.counts() == (1, 0)
    assert router.allow_migrate("default", "gallery") is True
    assert router.allow_migrate("replica", "gallery") is False


def test_pages_read_the_replica_until_a_write_then_the_pin_cookie_holds(
    routed, client, artist, viewer
):
    artwork = ArtworkFactory(artist=artist, title="routed")
    with Where() as where:
        response = client.get("/")
    assert response.status_code == 200 and "routed" in response.content.decode()
    assert where.counts()[0] == 0 and where.counts()[1] >= 1
    assert db_router.PIN_COOKIE not in response.cookies  # nothing was written

    client.force_login(viewer)  # a session row written outside any request
    with Where() as where:
        response = client.post(f"/artworks/{artwork.pk}/like/", {"liked": "1"})
    assert response.status_code == 302
    # The like was written on the primary, and nothing after it read the replica.
    replica_sql = [q["sql"] for q in where.replica.captured_queries]
    assert not any("gallery_like" in sql for sql in replica_sql)
    assert artwork.likes.filter(user=viewer).exists()
    pin = response.cookies[db_router.PIN_COOKIE]
    assert pin["max-age"] == 10 and pin["httponly"]

    # The redirect's page (the browser sends the cookie back) reads the primary only.
    with Where() as where:
        page = client.get(artwork.get_absolute_url())
    assert page.status_code == 200 and where.counts()[1] == 0
    assert "<span>Liked</span>" in page.content.decode()
    # Once the cookie has expired, reads go back to the replica.
    client.cookies.pop(db_router.PIN_COOKIE)
    with Where() as where:
        assert client.get(artwork.get_absolute_url()).status_code == 200
    assert where.counts()[1] >= 1


@pytest.mark.django_db(transaction=False, databases=[])
def test_settings_add_the_alias_and_router_only_with_a_replica_url():
    from tests.config.test_settings import _run_django

    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.DATABASES.get('replica', {}).get('HOST'),"
        " s.DATABASE_REPLICA_PIN_SECONDS)"
    )
    primary = "postgres://u@db:5432/atelier"
    none = _run_django(code, DATABASE_URL=primary)
    assert none.returncode == 0, none.stderr
    assert none.stdout.strip() == "['default'] [] None 10"
    both = _run_django(
        code, DATABASE_URL=primary, DATABASE_REPLICA_URL="postgres://u@replica1:5432/atelier",
        DATABASE_REPLICA_PIN_SECONDS="3",
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert both.stdout.strip() == (
        "['default', 'replica'] ['config.db_router.ReplicaRouter'] replica1 3"
    )
    sqlite = _run_django(code, DATABASE_REPLICA_URL="postgres://u@replica1:5432/atelier")
    assert sqlite.returncode != 0
    assert "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL" in sqlite.stderr
