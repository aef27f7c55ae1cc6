"""A held artist's upload with the broker down: never public, and waiting for approval (with its
case) once the broker is back, through the sweep. A real worker, a real Redis broker stopped and
started again, PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from gallery.models import Artwork, ArtworkImage
from gallery.services.pipeline import images_sweep_stuck
from moderation.models import Case
from tests.factories import UserFactory
from tests.integration.conftest import wait_for, worker_name
from tests.integration.test_worker import _noise_png, _upload

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A private redis-server this test may stop and start (the shared one serves others)."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        # A worker given REDIS_URL=<this server> takes its broker database the way
        # tests/settings.py derives it (8 + the xdist worker's index): use the same one.
        index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
        self.server_url = f"redis://127.0.0.1:{self.port}/0"
        self.url = f"redis://127.0.0.1:{self.port}/{8 + index}"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize",
             "yes", "--dir", str(self.dir), "--appendonly", "yes", "--save", ""],
            check=True, capture_output=True,
        )  # fmt: skip
        wait_for(self._up, timeout=10, what="the broker to start")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True
        )
        wait_for(lambda: not self._up(), timeout=10, what="the broker to stop")

    def _up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


@pytest.fixture
def broker(tmp_path, celery_app_not_eager):
    broker = Broker(tmp_path)
    broker.start()
    app = celery_app_not_eager
    old = app.conf.broker_url
    # This process enqueues through the private broker too (fresh connection pools).
    app.conf.broker_url = broker.url
    app._pool = None
    app.amqp._producer_pool = None
    yield broker
    app.conf.broker_url = old
    app._pool = None
    app.amqp._producer_pool = None
    broker.stop()


def _anonymous_sees(artwork: Artwork) -> list[str]:
    """Every public surface that shows the post to an anonymous viewer right now."""
    cache.clear()  # this loop polls faster than the API lets an anonymous client (429)
    anonymous = Client()
    anonymous.cookies["atelier_feed"] = "all"
    seen = []
    if anonymous.get(f"/artworks/{artwork.pk}/", follow=True).status_code == 200:
        seen.append("page")
    if anonymous.get(f"/api/v1/artworks/{artwork.pk}/").status_code == 200:
        seen.append("api")
    if f"/artworks/{artwork.pk}/" in anonymous.get("/").content.decode():
        seen.append("feed")
    if f'"id":{artwork.pk},' in anonymous.get("/api/v1/artworks/?show=all").content.decode():
        seen.append("api-list")
    return seen


def test_held_upload_with_the_broker_down_is_never_public_and_waits_after_the_sweep(
    client, start_worker, broker
):
    worker = start_worker(worker_name("held"), env={"REDIS_URL": broker.server_url})
    artist = UserFactory(uploads_held_until=timezone.now() + timedelta(days=30))
    client.force_login(artist)

    broker.stop()
    artwork = _upload(client, _noise_png((2400, 1600)), "held.png")  # the enqueue fails
    image = ArtworkImage.objects.get(artwork=artwork)
    assert image.state == ArtworkImage.State.PENDING
    assert _anonymous_sees(artwork) == []

    broker.start()
    # The sweep runs every minute under beat; here it runs once the row looks lost.
    ArtworkImage.objects.filter(pk=image.pk).update(
        state_changed_at=timezone.now() - timedelta(minutes=10)
    )
    assert images_sweep_stuck() >= 1
    deadline = time.monotonic() + 120
    while Artwork.objects.get(pk=artwork.pk).status == Artwork.Status.PROCESSING:
        assert _anonymous_sees(artwork) == [], "visible while processing"
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.05)

    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.AWAITING_APPROVAL, artwork.status_reason
    assert _anonymous_sees(artwork) == []
    # The intake task (through the broker) opens the approval case and clears the hand-off.
    wait_for(
        lambda: Case.objects.open().filter(artwork=artwork).exists(),
        timeout=60,
        what="the approval case\n" + worker.output(),
    )
    wait_for(
        lambda: not Artwork.objects.get(pk=artwork.pk).handoff_pending,
        timeout=30,
        what="the hand-off to finish",
    )
    assert _anonymous_sees(artwork) == []
