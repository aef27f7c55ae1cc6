import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.test import override_settings

from config import health

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_checks_database_redis_and_storage(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "storage": "ok", "redis": "ok"}


def test_readyz_answers_503_naming_the_database_when_it_is_unreachable():
    # A separate process whose DATABASE_URL points at a closed port: a real failed connection.
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz', headers={'host': 'localhost'});"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/atelier",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ATELIER_VAR_DIR="/tmp/atelier-readyz-check",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["failed"] == ["database"]
    assert answer["body"]["checks"]["redis"] == "ok"


class CountingStorage(FileSystemStorage):
    """A real filesystem storage that counts the files written through it."""

    saves = 0

    def _save(self, name, content):
        CountingStorage.saves += 1
        return super()._save(name, content)


class BrokenStorage(FileSystemStorage):
    def _save(self, name, content):
        CountingStorage.saves += 1
        raise OSError("disk full")


def _storages(backend: type, root: Path) -> dict:
    path = f"{__name__}.{backend.__name__}"
    return {
        **settings.STORAGES,
        "default": {"BACKEND": path, "OPTIONS": {"location": str(root / "public")}},
        "private": {"BACKEND": path, "OPTIONS": {"location": str(root / "private")}},
    }


@pytest.fixture
def fresh_storage_check(monkeypatch):
    """Forget this process's last storage check, so the test starts a window."""
    monkeypatch.setattr(health, "_storage_checked", None)
    CountingStorage.saves = 0


def test_readyz_touches_storage_once_per_window(client, db, tmp_path, fresh_storage_check):
    with override_settings(STORAGES=_storages(CountingStorage, tmp_path)):
        first = client.get("/readyz")
        second = client.get("/readyz")
        assert CountingStorage.saves == 2  # one file in each of the two storages, once
        health.STORAGE_CHECK_SECONDS, window = 0, health.STORAGE_CHECK_SECONDS
        try:
            third = client.get("/readyz")
        finally:
            health.STORAGE_CHECK_SECONDS = window
    assert [r.status_code for r in (first, second, third)] == [200, 200, 200]
    assert second.json()["checks"]["storage"] == "ok"
    assert CountingStorage.saves == 4  # the window over, the next call checks again
    # Nothing is left behind.
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_readyz_remembers_a_storage_failure_for_the_window(
    client, db, tmp_path, fresh_storage_check
):
    with override_settings(STORAGES=_storages(BrokenStorage, tmp_path)):
        answers = [client.get("/readyz") for _ in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 503]
    assert answers[-1].json()["failed"] == ["storage"]
    assert answers[-1].json()["checks"]["storage"] == "failed: OSError"
    assert answers[-1].json()["checks"]["database"] == "ok"
    assert CountingStorage.saves == 1
