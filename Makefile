# Atelier — `make run` for the embedded demo, `make test` for the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000

# uv: a working `uv` on PATH, else `python3 -m uv` (installed with pip on first use).
UV = $(shell if uv --version >/dev/null 2>&1; then echo uv; elif python3 -m uv --version >/dev/null 2>&1; then echo "python3 -m uv"; fi)
# Python 3.13: on PATH, else pyenv's (uv sees pyenv's interpreters only through its shims).
PY313 := $(shell command -v python3.13 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null | tail -1)
UV_PYTHON_FLAG := $(if $(PY313),--python $(PY313),)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# Test services (override to point at others).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/atelier
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_WORKERS ?= 2

.PHONY: help uv _sync venv run migrate demo worker beat test lint fmt services check-deploy bench clean \
  backup restore

help:
	@echo "make run      start the site with demo content on http://127.0.0.1:$(PORT) (SQLite, eager tasks)"
	@echo "make test     lint + the whole test suite against PostgreSQL and Redis"
	@echo "make worker   a Celery worker (needs REDIS_URL)      make beat   the Celery beat scheduler"
	@echo "make lint     ruff check + format check              make fmt    ruff format + fix"
	@echo "make backup   database + media to var/backups/<time>/ (BACKUP=path, a folder or .tar)"
	@echo "make restore BACKUP=path [YES=1]   put a backup back (YES=1 replaces existing data)"

uv:
	@if [ -z "$(UV)" ]; then \
	  echo "Installing uv with pip…"; \
	  python3 -m pip install --quiet uv || { echo "Could not install uv with pip: install it (https://docs.astral.sh/uv/) and re-run." >&2; exit 1; }; \
	fi

# UV is worked out again after `make uv`: a recipe's lines are expanded before it runs, so the
# value from before the install would be empty on a fresh machine.
$(VENV)/.synced: pyproject.toml uv.lock
	@$(MAKE) --no-print-directory uv
	@$(MAKE) --no-print-directory _sync

_sync:
	$(UV) sync --frozen $(UV_PYTHON_FLAG)
	@touch $(VENV)/.synced

venv: $(VENV)/.synced

migrate: venv
	$(MANAGE) migrate --no-input

demo: migrate
	$(MANAGE) seed_demo
	$(MANAGE) build_reports --current

# Emails sent by tasks have no request to take the address from: the run target (and the demo
# and migrate it runs first, which name the sites framework's row) use this server's address.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	@echo "Atelier on http://127.0.0.1:$(PORT)  (demo logins in README.md)"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

worker: venv
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: venv
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

services:
	@bash scripts/ensure_services.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: venv services lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

check-deploy: venv
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=atelier.example \
	  DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(MANAGE) check --deploy --fail-level WARNING

bench: venv services
	$(PY) bench/thumbnails.py
	$(PY) bench/provenance.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/feeds.py $(FEEDS_ARGS)
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/compare.py

# Backups use the same environment as the site (DATABASE_URL, STORAGE_BACKEND, AWS_*, MEDIA_ROOT…).
backup: venv
	$(MANAGE) backup $(if $(BACKUP),--output "$(BACKUP)")

restore: venv
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<time> [YES=1]" >&2; exit 2; }
	$(MANAGE) restore "$(BACKUP)" $(if $(YES),--yes)

# Load-and-fault run (loopback only, bounded): its own Redis, database, gunicorn, worker and beat;
# results in docs/reliability.md. BENCH_ARGS="--clients 4 --duration 15" for a short run.
.PHONY: bench-reliability
bench-reliability: venv services
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/load_fault.py $(BENCH_ARGS)

clean:
	rm -rf var $(VENV)
