"""Redis or the broker gone for a minute: pages keep working and uploads are not lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from gallery.models import Artwork, ArtworkImage
from gallery.services import pipeline
from tests.factories import PASSWORD, ArtworkFactory, image_bytes

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@override_settings(CACHES=DEAD_REDIS)
def test_pages_and_login_work_while_redis_is_unreachable(client, artist):
    ArtworkFactory(title="Still here")
    assert "Still here" in client.get("/").content.decode()
    response = client.post(reverse("account_login"), {"login": "ana", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == artist.pk


# One override for both settings: mixing the decorator with pytest-django's ``settings``
# fixture restored them out of order and left the dead cache in place for later tests.
@override_settings(CACHES=DEAD_REDIS, REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_names_redis_when_it_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


@pytest.fixture
def dead_broker():
    from config.celery import app

    def forget_connections():
        # Celery caches its connection pool and producer pool per broker URL.
        app._pool = None
        app.amqp._producer_pool = None

    saved_url = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    forget_connections()
    yield app
    app.conf.broker_url = saved_url
    forget_connections()
    app.conf.task_always_eager = True


def test_upload_while_the_broker_is_down_is_kept_and_picked_up_later(
    client, artist, dead_broker, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {
                "title": "During the outage",
                "medium": "drawing",
                "label": "human-made",
                "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG"))],
            },
        )
    # The artist is sent to the processing page, not shown a 500; nothing is lost.
    assert response.status_code == 302
    image = ArtworkImage.objects.get()
    assert image.state == ArtworkImage.State.PENDING
    assert client.get(response["Location"]).status_code == 200

    # The broker is back: the beat sweeper re-enqueues the image and it is processed.
    dead_broker.conf.task_always_eager = True
    ArtworkImage.objects.filter(pk=image.pk).update(
        state_changed_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.images_sweep_stuck() == 1
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED
