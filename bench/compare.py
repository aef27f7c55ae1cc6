"""Measure django-photologue's photo list on this machine, beside `/healthz` of the same site.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier .venv/bin/python bench/compare.py \
        [--photos 20000] [--duration 10] [--workers 2] [--no-write]

The reference point for ``bench/feeds.py``: another Django gallery, built from its public PyPI
release into its own virtualenv (``var/bench-compare/venv``: ``pip install django-photologue
gunicorn psycopg2-binary``, once), a minimal project around it (settings, URLs, a ``base.html``
and a bare view as its ceiling), its own PostgreSQL database (``atelier_bench_photologue``,
reused while it holds ``--photos`` photos), ``--photos`` public photos sharing one small JPEG
(photologue renders each size once per file), then gunicorn (``--workers`` sync workers, DEBUG
off) and wrk with the same options as ``bench/feeds.py``. Results go to docs/performance.md
between the ``bench:compare`` markers.

pinry is not measured: its only PyPI release (1.3.2) dates from September 2013, the Django 1.5
era, and its maintained releases are Docker images and GitHub source, which this script does
not fetch.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The same gunicorn, wrk and database helpers as the main benchmark.
import feeds

ROOT = feeds.ROOT
VENV = ROOT / "var" / "bench-compare" / "venv"
START, END = "<!-- bench:compare -->", "<!-- /bench:compare -->"
DATABASE = "atelier_bench_photologue"

SETTINGS = """
import os
from urllib.parse import urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
SECRET_KEY = "compare-" + "x" * 50
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "urls"
SITE_ID = 1
USE_TZ = True
MEDIA_ROOT = os.environ["COMPARE_MEDIA"]
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.sites", "sortedm2m", "photologue",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": url.path.lstrip("/"),
    "HOST": url.hostname or "127.0.0.1", "PORT": url.port or 5432,
    "USER": url.username or "postgres", "PASSWORD": url.password or "", "CONN_MAX_AGE": 60,
}}
"""

URLS = """
from django.http import HttpResponse
from django.urls import include, path

def healthz(request):
    return HttpResponse("ok", content_type="text/plain")

urlpatterns = [
    path("healthz", healthz),
    path("photologue/", include("photologue.urls", namespace="photologue")),
]
"""

BASE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title></head>
<body>{% block content %}{% endblock %}</body></html>
"""

SEED = """
import io, sys
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image
from photologue.models import Photo

wanted = int(sys.argv[1])
have = Photo.objects.count()
if have != wanted:
    Photo.objects.all().delete()
    data = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(data, "JPEG")
    name = "photologue/photos/shared.jpg"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data.getvalue()))
    now = timezone.now()
    rows = [Photo(title=f"Photo {n}", slug=f"photo-{n}", image=name, date_added=now,
                  is_public=True) for n in range(wanted)]
    Photo.objects.bulk_create(rows, batch_size=2000)
    through = Photo.sites.through
    through.objects.bulk_create(
        [through(photo_id=pk, site_id=1) for pk in Photo.objects.values_list("pk", flat=True)],
        batch_size=5000,
    )
print(Photo.objects.count())
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    return parser.parse_args()


def venv_python() -> Path:
    """The photologue virtualenv's interpreter, built from PyPI the first time."""
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"Building {VENV} (pip install django-photologue gunicorn psycopg2-binary)…")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "django-photologue",
                        "gunicorn", "psycopg2-binary"], check=True)  # fmt: skip
    return python


def project(folder: Path) -> None:
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (folder / "urls.py").write_text(textwrap.dedent(URLS))
    (folder / "templates" / "base.html").write_text(BASE_HTML)
    (folder / "seed.py").write_text(textwrap.dedent(SEED))


def main() -> None:
    args = parse_args()
    python = venv_python()
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version("
         "'django-photologue'), m.version('django'))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier"))
    url = urlunsplit(base._replace(path=f"/{DATABASE}"))
    if not feeds.database_exists(url, DATABASE):
        feeds.database_create(url, DATABASE)
    folder = ROOT / "var" / "bench-compare" / "site"
    project(folder)
    env = {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "settings",
        "PYTHONPATH": str(folder),
        "COMPARE_MEDIA": str(ROOT / "var" / "bench-compare" / "media"),
    }
    run_env = {**os.environ, **env}
    manage = [str(python), "-m", "django"]
    subprocess.run([*manage, "migrate", "-v0"], env=run_env, cwd=folder, check=True)
    count = (
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                f"import sys; sys.argv = ['', '{args.photos}']; exec(open('seed.py').read())",
            ],
            env=run_env,
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )  # fmt: skip (Django's shell may print a banner first)
    print(f"photologue {version[0]} on Django {version[1]}: {count} photos")
    port = feeds.free_port()
    command = [str(python), "-m", "gunicorn", "wsgi_app", "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--log-level", "warning",
               "--chdir", str(folder)]  # fmt: skip
    (folder / "wsgi_app.py").write_text(
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    process = feeds._spawn(command, env)
    pages = [
        feeds.Page("photologue photo list", "/photologue/photolist/", "bare"),
        feeds.Page("photologue photo list, page 500", "/photologue/photolist/?page=500", "bare"),
        feeds.Page("bare view (/healthz)", "/healthz", "bare"),
    ]
    rows = []
    load_before = os.getloadavg()[0]
    try:
        feeds.wait_ready(process, port)
        for page in pages:
            feeds.wrk(port, page, feeds.WARMUP, None)  # thumbnails made, connections open
            rps, p50, p99, _, errors = feeds.wrk(port, page, args.duration, None)
            if not rps:
                raise SystemExit(f"{page.label}: wrk counted no request ({errors})")
            rows.append((page, rps, p50, p99, errors))
            print(f"  {page.label:<34} {rps:6.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms "
                  f"{errors}")  # fmt: skip
    finally:
        feeds.process_stop(process)
    ceiling = rows[-1][1]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out = [
        START,
        "### django-photologue, measured the same way (`bench/compare.py`)",
        "",
        f"**{stamp}, {count} photos, {os.cpu_count()} cores ({platform.machine()}), load "
        f"average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after.** "
        f"django-photologue {version[0]} from PyPI on Django {version[1]}, a minimal project "
        f"(its own templates under a bare `base.html`), PostgreSQL, gunicorn {args.workers} "
        f"sync workers with DEBUG off, wrk `-c{feeds.CONNECTIONS} -t{feeds.THREADS} "
        f"-d{args.duration}s` after a {feeds.WARMUP} s warm-up. Its list has 20 photos a page "
        "and counts every photo for the paginator; no page cache.",
        "",
        "| page | req/s | p50 (ms) | p99 (ms) | of its /healthz |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for page, rps, p50, p99, errors in rows:
        flag = f" ({errors})" if errors else ""
        out.append(f"| {page.label}{flag} | {rps:,.0f} | {p50:.1f} | {p99:.1f} "
                   f"| {rps / ceiling:.2f}{feeds.TIMES} |")  # fmt: skip
    out += [
        "",
        "pinry: not measured. Its only PyPI release, 1.3.2, dates from September 2013 (the "
        "Django 1.5 era) and was not tried; its maintained releases ship as Docker images and "
        "GitHub source, which this benchmark does not fetch.",
        END,
    ]
    section = "\n".join(out)
    print("\n" + section)
    if not args.no_write:
        text = feeds.DOC.read_text()
        if START in text and END in text:
            head, rest = text.split(START, 1)
            text = head + section + rest.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        temporary = feeds.DOC.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text)
        temporary.replace(feeds.DOC)
        print(f"Wrote the bench:compare section of {feeds.DOC.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
