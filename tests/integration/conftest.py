"""A real Celery worker process against the test database and Redis."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(p) for p in (task / "children").read_text().split()]
    return children


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    @property
    def pool_pids(self) -> list[int]:
        return child_pids(self.process.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def celery_app_not_eager():
    from config.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def celery_worker(django_db_serialized_rollback, transactional_db, celery_app_not_eager, tmp_path):
    """Start ``celery -A config worker`` (prefork, one child) on this test's database."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "ATELIER_TEST_EAGER": "0",
        "ATELIER_TEST_MEDIA_DIR": str(Path(settings.MEDIA_ROOT).parent),
    }
    log = tmp_path / "worker.log"
    name = f"itest-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}-{os.getpid()}@localhost"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
            "--concurrency=1", "--pool=prefork", "-n", name,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(
            lambda: "ready." in log.read_text(errors="replace") or process.poll() is not None,
            timeout=60,
            what="the Celery worker to start",
        )
        assert process.poll() is None, log.read_text()
        yield Worker(process, log)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
