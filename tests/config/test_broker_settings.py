"""Celery settings that must hold for both brokers, Redis and RabbitMQ."""

from tests.config.test_settings import _run_django

SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
    "getattr(s, 'CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS', False), "
    "s.CELERY_BEAT_SCHEDULE['gallery-sweep-stuck-images']['schedule'].total_seconds())"
)


def test_redis_visibility_timeout_must_outlast_the_hard_time_limit():
    result = _run_django(SHOW, CELERY_TASK_TIME_LIMIT="400", CELERY_VISIBILITY_TIMEOUT="300")
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT" in result.stderr


def test_redis_broker_keeps_running_tasks_through_a_reconnect_and_sweeps_every_minute():
    result = _run_django(SHOW, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["300", "False", "60.0"]


def test_rabbitmq_broker_stops_tasks_it_can_no_longer_acknowledge():
    result = _run_django(SHOW, CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "True"


def test_rabbitmq_refuses_a_time_limit_past_its_consumer_timeout():
    result = _run_django(
        SHOW,
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
        CELERY_TASK_TIME_LIMIT="1800",
        CELERY_VISIBILITY_TIMEOUT="2000",
    )
    assert result.returncode != 0
    assert "consumer_timeout" in result.stderr
