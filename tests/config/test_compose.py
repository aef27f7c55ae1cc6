"""Docker does not run here: parse docker-compose.yml and check it against the settings."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services_with_health_checks_and_volumes():
    compose = _compose()
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis", "migrate"} <= set(services)
    for name in ("web", "worker", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "--appendonly" in services["redis"]["command"]
    assert any(v.startswith("redisdata:") for v in services["redis"]["volumes"])
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


def test_app_services_read_env_file_and_point_at_db_and_redis():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_every_variable_the_settings_read_is_documented():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', settings_text))
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    readme = (ROOT / "README.md").read_text()
    assert read, "no variables found: the pattern is wrong"
    assert read - documented == set(), "missing from .env.example"
    assert {v for v in read if f"`{v}`" not in readme} == set(), "missing from README"


def test_compose_variables_are_ones_the_settings_know():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', settings_text))
    for name, service in _compose()["services"].items():
        for variable in service.get("environment") or {}:
            if name not in ("db", "rabbitmq"):  # the images' own variables
                assert variable in read, f"{name} sets {variable}, which settings never read"


def test_rabbitmq_is_an_opt_in_broker_behind_a_profile():
    compose = _compose()
    services = compose["services"]
    rabbitmq = services["rabbitmq"]
    assert rabbitmq["profiles"] == ["rabbitmq"]
    assert "healthcheck" in rabbitmq and rabbitmq["hostname"]
    assert any(v.startswith("rabbitmqdata:/var/lib/rabbitmq") for v in rabbitmq["volumes"])
    assert "rabbitmqdata" in compose["volumes"]
    for name in ("web", "worker", "beat"):
        # Waits for RabbitMQ when the profile is on, and starts without it when it is off.
        assert services[name]["depends_on"]["rabbitmq"] == {
            "condition": "service_healthy",
            "required": False,
        }, name
        # The broker is switched in .env alone, never pinned here.
        assert "CELERY_BROKER_URL" not in services[name]["environment"], name
    for name, service in services.items():
        if name != "rabbitmq":
            assert "profiles" not in service, f"{name} must start without a profile"
