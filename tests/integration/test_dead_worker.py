"""A whole worker killed mid-task: its image is published within seconds, on both brokers.

Redis keeps a dead worker's unacknowledged task for the visibility timeout (300 s); the lease
and the restarted worker's start-up re-enqueue must not wait for it. RabbitMQ redelivers the
task the moment the connection drops; the next worker must take over the dead one's lease.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
import redis
from django.conf import settings
from kombu import Connection

from gallery.models import Artwork, ArtworkImage
from tests.factories import UserFactory
from tests.integration.conftest import wait_for, worker_name
from tests.integration.test_worker import _noise_png, _upload

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]

RABBITMQ_URL = os.environ.get("ATELIER_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Well below both the Redis visibility timeout and the lease (hard time limit + 30 s): passing
# in time proves neither had to run out.
PROMPTLY = 60


def _kill_whole_worker(worker) -> None:
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def _wait_processing(image: ArtworkImage) -> None:
    wait_for(
        lambda: ArtworkImage.objects.get(pk=image.pk).state == ArtworkImage.State.PROCESSING,
        timeout=60,
        interval=0.01,
        what="the task to claim the image",
    )


def _wait_published(artwork: Artwork, worker) -> float:
    started = time.monotonic()
    wait_for(
        lambda: Artwork.objects.get(pk=artwork.pk).status == Artwork.Status.PUBLISHED,
        timeout=PROMPTLY,
        what="the image to be published\n" + worker.output(),
    )
    return time.monotonic() - started


@pytest.fixture
def redis_broker():
    yield
    # The killed worker's message is still in Redis' unacknowledged set: drop it so it can
    # never surface in a later test.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def test_whole_worker_killed_on_redis_is_picked_up_by_its_restart_at_once(
    client, start_worker, redis_broker
):
    name = worker_name("restart")
    first = start_worker(name)
    client.force_login(UserFactory())
    artwork = _upload(client, _noise_png(), "big.png")
    image = ArtworkImage.objects.get(artwork=artwork)
    _wait_processing(image)
    _kill_whole_worker(first)
    assert ArtworkImage.objects.get(pk=image.pk).state == ArtworkImage.State.PROCESSING

    second = start_worker(name)  # the same node name, as a restarted container has
    _wait_published(artwork, second)
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.READY and image.derivatives
    assert image.attempts == 2 and image.lease_owner == ""
    assert "re-enqueued 1 images its previous run held" in second.output()


@pytest.fixture
def rabbitmq_queue():
    """A queue of its own on the local RabbitMQ, deleted afterwards (parallel runs share it)."""
    if os.environ.get("ATELIER_TEST_SKIP_RABBITMQ") == "1":
        pytest.skip("ATELIER_TEST_SKIP_RABBITMQ=1")
    try:
        with Connection(RABBITMQ_URL, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(
            f"RabbitMQ is not reachable at {RABBITMQ_URL} ({exc}). Start it (make services "
            "does when rabbitmq-server is installed), point ATELIER_TEST_RABBITMQ_URL at one, "
            "or set ATELIER_TEST_SKIP_RABBITMQ=1 to skip this test on purpose.",
            pytrace=False,
        )
    queue = f"atelier-itest-{uuid.uuid4().hex[:12]}"
    yield queue
    with Connection(RABBITMQ_URL) as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        channel.exchange_delete(queue)


def test_whole_worker_killed_on_rabbitmq_is_redelivered_to_another_worker_at_once(
    client, start_worker, celery_app_not_eager, rabbitmq_queue
):
    env = {"CELERY_BROKER_URL": RABBITMQ_URL, "CELERY_TASK_DEFAULT_QUEUE": rabbitmq_queue}
    first = start_worker(worker_name("rabbit-a"), env=env)
    client.force_login(UserFactory())
    artwork = _upload(client, _noise_png(), "big.png")
    image = ArtworkImage.objects.get(artwork=artwork)
    # This process's broker is Redis: send the image's task through RabbitMQ ourselves.
    with Connection(RABBITMQ_URL) as conn:
        celery_app_not_eager.send_task(
            "gallery.tasks.process_image", args=[image.pk], connection=conn, queue=rabbitmq_queue
        )
    _wait_processing(image)
    _kill_whole_worker(first)
    assert ArtworkImage.objects.get(pk=image.pk).state == ArtworkImage.State.PROCESSING

    second = start_worker(worker_name("rabbit-b"), env=env)  # another worker, another name
    _wait_published(artwork, second)
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.READY and image.derivatives
    log = second.output()
    assert "taking over the lease" in log and "amqp://" in log, log
