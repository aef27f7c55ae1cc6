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


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def start_worker(django_db_serialized_rollback, transactional_db, celery_app_not_eager, tmp_path):
    """Start ``celery -A config worker`` processes (prefork, one child) on this test's database.

    ``start_worker(name, env={...})`` returns a started Worker; every worker it started is
    stopped after the test. Each runs in its own process group, so a test can kill a whole
    worker (main process and pool) at once with ``os.killpg``.
    """
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "ATELIER_TEST_EAGER": "0",
        "ATELIER_TEST_MEDIA_DIR": str(Path(settings.MEDIA_ROOT).parent),
    }
    started: list[subprocess.Popen] = []

    def start(name: str, *, env: dict[str, str] | None = None) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
                "--concurrency=1", "--pool=prefork", "-n", name,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env={**base_env, **(env or {})}, stdout=log.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        started.append(process)
        wait_for(
            lambda: "ready." in log.read_text(errors="replace") or process.poll() is not None,
            timeout=60,
            what="the Celery worker to start",
        )
        assert process.poll() is None, log.read_text()
        return Worker(process, log)

    try:
        yield start
    finally:
        for process in started:
            _stop(process)


def worker_name(label: str) -> str:
    """A node name no other test run uses: parallel runs may share a broker."""
    return f"{label}-{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}-{os.getpid()}@localhost"


@pytest.fixture
def celery_worker(start_worker):
    """One worker on the test's Redis broker."""
    return start_worker(worker_name("itest"))
