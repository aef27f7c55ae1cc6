import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_config, env_bool, env_choice, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_reads_common_spellings():
    assert env_bool("X", False, environ={"X": "Yes"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True


def test_env_bool_rejects_garbage():
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", False, environ={"X": "maybe"})


def test_env_int_rejects_non_numbers_and_out_of_range():
    assert env_int("N", 5, environ={"N": "1_000"}) == 1000
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 5, environ={"N": "ten"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="at most 10"):
        env_int("N", 5, maximum=10, environ={"N": "11"})


def test_env_choice_rejects_unknown_value():
    assert env_choice("S", "a", ("a", "b"), environ={"S": "b"}) == "b"
    with pytest.raises(ImproperlyConfigured, match="S must be one of a, b"):
        env_choice("S", "a", ("a", "b"), environ={"S": "c"})


def test_env_url_rejects_wrong_scheme_missing_host_and_bad_port():
    schemes = ("redis",)
    assert env_url("U", None, schemes=schemes, environ={"U": "redis://h:6379/0"})
    with pytest.raises(ImproperlyConfigured, match="must start with redis://"):
        env_url("U", None, schemes=schemes, environ={"U": "http://h"})
    with pytest.raises(ImproperlyConfigured, match="names no host"):
        env_url("U", None, schemes=schemes, environ={"U": "redis://"})
    with pytest.raises(ImproperlyConfigured, match="bad port"):
        env_url("U", None, schemes=schemes, environ={"U": "redis://h:99999"})


def test_env_list_and_str():
    assert env_list("L", environ={"L": "a, b,,c "}) == ["a", "b", "c"]
    assert env_str("S", "d", environ={}) == "d"


def test_database_config_parses_postgres_url_and_requires_a_name():
    config = database_config("postgres://u:p%40ss@db:5433/atelier?sslmode=require", conn_max_age=60)
    assert config["ENGINE"] == "config.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "u", "p@ss", "db", "5433"
    )  # fmt: skip
    assert config["NAME"] == "atelier"
    assert config["OPTIONS"] == {"sslmode": "require"}
    assert config["CONN_HEALTH_CHECKS"] is True
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_config("postgres://db:5432/", conn_max_age=0)


def _run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    ours = ("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_no_secret_key_without_debug_refuses_to_start():
    result = _run_django(
        "import django; django.setup()", DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="x"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-development-only-key-never-used-when-debug-is-off",  # settings.py's
        "build-only-not-a-secret",  # the Dockerfile's build key, before it was random
        "django-insecure-" + "q8w7e6r5t4y3u2i1o0p9" * 3,  # startproject's kind of key
        "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P",  # 31 random-looking characters: too short
        "abcd" * 20,  # long but four distinct characters
    ],
)
def test_known_or_weak_secret_key_without_debug_refuses_to_start(key):
    result = _run_django(
        "import django; django.setup()", DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="x"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is a published development key or too weak" in result.stderr


def test_strong_secret_key_without_debug_starts():
    result = _run_django(
        "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG)",
        DEBUG="false",
        SECRET_KEY="Zr4-kP9_wQ2xN7vB1mL8cT5yH3jD6fG0sA4eU9iO2pK7nM1bV5",
        ALLOWED_HOSTS="x",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_key_still_serves_development():
    result = _run_django(
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECRET_KEY.startswith('django-insecure'))",
        DEBUG="true",
        SECRET_KEY="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_bad_variable_refuses_to_start_with_its_name():
    result = _run_django("import django; django.setup()", CONN_MAX_AGE="forever")
    assert result.returncode != 0
    assert "CONN_MAX_AGE must be an integer" in result.stderr


def test_check_deploy_is_clean_with_production_like_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "-production-like-secret-" + "z" * 30,
            "ALLOWED_HOSTS": "atelier.example",
            "CSRF_TRUSTED_ORIGINS": "https://atelier.example",
            "EMAIL_HOST": "smtp.atelier.example",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/atelier"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_default_needs_nothing_set():
    result = _run_django(
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.CACHES['default']['BACKEND'], s.DEBUG, s.MAILERS['default']['BACKEND'])",
        ATELIER_VAR_DIR="/tmp/atelier-embedded-check",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_embedded_broker_connects_without_a_hostname_warning():
    result = _run_django(
        "import django, logging; django.setup(); logging.basicConfig();"
        "from config.celery import app; c = app.connection_for_write();"
        "print(c.info()['transport'], c.info()['hostname'])",
        ATELIER_VAR_DIR="/tmp/atelier-embedded-check",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["memory", "localhost"]
    assert "No hostname was supplied" not in result.stderr


@pytest.mark.parametrize("rate", ["30", "0/h", "ten/min", "5/week"])
def test_a_malformed_comment_rate_refuses_to_start(rate):
    result = _run_django("import django; django.setup()", DEBUG="true", COMMENT_RATE=rate)
    assert result.returncode != 0
    assert "COMMENT_RATE must look like 30/h or 5/min" in result.stderr


def test_the_wsgi_application_freezes_what_lives_as_long_as_the_worker():
    """config.wsgi loads the URLs and views, then moves every object made so far out of the
    collector's reach (full collections walked them: a 100 ms stop every few thousand
    requests)."""
    result = _run_django(
        "import gc, sys, config.wsgi; "
        "print(gc.get_freeze_count(), 'gallery.views.feeds' in sys.modules)",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 10_000
    assert views_loaded == "True"
