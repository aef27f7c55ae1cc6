"""Benchmark the public pages under gunicorn, measured with wrk, over 1,000,000 seeded artworks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier .venv/bin/python bench/feeds.py \
        [--artworks 1000000] [--artists 1000] [--database atelier_bench] [--duration 10] \
        [--configs sync:2,sync:4,gthread:2:4] [--rounds 1] [--caches warm,cold] \
        [--follows 500] [--api-tokens 400] [--uploads 40 | --no-mixed] [--reuse] [--drop] \
        [--seed-only] [--no-write]

Needs PostgreSQL (DATABASE_URL names the server; the benchmark uses its own database,
``--database``, created here, migrated, seeded with ``gallery.demo.bulk_seed`` (``COPY``) and its
search vectors filled, then kept for the next run when its seeded artwork count still matches;
``--reuse`` keeps whatever it holds, ``--drop`` drops it at the end), Redis (BENCH_REDIS_URL,
default ``redis://127.0.0.1:6379/14``; its page-cache keys are deleted around each cold run) and
``wrk`` (Debian/Ubuntu: ``apt-get install -y wrk``; macOS: ``brew install wrk``).

Pages: the human-only feed's first page and a page 10,000 artworks deep, a tag, a medium and an
artist page, the search page, an artwork page (with its related work), Explore's Popular tab
and the tag index (ranked and counted once after seeding, as beat would), the following feed
of a member who follows ``--follows`` artists (signed in: wrk sends the session cookie), a
tag's Atom feed, the API list (each request carries one of ``--api-tokens`` personal tokens in
turn, so no token's throttle bucket runs dry) and ``/healthz`` (a bare view: the ceiling).

For each gunicorn configuration (``sync:WORKERS`` or ``gthread:WORKERS:THREADS``) the site runs on
127.0.0.1 with DEBUG off, and wrk loads each page for ``--duration`` seconds at 16 connections
(``-c16 -t2 --latency``) after a 2-second warm-up, once per ``--caches`` mode: *warm* (the
warm-up fills the page cache; then it serves) and *cold* (the page-cache keys are deleted, and a
thread bumps the global listing version every 5 ms, so nearly every request renders
its page again; Redis's own miss counter, per request, shows how cold it was). Before that, an
in-process pass with Django's test client counts each page's queries, cold and warm, and splits
its time between SQL and the rest (mostly template rendering).

Then, unless ``--no-mixed``, the mixed run: the first configuration again, with a real Celery
worker process (``--worker-concurrency``) processing ``--uploads`` real uploads, made through
``gallery.services.upload.artwork_upload`` at an even pace while wrk loads each page (warm
caches, which every publish invalidates). The uploads are deleted afterwards (through
``artwork_delete``), so the database can be reused.

gunicorn and the worker are stopped at the end, also on error or Ctrl-C. Results go to
docs/performance.md between the ``bench:feeds`` markers; other sections are left alone.

Time: each configuration runs (pages x caches + 1) x (duration + 2) seconds, about 4 minutes
at the defaults; the mixed run as long again as one configuration's warm pass, plus the wait
for the last uploads. Seeding 1,000,000 artworks takes minutes once (``--seed-only`` to do it
ahead); the database is reused after that.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:feeds -->", "<!-- /bench:feeds -->"
CONNECTIONS, THREADS = 16, 2
WARMUP = 2
DEEP = 10_000
FULL_SIZE = 1_000_000  # the seed the targets are stated for
PAGE_SIZE = 24
ATOM_ENTRIES = 30
SEARCH_TEXT = "harbour"
TARGET_RPS, TARGET_P99_MS, TARGET_DEEP_RATIO, TARGET_RATIO = 500, 50.0, 0.9, 0.15
# A cold run bumps the global listing version this often: well under a cold page's latency
# (16 connections / its req/s), so each render finds its versions moved again, and rarely
# enough that the bumping thread costs little next to the pages (its CPU is charged to the load).
BUMP_EVERY = 0.005
# Bench members: none starts with "seed", so they never count as seeded content.
VIEWER, API_MEMBER, UPLOADER = "benchviewer", "benchapi", "benchartist"
TOKENS_PER_MEMBER = 20  # accounts.services.MAX_ACTIVE_TOKENS
TIMES = "\N{MULTIPLICATION SIGN}"
WRK_MISSING = (
    "wrk is not installed. Debian/Ubuntu: `apt-get install -y wrk`; macOS: `brew install wrk`; "
    "or build it from https://github.com/wg/wrk."
)


@dataclass
class Page:
    """One page to load, and what a correct answer to it looks like."""

    label: str
    path: str
    kind: str  # "cards", "artwork", "atom", "api", "tags" (the tag index) or "bare"
    expect: str = ""  # text the artwork page must contain
    cards: int = PAGE_SIZE  # cards a listing page must show (an artist may have fewer)
    cookie: str = ""  # a member's session cookie (the following feed)
    tokens: list[str] = field(default_factory=list)  # API keys, one per request in turn

    @property
    def cached(self) -> bool:
        return self.kind != "bare"


@dataclass
class Result:
    page: str
    cache: str  # "warm", "cold", or "mixed"
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    # CPU milliseconds per request: gunicorn (arbiter and workers), PostgreSQL backends, and the
    # load side (wrk, plus the cold run's version bumper).
    app_cpu_ms: float = 0.0
    db_cpu_ms: float = 0.0
    wrk_cpu_ms: float = 0.0
    # Redis misses per request: about 0 when the page cache served, about 1 when it rendered.
    misses: float | None = None

    @property
    def capacity(self) -> float:
        """Requests/s the whole machine could serve if this work were all it did."""
        spent = self.app_cpu_ms + self.db_cpu_ms + self.wrk_cpu_ms
        return (os.cpu_count() or 1) * 1000 / spent if spent else 0.0


@dataclass
class Mixed:
    """The mixed run: pages under load while a worker processes uploads."""

    results: list[Result]
    uploads: int
    window_s: float
    done: dict[str, int]  # final status -> count
    latency_s: list[float]  # enqueue -> finished, per upload
    worker_cpu_s: float
    images_per_worker_hour: float
    waited_s: float


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artworks", type=int, default=1_000_000)
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--database", default="atelier_bench")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--configs",
        default="sync:2,sync:3,sync:5,gthread:2:4,gthread:3:2",
        help="comma-separated sync:WORKERS or gthread:WORKERS:THREADS; the first is the baseline",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="sweeps over the configurations; the best is kept"
    )
    parser.add_argument(
        "--caches",
        default="warm,cold",
        help="page-cache modes to measure: warm, cold or both (cold doubles the time)",
    )
    parser.add_argument(
        "--follows", type=int, default=500, help="artists the signed-in member follows"
    )
    parser.add_argument(
        "--api-tokens",
        type=int,
        default=400,
        help="API tokens rotated per request (each allows 300 requests/min: keep tokens x 5 "
        "above the API's req/s)",
    )
    parser.add_argument(
        "--uploads", type=int, default=40, help="uploads processed during the mixed run"
    )
    parser.add_argument(
        "--upload-size",
        default="1600x1200",
        help="WIDTHxHEIGHT of each uploaded JPEG in the mixed run",
    )
    parser.add_argument(
        "--worker-concurrency", type=int, default=1, help="Celery pool size in the mixed run"
    )
    parser.add_argument("--no-mixed", action="store_true", help="skip the mixed run")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the database as it is, whatever its artwork count (seed once, run many)",
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database, then stop")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated words: load only the pages whose label holds one (and /healthz); "
        "a partial run never writes docs/performance.md",
    )
    args = parser.parse_args()
    args.caches = [c.strip() for c in args.caches.split(",") if c.strip()]
    if not args.caches or set(args.caches) - {"warm", "cold"}:
        parser.error("--caches takes warm, cold or warm,cold")
    if "warm" not in args.caches:
        args.caches.insert(0, "warm")  # /healthz and the mixed run compare against warm pages
    if not re.fullmatch(r"\d+x\d+", args.upload_size):
        parser.error("--upload-size takes WIDTHxHEIGHT, e.g. 1600x1200")
    args.follows = min(args.follows, args.artists)
    args.only = [w.strip() for w in args.only.split(",") if w.strip()]
    if args.only:
        args.no_write = True
    return args


# --- Environment and database ------------------------------------------------------------------


def bench_environment(database: str) -> dict[str, str]:
    """The deployment-like settings shared by this process, gunicorn's workers and the worker."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://...).")
    var_dir = Path(tempfile.gettempdir()) / "atelier-bench-feeds"
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{database}")),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        # Its own queue: a worker of another site sharing this Redis never takes its uploads.
        "CELERY_TASK_DEFAULT_QUEUE": "bench-feeds",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ATELIER_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # The mixed run's uploader posts far more than an artist may in an hour.
        "ATELIER_UPLOADS_PER_HOUR": "1000000",
        "ATELIER_UPLOAD_ATTEMPTS_PER_HOUR": "1000000",
    }


def admin_connection(database_url: str):
    """A psycopg2 connection to the server's ``postgres`` database, for CREATE/DROP DATABASE."""
    import psycopg2

    parts = urlsplit(database_url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def database_exists(database_url: str, name: str) -> bool:
    with contextlib.closing(admin_connection(database_url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cur.fetchone() is not None


def database_create(database_url: str, name: str) -> None:
    with contextlib.closing(admin_connection(database_url)) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')


def database_drop(database_url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with contextlib.closing(admin_connection(database_url)) as conn, conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seeded_count() -> int:
    """Published artworks of the seeded artists: the bench's own members' posts never count."""
    from gallery.models import Artwork

    return Artwork.objects.filter(
        status=Artwork.Status.PUBLISHED, artist__handle__startswith="seed"
    ).count()


def seeded_tail_is_complete(count: int) -> bool:
    """Whether a partial seed stopped on a batch boundary (every batch commits whole)."""
    from gallery.demo import SEED_BATCH

    return count % SEED_BATCH == 0


def index_search(*, vacuum: bool = False) -> str:
    """Fill the search vectors ``bulk_seed`` leaves empty (one UPDATE), then VACUUM ANALYZE.

    Without empty vectors nothing happens, unless ``vacuum`` (right after a seed). Returns a
    note of the time taken, or "".
    """
    from django.db import connection

    from gallery.models import Artwork
    from gallery.services.artworks import artwork_index_search

    indexed = 0.0
    if Artwork.objects.filter(search_vector__isnull=True).exists():
        print("Filling search vectors (one UPDATE over every artwork)…")
        started = time.perf_counter()
        artwork_index_search()
        indexed = time.perf_counter() - started
    elif not vacuum:
        return ""
    started = time.perf_counter()
    with connection.cursor() as cur:  # autocommit: VACUUM cannot run inside a transaction
        cur.execute("VACUUM ANALYZE")
    note = f"search vectors {indexed:.0f} s, VACUUM ANALYZE {time.perf_counter() - started:.0f} s"
    print(note)
    return note


def rank_explore() -> str:
    """Run the explore ranking and the tag counts once (beat does it every few minutes on a
    real site): the explore page and the tag index read their results. Returns a note."""
    from gallery.services import explore

    started = time.perf_counter()
    ranked = explore.ranks_compute()
    ranked_s = time.perf_counter() - started
    started = time.perf_counter()
    tags = explore.tag_stats_compute()
    note = (
        f"explore ranking {ranked_s:.1f} s ({ranked['popular']:,} popular), "
        f"tag counts {time.perf_counter() - started:.1f} s ({tags:,} rows)"
    )
    print(note)
    return note


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> str:
    """Create, migrate and seed the database unless a matching one exists; returns a note."""
    import django

    url, name = env["DATABASE_URL"], args.database
    if not database_exists(url, name):
        database_create(url, name)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    count = seeded_count()
    if count == args.artworks or (args.reuse and count):
        with connection.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                        "WHERE datname = current_database()")  # fmt: skip
            note = cur.fetchone()[0] or "seeded earlier"
        if count != args.artworks:
            print(f"--reuse: {name} holds {count:,} seeded artworks; --artworks is now {count:,}.")
            args.artworks = count
        print(f"Reusing {name}: {count:,} published artworks ({note}).")
        if extra := index_search():
            note += "; " + extra
            with connection.cursor() as cur:
                cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [note])
        return f"reused; {note}"
    if 0 < count < args.artworks and seeded_tail_is_complete(count):
        # A seed stopped part-way (each batch of SEED_BATCH commits on its own) goes on.
        from gallery.demo import bulk_seed

        print(f"{name} holds {count:,} of {args.artworks:,} artworks: seeding the rest…")
        started = time.perf_counter()
        bulk_seed(artworks=args.artworks, artists=args.artists, stdout=sys.stdout, start=count)
        note = (
            f"bulk_seed resumed at {count:,} of {args.artworks:,} artworks, "
            f"{time.perf_counter() - started:.0f} s; " + index_search(vacuum=True)
        )
        with connection.cursor() as cur:
            cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [note])
        print(note)
        return note
    if count:
        print(f"{name} holds {count:,} artworks, not {args.artworks:,}: recreating it.")
        database_drop(url, name)
        database_create(url, name)
        call_command("migrate", verbosity=0, interactive=False)
    from gallery.demo import bulk_seed

    print(f"Seeding {args.artworks:,} artworks over {args.artists:,} artists (COPY)…")
    started = time.perf_counter()
    bulk_seed(artworks=args.artworks, artists=args.artists, stdout=sys.stdout)
    seeded = time.perf_counter() - started
    note = (
        f"bulk_seed of {args.artworks:,} artworks / {args.artists:,} artists took {seeded:.0f} s, "
        + index_search(vacuum=True)
    )
    with connection.cursor() as cur:
        cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [note])
    print(note)
    return note


# --- Members: a follower with a session, API tokens, an uploader -------------------------------


def bench_member(handle: str):
    """A bench member with a verified address (member pages send the unverified to confirm
    it), created once; an unusable password: it signs in by session only."""
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user, _ = User.objects.get_or_create(
        handle=handle,
        defaults={"email": f"{handle}@bench.example", "display_name": handle, "password": "!"},
    )
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def viewer_session(follows: int) -> tuple[str, int]:
    """The following feed's member: follows the first ``follows`` seeded artists (through
    ``follow_set``, once), signed in afresh. Returns (session cookie header, follows)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import Follow, User
    from accounts.services import follow_set

    viewer = bench_member(VIEWER)
    have = Follow.objects.filter(follower=viewer).count()
    if have < follows:
        print(f"{VIEWER} follows {follows} artists…")
        for artist in User.objects.filter(handle__startswith="seed").order_by("pk")[:follows]:
            follow_set(follower=viewer, artist=artist, following=True)
        # Fresh statistics, as autovacuum would gather them soon: with the table's old count
        # (a few rows) the planner walks each followed artist's posts instead of the feed's
        # index, and the cold following feed took 6.3 s instead of 1.2 ms at 1,000,000.
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE accounts_follow")
    client = Client()
    client.force_login(viewer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={cookie}", Follow.objects.filter(
        follower=viewer
    ).count()


def api_tokens(count: int) -> list[str]:
    """``count`` fresh read tokens over as many bench members as it takes (20 each), made by
    ``token_create``; the previous run's tokens are revoked first (their keys are gone)."""
    from accounts.models import ApiToken
    from accounts.services import token_create, token_revoke

    keys = []
    for n in range(-(-count // TOKENS_PER_MEMBER)):
        member = bench_member(f"{API_MEMBER}{n}")
        for token_id in ApiToken.objects.active().filter(user=member).values_list("pk", flat=True):
            token_revoke(user=member, token_id=token_id)
        for _ in range(min(TOKENS_PER_MEMBER, count - len(keys))):
            keys.append(token_create(user=member, name="bench", scope="read")[1])
    return keys


# What preparing a run rewrites: the viewer's row (a follow count per follow, a sign-in), the
# follows, the tokens, the sessions, and the explore ranking and tag counts rebuilt each run.
PREPARED_TABLES = (
    "accounts_user", "accounts_follow", "accounts_apitoken", "django_session",
    "gallery_artworkrank", "gallery_tagstat",
)  # fmt: skip


def vacuum_what_preparing_wrote() -> None:
    """VACUUM ANALYZE the tables preparing the run rewrote, as autovacuum would on a running
    site within a minute or so.

    This machine's PostgreSQL runs with autovacuum off (its CI configuration). Unvacuumed, the
    viewer's row kept every old version its follows and sign-ins left (a chain of 500 and more
    on its page), and every request of the viewer's walked it: 0.2 to 0.45 ms of PostgreSQL
    per request, growing with each run, and the following feed measured anywhere between 193
    and 538 req/s from one run to the next.
    """
    from django.db import connection

    with connection.cursor() as cur:  # autocommit: VACUUM cannot run inside a transaction
        cur.execute(f"VACUUM ANALYZE {', '.join(PREPARED_TABLES)}")


def pages(*, cookie: str, tokens: list[str]) -> list[Page]:
    """Every page to load; the deep cursor and the artwork come from the real selector."""
    from gallery import selectors

    qs = selectors.artworks_for_listing(preference="human")
    deep_item = qs.select_related(None).only("published_at")[DEEP - 1 : DEEP].get()
    cursor = selectors.encode_cursor(deep_item)
    newest = qs.first()
    # Small seeds give an artist fewer posts than a page holds.
    artist_cards = len(qs.filter(artist__handle="seed1").values_list("pk", flat=True)[:PAGE_SIZE])
    from gallery import explore

    popular = explore.explore_listing(feed=explore.POPULAR, preference="human")
    # Small seeds rank fewer posts than a page holds (only the last 30 days are ranked).
    popular_cards = len(popular.values_list("pk", flat=True)[:PAGE_SIZE])
    return [
        Page("feed, first page", "/", "cards"),
        Page(f"feed, {DEEP:,} deep", f"/?after={cursor}", "cards"),
        Page("tag page (tag0)", "/tags/tag0/", "cards"),
        Page("medium page (drawing)", "/medium/drawing/", "cards"),
        Page("artist page (@seed1)", "/@seed1/", "cards", cards=artist_cards),
        Page(f"search ({SEARCH_TEXT})", f"/search/?q={SEARCH_TEXT}", "cards"),
        Page("following feed (member)", "/following/", "cards", cookie=cookie),
        Page("artwork page", newest.get_absolute_url(), "artwork", expect=newest.title),
        Page("explore, popular", "/explore/", "cards", cards=popular_cards),
        Page("tag index", "/tags/", "tags", expect='href="/tags/tag0/"'),
        Page("Atom feed (tag0)", "/tags/tag0/feed.atom", "atom"),
        Page("API list (token)", "/api/v1/artworks/", "api", tokens=tokens),
        Page("bare view (/healthz)", "/healthz", "bare"),
    ]


# --- Page cache: cold runs ---------------------------------------------------------------------


def page_cache_purge() -> int:
    """Delete every cached page block (``lc:`` keys) from Redis; returns how many.

    Nothing reads a block after its versions moved on, but a cold run leaves thousands behind
    (one per request): deleting them keeps Redis's memory, and the next run, unaffected.
    """
    from django.core.cache import cache

    client = _redis()
    deleted, batch = 0, []
    for key in client.scan_iter(match=cache.make_key("lc:*"), count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += client.unlink(*batch)
            batch = []
    if batch:
        deleted += client.unlink(*batch)
    return deleted


def _redis():
    """A plain client of the cache's Redis, for what Django's cache API cannot do."""
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def redis_misses() -> int:
    """Redis's server-wide miss counter (INFO stats): a page rendered is one block missed."""
    return int(_redis().info("stats")["keyspace_misses"])


class Bumper(threading.Thread):
    """Keeps every page cold: bumps the global listing version (``lv:all``, in every key)
    every ``BUMP_EVERY`` seconds through ``listing_cache.bump``, as a change to any post would.

    Its own CPU time is counted (``cpu_ms``) and charged to the load side, not to the site.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.cpu_ms = 0.0
        self.bumps = 0

    def run(self) -> None:
        from gallery import listing_cache

        started = time.thread_time()
        try:
            while not self.halt.wait(BUMP_EVERY):
                listing_cache.bump([listing_cache.GLOBAL])
                self.bumps += 1
        finally:
            self.cpu_ms = (time.thread_time() - started) * 1000

    def stop(self) -> float:
        self.halt.set()
        self.join(timeout=10)
        return self.cpu_ms


# --- In-process breakdown ----------------------------------------------------------------------


def breakdown(paths: list[Page], caches: list[str], rounds: int = 60) -> list[dict]:
    """Per page and cache mode: queries and the medians of wall ms, SQL ms and this process's
    CPU ms. Cold: the global version is bumped before each request (outside the timing)."""
    from django.db import connection
    from django.test import Client

    from gallery import listing_cache

    rows = []
    for page in paths:
        client = Client(HTTP_HOST="127.0.0.1")
        if page.cookie:
            name, value = page.cookie.split("=", 1)
            client.cookies[name] = value
        client.get(page.path, **_auth(page, 0))  # warm-up: templates load, the connection opens
        for mode in caches if page.cached else ["warm"]:
            samples: list[tuple[float, float, int, float]] = []
            for n in range(rounds):
                if mode == "cold":
                    listing_cache.bump([listing_cache.GLOBAL])
                sql = [0.0, 0]

                def timed(execute, query, params, many, context, sql=sql):
                    started = time.perf_counter()
                    try:
                        return execute(query, params, many, context)
                    finally:
                        sql[0] += (time.perf_counter() - started) * 1000
                        sql[1] += 1

                with connection.execute_wrapper(timed):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = client.get(page.path, **_auth(page, n + 1))
                    total = (time.perf_counter() - started) * 1000
                    cpu = (time.process_time() - cpu_started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{page.path} answered {response.status_code} in-process")
                samples.append((total, sql[0], sql[1], cpu))
            rows.append(
                {
                    "page": page.label,
                    "cache": mode if page.cached else "—",
                    "queries": max(s[2] for s in samples),
                    "total_ms": statistics.median(s[0] for s in samples),
                    "sql_ms": statistics.median(s[1] for s in samples),
                    "cpu_ms": statistics.median(s[3] for s in samples),
                }
            )
    return rows


def _auth(page: Page, n: int) -> dict[str, str]:
    """The test client's header for the API: one token after another, like the wrk script."""
    if not page.tokens:
        return {}
    return {"HTTP_AUTHORIZATION": f"Token {page.tokens[n % len(page.tokens)]}"}


# --- gunicorn and wrk --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM the process if this script dies, even by SIGKILL."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _spawn(command: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        **kwargs,
    )


def gunicorn_start(config: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    kind, workers, *rest = config.split(":")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", workers, "--worker-class", kind,
               "--log-level", "warning", "--timeout", "30"]  # fmt: skip
    if kind == "gthread":
        command += ["--threads", rest[0] if rest else "4"]
    elif kind != "sync":
        raise SystemExit(f"Unknown worker class in {config!r}: use sync:N or gthread:N:T.")
    process = _spawn(command, env)
    wait_ready(process, port)
    return process


def wait_ready(process: subprocess.Popen, port: int) -> None:
    """Until gunicorn answers /healthz (30 s at most; it is stopped if it never does)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} on start")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    process_stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def process_stop(process: subprocess.Popen, *, wait: int = 15) -> None:
    if process.poll() is not None:
        return
    # Its own session: the signal reaches the arbiter (or Celery's main process) and its
    # children, nothing else.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def check_page(port: int, page: Page) -> None:
    """One request, checked: a wrong page measured fast is worse than no measurement."""
    headers = {"Host": "127.0.0.1"}
    if page.cookie:
        headers["Cookie"] = page.cookie
    if page.tokens:
        headers["Authorization"] = f"Token {page.tokens[0]}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{page.path}", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
        status, final = response.status, response.geturl()
    problem = ""
    if status != 200 or urlsplit(final).path != urlsplit(page.path).path:
        problem = f"answered {status} at {final}"
    elif page.kind == "cards" and body.count('class="art-card"') != page.cards:
        problem = f"did not render {page.cards} cards"
    elif page.kind == "artwork" and page.expect not in body:
        problem = f"does not show the artwork's title {page.expect!r}"
    elif page.kind == "artwork" and 'id="related-heading"' not in body:
        problem = "shows no related work"
    elif page.kind == "tags" and page.expect not in body:
        problem = f"does not link {page.expect!r}"
    elif page.kind == "atom" and body.count("<entry>") != ATOM_ENTRIES:
        problem = f"does not hold {ATOM_ENTRIES} entries"
    elif page.kind == "api" and len(json.loads(body)["results"]) != PAGE_SIZE:
        problem = f"did not list {PAGE_SIZE} artworks"
    if problem:
        raise SystemExit(f"{page.label}: {page.path} {problem}")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def token_script(tokens: list[str], folder: Path) -> Path:
    """A wrk Lua script sending each request with the next token: each token has its own
    throttle bucket (300 requests a minute), so the pool answers what one token could not."""
    path = folder / "tokens.lua"
    quoted = ",\n  ".join(json.dumps(t) for t in tokens)
    path.write_text(
        "-- Written by bench/feeds.py: one API token per request, in turn.\n"
        f"local tokens = {{\n  {quoted}\n}}\n"
        "local next_start = 0\n"
        "function setup(thread)\n"
        "  thread:set('start', next_start)\n"
        "  next_start = next_start + 7919\n"
        "end\n"
        "local n = 0\n"
        "function request()\n"
        "  n = n + 1\n"
        "  local key = tokens[((start or 0) + n) % #tokens + 1]\n"
        "  return wrk.format(nil, nil, {['Authorization'] = 'Token ' .. key})\n"
        "end\n"
    )
    return path


def wrk(port: int, page: Page, duration: int, script: Path | None) -> tuple:
    command = ["wrk", f"-c{CONNECTIONS}", f"-t{THREADS}", f"-d{duration}s", "--latency",
               "--timeout", "5s"]  # fmt: skip
    if page.cookie:
        command += ["-H", f"Cookie: {page.cookie}"]
    if page.tokens and script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{page.path}"],
        capture_output=True, text=True, check=True, timeout=duration + 30,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    problems = []
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        problems.append(f"{match.group(1)} non-2xx")
    if match := re.search(r"Socket errors: (.+)", output):
        problems.append("socket errors " + match.group(1).strip())
    return rps, p50, p99, requests, "; ".join(problems)


def _cpu_ms(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process, in ms (Linux /proc; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    spent = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            spent[pid] = (int(fields[11]) + int(fields[12])) * 1000 / tick
    return spent


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(stat.parent.name))
    return pids


def _backend_pids(database_url: str, name: str) -> list[int]:
    with contextlib.closing(admin_connection(database_url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])
        return [row[0] for row in cur.fetchall()]


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(ms - before.get(pid, 0.0) for pid, ms in after.items())


def measure(
    process: subprocess.Popen, port: int, page: Page, mode: str, env: dict, args, script
) -> Result:
    """One wrk run of ``page`` with its CPU accounting; ``mode`` "cold" runs the bumper."""
    database = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    bumper = None
    if mode == "cold":
        page_cache_purge()
        bumper = Bumper()
        bumper.start()
    try:
        wrk(port, page, WARMUP, script)  # warm-up: templates, connections (and the page cache)
        app_before = _cpu_ms(_group_pids(process.pid))
        db_before = _cpu_ms(_backend_pids(env["DATABASE_URL"], database))
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        misses_before = redis_misses()
        rps, p50, p99, requests, errors = wrk(port, page, args.duration, script)
        misses = redis_misses() - misses_before
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        app = _delta(app_before, _cpu_ms(_group_pids(process.pid)))
        db = _delta(db_before, _cpu_ms(_backend_pids(env["DATABASE_URL"], database)))
    finally:
        bump_ms = bumper.stop() if bumper else 0.0
        if bumper:
            page_cache_purge()
    wrk_ms = (
        wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime
    ) * 1000
    # The bumper ran through the warm-up too: charge only the measured share of its time.
    load_ms = wrk_ms + bump_ms * args.duration / (args.duration + WARMUP)
    result = Result(page.label, mode if page.cached else "—", page.path, rps, p50, p99,
                    requests, errors, app / requests, db / requests, load_ms / requests,
                    misses / requests if requests else None)  # fmt: skip
    print(f"  {page.label:<28} {result.cache:<5} {rps:6.0f} req/s  p50 {p50:6.1f} ms  "
          f"p99 {p99:6.1f} ms  CPU/req: app {result.app_cpu_ms:.2f} ms, "
          f"db {result.db_cpu_ms:.2f} ms, load {result.wrk_cpu_ms:.2f} ms  "
          f"misses/req {result.misses:.2f}  {errors}")  # fmt: skip
    return result


def run_config(config: str, paths: list[Page], env: dict, args, script: Path) -> list[Result]:
    """Every page, warm then cold (interleaved, so that noise touches both alike)."""
    port = free_port()
    process = gunicorn_start(config, port, env)
    results = []
    try:
        for page in paths:
            check_page(port, page)
        for page in paths:
            for mode in args.caches if page.cached else ["warm"]:
                results.append(measure(process, port, page, mode, env, args, script))
    finally:
        process_stop(process)
    return results


# --- Mixed run: pages while a Celery worker processes uploads -----------------------------------


def worker_start(env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen:
    """A real Celery worker on the bench's queue; returns once it logged "ready"."""
    with log.open("wb") as out:
        process = _spawn(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
             f"--concurrency={concurrency}", "-n", "bench-feeds@%h", "--without-gossip",
             "--without-mingle"],
            env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the Celery worker exited with {process.returncode}; see {log}")
        if b" ready." in log.read_bytes():
            return process
        time.sleep(0.3)
    process_stop(process)
    raise SystemExit(f"the Celery worker was not ready within 60 s; see {log}")


class Uploader(threading.Thread):
    """Posts one upload after another through ``artwork_upload``, evenly over ``window``
    seconds, as the upload view would; each commits, then enqueues its image's task."""

    def __init__(self, artist, images: list[bytes], window: float) -> None:
        super().__init__(daemon=True)
        self.artist, self.images, self.window = artist, images, window
        self.halt = threading.Event()
        self.ids: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import connection

        from gallery.services.upload import artwork_upload

        started = time.monotonic()
        try:
            for n, data in enumerate(self.images):
                delay = started + n * self.window / len(self.images) - time.monotonic()
                if self.halt.wait(max(delay, 0)):
                    return
                upload = SimpleUploadedFile(f"bench-{n}.jpg", data, content_type="image/jpeg")
                fields = {
                    "title": f"Bench upload {n}", "description": "Uploaded by bench/feeds.py.",
                    "medium": "digital-painting", "tags": ["bench"], "label": "human-made",
                    "ai_stages": [], "ai_note": "", "alt_text": ["A painted landscape"],
                    "mature": False,
                }  # fmt: skip
                artwork = artwork_upload(artist=self.artist, fields=fields, finals=[upload],
                                         process=[])  # fmt: skip
                self.ids.append(artwork.pk)
        except BaseException as exc:  # reported by the caller, after the pages ran
            self.error = exc
        finally:
            connection.close()


def uploads_settle(ids: list[int], timeout: float) -> tuple[dict[str, int], list[float], float]:
    """Wait until no upload is processing; (status counts, seconds each took, seconds waited)."""
    from gallery.models import Artwork

    started = time.monotonic()
    while True:
        rows = list(Artwork.objects.filter(pk__in=ids).values("status", "created_at",
                                                               "updated_at"))  # fmt: skip
        busy = sum(r["status"] == Artwork.Status.PROCESSING for r in rows)
        if not busy or time.monotonic() - started > timeout:
            break
        time.sleep(1)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    took = sorted(
        (r["updated_at"] - r["created_at"]).total_seconds()
        for r in rows
        if r["status"] != Artwork.Status.PROCESSING
    )
    return counts, took, time.monotonic() - started


def uploads_delete(ids: list[int]) -> None:
    """Delete the mixed run's posts (and, after each commit, their files) through the service,
    so the seeded database is as it was."""
    from gallery.models import Artwork
    from gallery.services.artworks import artwork_delete

    for artwork in Artwork.objects.filter(pk__in=ids):
        artwork_delete(artwork=artwork)


def run_mixed(config: str, paths: list[Page], env: dict, args, script: Path) -> Mixed:
    """The first configuration again, every page warm, while a worker processes uploads."""
    from django.db import connections

    from gallery.demo import painting

    width, height = map(int, args.upload_size.split("x"))
    print(f"Rendering {args.uploads} {width}x{height} JPEGs to upload…")
    # Made before the clock starts: the benchmark's own drawing must not compete with the site.
    images = [painting(10_000 + n, (width, height)) for n in range(args.uploads)]
    artist = bench_member(UPLOADER)
    window = len(paths) * (args.duration + WARMUP)
    log = Path(tempfile.gettempdir()) / "atelier-bench-feeds-worker.log"
    port = free_port()
    process = gunicorn_start(config, port, env)
    worker = None
    uploader = Uploader(artist, images, window)
    results = []
    try:
        worker = worker_start(env, args.worker_concurrency, log)
        worker_before = _cpu_ms(_group_pids(worker.pid))
        print(f"gunicorn {config}, a Celery worker (concurrency {args.worker_concurrency}) and "
              f"{args.uploads} uploads over {window} s:")  # fmt: skip
        uploader.start()
        for page in paths:
            result = measure(process, port, page, "warm", env, args, script)
            result.cache = "mixed"
            results.append(result)
        uploader.halt.set()
        uploader.join()
        if uploader.error is not None:
            raise SystemExit(f"an upload failed: {uploader.error!r}")
        counts, took, waited = uploads_settle(uploader.ids, timeout=max(120, 10 * args.uploads))
        worker_cpu = _delta(worker_before, _cpu_ms(_group_pids(worker.pid))) / 1000
    finally:
        uploader.halt.set()
        if worker is not None:
            process_stop(worker, wait=30)
        process_stop(process)
        connections.close_all()
        uploads_delete(uploader.ids)
    finished = sum(n for status, n in counts.items() if status != "processing")
    print(f"  uploads: {counts}; enqueue → finished median "
          f"{statistics.median(took) if took else 0:.1f} s, max {max(took, default=0):.1f} s; "
          f"worker CPU {worker_cpu:.1f} s")  # fmt: skip
    return Mixed(
        results=results, uploads=len(uploader.ids), window_s=window, done=counts,
        latency_s=took, worker_cpu_s=worker_cpu,
        images_per_worker_hour=3600 * finished / worker_cpu if worker_cpu else 0.0,
        waited_s=waited,
    )  # fmt: skip


# --- Report ------------------------------------------------------------------------------------


def _warm(results: list[Result]) -> list[Result]:
    return [r for r in results if r.cache in ("warm", "mixed")]


def _ceiling(results: list[Result]) -> float:
    return results[-1].rps  # /healthz, measured last in the same run


def _feeds(results: list[Result]) -> list[Result]:
    """The HTML listing pages (feeds, tag, medium, artist, search, following), warm."""
    listing = {r.page for r in results if r.page.startswith(LISTING_PREFIXES)}
    return [r for r in _warm(results) if r.page in listing]


LISTING_PREFIXES = ("feed", "tag", "medium", "artist", "search", "following")


def verdicts(results: list[Result]) -> list[str]:
    feeds, ceiling = _feeds(results), _ceiling(results)
    lines = []
    slow = [r.page for r in feeds if r.rps < TARGET_RPS]
    late = [r.page for r in feeds if r.p99_ms >= TARGET_P99_MS]
    lines.append(
        f"at least {TARGET_RPS} req/s on every feed (warm): "
        + ("met" if not slow else "missed by " + ", ".join(slow))
    )
    lines.append(
        f"p99 under {TARGET_P99_MS:.0f} ms on the feeds (warm): "
        + ("met" if not late else "missed by " + ", ".join(late))
    )
    deep_ratio = feeds[1].rps / feeds[0].rps
    cpu = [r.app_cpu_ms + r.db_cpu_ms for r in feeds[:2]]
    lines.append(
        f"deep page within 10% of the first page (warm): {deep_ratio:.2f}{TIMES} its throughput "
        + ("(met)" if deep_ratio >= TARGET_DEEP_RATIO else "(missed)")
        + f", {cpu[1] / cpu[0]:.2f}{TIMES} its server CPU per request"
    )
    for mode in ("warm", "cold"):
        pages_ = [r for r in results[:-1] if r.cache == mode]
        if not pages_:
            continue
        low = [f"{r.page} {r.rps / ceiling:.2f}{TIMES}" for r in pages_
               if r.rps / ceiling < TARGET_RATIO]  # fmt: skip
        lines.append(
            f"every public page at {TARGET_RATIO}{TIMES} of /healthz or more ({mode}): "
            + ("met" if not low else "missed by " + ", ".join(low))
        )
    return lines


def table(results: list[Result], quiet: list[Result] | None = None) -> list[str]:
    """One row per page and cache mode; ``quiet``: the same pages without the worker."""
    ceiling = _ceiling(results)
    quiet_rps = {r.page: r.rps for r in quiet or [] if r.cache in ("warm", "—")}
    extra = " | of quiet" if quiet else ""
    lines = [
        f"| page | cache | req/s | p50 (ms) | p99 (ms) | of /healthz{extra} | misses/req "
        "| CPU/req: app, db, load (ms) | capacity (req/s) |",
        "| --- | --- | ---: | ---: | ---: | ---: |" + (" ---: |" if quiet else "")
        + " ---: | ---: | ---: |",
    ]  # fmt: skip
    for r in results:
        flag = f" ({r.errors})" if r.errors else ""
        versus = ""
        if quiet:
            base = quiet_rps.get(r.page)
            versus = f" | {r.rps / base:.2f}{TIMES}" if base else " | "
        misses = "" if r.misses is None else f"{r.misses:.2f}"
        lines.append(
            f"| {r.page}{flag} | {r.cache} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.rps / ceiling:.2f}{TIMES}{versus} | {misses} | {r.app_cpu_ms:.2f}, "
            f"{r.db_cpu_ms:.2f}, {r.wrk_cpu_ms:.2f} | {r.capacity:,.0f} |"
        )
    return lines


def _slowest(results: list[Result], mode: str = "warm") -> float:
    return min((r.rps for r in results[:-1] if r.cache == mode), default=0.0)


def best_config(all_results: dict[str, list[Result]]) -> str:
    """The configuration with the highest slowest-page throughput, caches warm."""
    return max(all_results, key=lambda c: _slowest(all_results[c]))


def report(
    args: argparse.Namespace,
    seed_note: str,
    members: str,
    rows: list[dict],
    all_results: dict[str, list[Result]],
    mixed: Mixed | None,
    load: tuple[float, float],
) -> str:
    baseline = next(iter(all_results))
    best = best_config(all_results)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    cold = "cold" in args.caches
    out = [
        START,
        "## Feeds and public pages (`bench/feeds.py`)",
        "",
        f"**{stamp}, {args.artworks:,} published artworks over {args.artists:,} artists, "
        f"{os.cpu_count()} cores ({platform.machine()}), load average {load[0]:.1f} before the "
        f"runs and {load[1]:.1f} after** (the higher, the more other work shared the cores). "
        f"Python {platform.python_version()}, PostgreSQL and Redis on the same machine "
        f"({seed_note}). gunicorn on 127.0.0.1 with DEBUG off; wrk `-c{CONNECTIONS} "
        f"-t{THREADS} -d{args.duration}s --latency` on loopback, sharing the cores with the "
        f"server, after a {WARMUP} s warm-up per page and mode. Anonymous viewer (human-only "
        f"preference) except the following feed ({members}) and the API list "
        f"({args.api_tokens} read tokens, one per request in turn: no token's throttle runs "
        f"dry); the deep page is the cursor {DEEP:,} artworks in. {args.rounds} round(s) over "
        f"the configurations, interleaved; for each configuration the round whose slowest warm "
        f"page was fastest is shown. Reproduce: `bench/feeds.py --artworks {args.artworks} "
        f"--duration {args.duration} --configs {','.join(all_results)}`.",
        "",
        *(
            [
                f"**A check of the script at {args.artworks:,} artworks, not the 1,000,000-artwork "
                "measurement the targets are judged on.**",
                "",
            ]
            if args.artworks < FULL_SIZE
            else []
        ),
        "*warm*: the 2 s warm-up filled the page cache and wrk reads the same page again. "
        + (
            "*cold*: the page-cache keys were deleted and a thread bumped the global listing "
            f"version every {BUMP_EVERY * 1000:.0f} ms (`listing_cache.bump`), so each request "
            "found its versions moved and rendered the page again (PostgreSQL's own buffers "
            "stay warm). "
            if cold
            else ""
        )
        + "*misses/req* is Redis's `keyspace_misses` over the run divided by the requests: 1 or "
        "more when every request rendered its page (a page of several cached parts misses "
        "each), about 0 when the cache served it (the server counts for every client of that "
        "Redis). CPU per request is measured, not inferred: "
        "gunicorn's processes and the database's backends from `/proc`, the load side (wrk, "
        "plus the bumper in cold runs) from rusage. *Capacity* is cores "
        f"{TIMES} 1000 / their sum: what this machine would serve doing nothing else "
        "(loopback and kernel time outside those processes not counted).",
        "",
        "In-process (Django test client, medians of 60 requests; cold bumps the version before "
        "each):",
        "",
        "| page | cache | queries | wall (ms) | SQL (ms) | Python CPU (ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    out += [
        f"| {r['page']} | {r['cache']} | {r['queries']} | {r['total_ms']:.1f} "
        f"| {r['sql_ms']:.1f} | {r['cpu_ms']:.1f} |"
        for r in rows
    ]
    out += [
        "",
        "gunicorn configurations (slowest public page; the ceiling is `/healthz`):",
        "",
        "| configuration | slowest warm (req/s) | " + ("slowest cold (req/s) | " if cold else "")
        + "worst warm p99 (ms) | ceiling (req/s) |",
        "| --- | ---: | ---: | ---: |" + (" ---: |" if cold else ""),
    ]  # fmt: skip
    for config, results in all_results.items():
        marks = [m for m, on in (("baseline", config == baseline), ("best", config == best)) if on]
        worst = max(r.p99_ms for r in results[:-1] if r.cache == "warm")
        out.append(
            f"| {_title(config)}{' (' + ', '.join(marks) + ')' if marks else ''} "
            f"| {_slowest(results):,.0f} | "
            + (f"{_slowest(results, 'cold'):,.0f} | " if cold else "")
            + f"{worst:.1f} | {_ceiling(results):,.0f} |"
        )
    for config, results in all_results.items():
        out += ["", f"### {_title(config)}", ""]
        out += table(results)
        out += ["", "Targets: " + "; ".join(verdicts(results)) + "."]
    if mixed is not None:
        out += mixed_section(args, mixed, all_results[baseline], baseline)
    out += ["", *comparison_section()]
    out.append(END)
    return "\n".join(out)


def mixed_section(args, mixed: Mixed, quiet: list[Result], config: str) -> list[str]:
    took = mixed.latency_s
    finished = sum(n for status, n in mixed.done.items() if status != "processing")
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(mixed.done.items()))
    return [
        "",
        f"### Mixed: {_title(config)} while a Celery worker processes uploads",
        "",
        f"A real Celery worker (concurrency {args.worker_concurrency}) on the same cores; "
        f"{mixed.uploads} uploads of a {args.upload_size} JPEG, made through "
        f"`gallery.services.upload.artwork_upload` in the benchmark's process (the work of "
        f"the upload request is not charged to the pages), evenly over the "
        f"{mixed.window_s:.0f} s that wrk loads the pages; every publish moves the listing "
        f"versions, so the caches are warm but invalidated as on a live site. *of /healthz* is "
        f"against `/healthz` in this run, *of quiet* against the same page warm without the "
        f"worker. The uploads were deleted afterwards.",
        "",
        *table(mixed.results, quiet),
        "",
        f"Uploads: {statuses} ({finished} of {mixed.uploads} finished, "
        f"{mixed.waited_s:.0f} s waited after the pages); enqueue to finished median "
        f"{statistics.median(took) if took else 0:.1f} s, max {max(took, default=0):.1f} s; "
        f"the worker used {mixed.worker_cpu_s:.1f} CPU s, "
        f"{mixed.worker_cpu_s / finished if finished else 0:.2f} s per upload "
        f"(about {mixed.images_per_worker_hour:,.0f} uploads per worker CPU-hour).",
    ]


def comparison_section() -> list[str]:
    return COMPARISON.strip("\n").split("\n")


COMPARISON = """
### Beside django-photologue and pinry

django-photologue's photo list is measured by `bench/compare.py` (its section follows, with
its own `/healthz` and date); pinry is not measured (why: in that section).
"""


def _title(config: str) -> str:
    kind, workers, *rest = config.split(":")
    return f"{kind}, {workers} workers" + (f" {TIMES} {rest[0]} threads" if rest else "")


def write_section(section: str) -> None:
    """Replace only this script's section; other scripts write theirs concurrently."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    temporary = DOC.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(DOC)


def main() -> None:
    args = parse_args()
    # A plain SIGTERM (timeout, CI cancel) unwinds through the finally blocks that stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which("wrk"):
        sys.exit(WRK_MISSING)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    env = bench_environment(args.database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        seed_note = prepare_database(args, env)
        seed_note += "; " + rank_explore()
        if args.seed_only:
            return
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        from accounts.models import User

        if not User.objects.filter(handle="seed1").exists():
            sys.exit("No seeded artist @seed1: is the database seeded by bulk_seed?")
        cookie, follows = viewer_session(args.follows)
        tokens = api_tokens(args.api_tokens)
        vacuum_what_preparing_wrote()
        members = f"a member following {follows} artists, signed in with a session cookie"
        paths = pages(cookie=cookie, tokens=tokens)
        if args.only:
            paths = [p for p in paths if p.kind == "bare" or any(w in p.label for w in args.only)]
        print("In-process breakdown:")
        rows = breakdown(paths, args.caches)
        for row in rows:
            print(f"  {row['page']:<28} {row['cache']:<5} {row['queries']:2} queries  "
                  f"{row['total_ms']:6.2f} ms  (SQL {row['sql_ms']:.2f} ms, "
                  f"Python CPU {row['cpu_ms']:.2f} ms)")  # fmt: skip
        from django.db import connections

        connections.close_all()
        load_before = os.getloadavg()[0]
        all_results: dict[str, list[Result]] = {}
        with tempfile.TemporaryDirectory(prefix="atelier-bench-") as folder:
            script = token_script(tokens, Path(folder))
            for round_ in range(args.rounds):
                for config in configs:
                    print(f"gunicorn {config} (round {round_ + 1} of {args.rounds}):")
                    results = run_config(config, paths, env, args, script)
                    # Other work shares these cores: keep the round whose slowest page was
                    # fastest (a whole round, so that its pages stay comparable).
                    kept = all_results.get(config)
                    if kept is None or _slowest(results) > _slowest(kept):
                        all_results[config] = results
            mixed = None
            if not args.no_mixed and args.uploads > 0:
                mixed = run_mixed(configs[0], paths, env, args, script)
        load = (load_before, os.getloadavg()[0])
        section = report(args, seed_note, members, rows, all_results, mixed, load)
        print()
        print(section)
        if not args.no_write:
            write_section(section)
            print(f"\nWrote the bench:feeds section of {DOC.relative_to(ROOT)}.")
    finally:
        if args.drop:
            database_drop(env["DATABASE_URL"], args.database)
            print(f"Dropped {args.database}.")


if __name__ == "__main__":
    main()
