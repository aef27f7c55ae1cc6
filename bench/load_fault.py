"""Load-and-fault run: many clients against a production-like stack while it loses its worker and
Redis, then a check that nothing failed that should not have.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier .venv/bin/python bench/load_fault.py \
        [--clients 32] [--duration 60] [--settle-timeout 300] [--database atelier_load_fault] \
        [--mix feed=35,artwork=30,login=10,upload=15,flag=10] [--same-address] [--keep] \
        [--no-write]

Everything runs on this machine and talks over loopback only. The script starts its own stack:
a private ``redis-server`` on a free port with ``appendonly yes`` (so it can be restarted without
losing queued tasks), its own PostgreSQL database on the server DATABASE_URL names (created,
migrated and seeded here with ``gallery.demo.demo_load`` and ``bulk_seed``, dropped at the end),
gunicorn (2 sync workers, DEBUG off, a random free port on 127.0.0.1), a Celery worker and
``celery beat``. Then ``--clients`` threads, each a signed-in member with a write token, run for
``--duration`` seconds: feed pages, artwork pages, logins through allauth's form with CSRF (right
and wrong passwords), uploads of generated images through the site's form and the API, and flags
through the API. Each client sends from its own loopback address (127.0.0.2, .3, ...), as real
members would from their own; ``--same-address`` sends everything from 127.0.0.1 instead.

In the middle the worker's whole process group is killed with SIGKILL and a new worker started,
and later Redis is shut down and started again about 5 s after. When the clients stop, the script
waits (at most ``--settle-timeout`` seconds) for every upload to settle, then checks:

- no errors: no 5xx, no connection errors, no answer a request kind does not expect. 429s (and
  allauth's "too many failed login attempts" form) are limits working as designed;
- every accepted upload ended ``published``, or ``failed`` with a reason; none is left processing.

It prints a table per request kind and writes it to docs/reliability.md between the
``bench:load-fault`` markers (other sections untouched). Exit status 1 when a check fails. Every
process and the database it made are removed at the end, also on error, Ctrl-C or SIGTERM.
Settings come from the environment like a deployment's (e.g. ``ATELIER_STUCK_AFTER_MINUTES``,
``CELERY_VISIBILITY_TIMEOUT``), except the few the stack itself needs (database, Redis, DEBUG off,
a random SECRET_KEY, no TLS redirect on loopback).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookies
import io
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- bench:load-fault -->", "<!-- /bench:load-fault -->"
MEMBER_PREFIX = "load"
GUESSED = ["mira", "tomasz", "yuki", "rafa"]  # demo artists whose passwords the clients guess
REDIS_DOWN_SECONDS = 5
REQUEST_TIMEOUT = 30  # gunicorn's own worker timeout: a request waits no longer than that

# --- Classifying answers (pure: tested in tests/config/test_load_fault_report.py) ---------------

OK, REFUSED, LIMITED, ERROR = "ok", "refused", "limited", "error"
NO_ANSWER = 0  # the status recorded when the connection failed or timed out
TOO_MANY = "too-many"  # allauth's form: "Too many failed login attempts"
OVER_LIMIT = "over-limit"  # the upload form: "... times in the last hour; please wait ..."

FEED, ARTWORK = "feed page", "artwork page"
LOGIN_FORM, LOGIN_RIGHT, LOGIN_WRONG = (
    "login form",
    "login, right password",
    "login, wrong password",
)
UPLOAD_FORM, UPLOAD_SITE, UPLOAD_API = "upload form", "upload (site form)", "upload (API)"
FLAG_API = "flag (API)"
KINDS = [
    FEED,
    ARTWORK,
    LOGIN_FORM,
    LOGIN_RIGHT,
    LOGIN_WRONG,
    UPLOAD_FORM,
    UPLOAD_SITE,
    UPLOAD_API,
    FLAG_API,
]

# What each kind of request may answer, and what that answer means. A 429 is always a limit doing
# its job; anything not listed here (and every 5xx or missing answer) is an error.
EXPECTED: dict[str, dict[tuple[int, str], str]] = {
    FEED: {(200, ""): OK},
    ARTWORK: {(200, ""): OK},
    LOGIN_FORM: {(200, ""): OK},
    LOGIN_RIGHT: {(302, ""): OK, (200, TOO_MANY): LIMITED},
    LOGIN_WRONG: {(200, ""): REFUSED, (200, TOO_MANY): LIMITED},
    UPLOAD_FORM: {(200, ""): OK},
    UPLOAD_SITE: {(302, ""): OK, (400, OVER_LIMIT): LIMITED},
    UPLOAD_API: {(201, ""): OK},
    FLAG_API: {(201, ""): OK},
}


def body_hint(kind: str, status: int, body: bytes) -> str:
    """The one fact in a body that changes what its status means (a limit shown as a form)."""
    if kind in (LOGIN_RIGHT, LOGIN_WRONG) and status == 200:
        return TOO_MANY if b"Too many failed login attempts" in body else ""
    if kind == UPLOAD_SITE and status == 400:
        return OVER_LIMIT if b"in the last hour" in body else ""
    return ""


def classify(kind: str, status: int, hint: str = "") -> str:
    """ok, refused (a wrong password, as intended), limited (a rate limit) or error."""
    if status == 429:
        return LIMITED
    if status == NO_ANSWER or status >= 500:
        return ERROR
    return EXPECTED.get(kind, {}).get((status, hint), ERROR)


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int
    outcome: str
    at: float  # seconds since the clients started
    ms: float


@dataclass
class Row:
    kind: str
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def percentile(self, q: float) -> float:
        if not self.times:
            return 0.0
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def tally(samples: list[Sample]) -> list[Row]:
    """One row per request kind (in KINDS order, kinds never sent left out), then a total."""
    rows = {kind: Row(kind) for kind in KINDS}
    total = Row("all requests")
    for s in samples:
        row = rows.setdefault(s.kind, Row(s.kind))
        for target in (row, total):
            target.statuses[s.status] += 1
            target.outcomes[s.outcome] += 1
            target.times.append(s.ms)
    return [row for row in rows.values() if row.requests] + [total]


def overlapping(samples: list[Sample], start: float | None, end: float | None) -> list[Sample]:
    """The requests that were in flight at some moment between ``start`` and ``end``."""
    if start is None or end is None:
        return []
    return [s for s in samples if s.at < end and s.at + s.ms / 1000 > start]


@dataclass
class Faults:
    """When each fault happened, in seconds since the clients started (None: it did not)."""

    worker_killed: float | None = None
    worker_replaced: float | None = None  # the new worker logged "ready"
    redis_down: float | None = None
    redis_up: float | None = None


@dataclass
class Pipeline:
    accepted: int  # uploads answered 201/302
    created: int  # artworks the load's members own in the database
    statuses: Counter  # artwork status -> count
    failed_reasons: Counter  # status_reason -> count
    failed_without_reason: int
    images_unsettled: int  # images still pending/processing
    settle_seconds: float


def verdicts(samples: list[Sample], faults: Faults, pipeline: Pipeline) -> list[tuple[str, bool]]:
    """(what was checked, whether it held), in the order the report shows them."""
    errors = sum(1 for s in samples if s.outcome == ERROR)
    outage = overlapping(samples, faults.redis_down, faults.redis_up)
    outage_5xx = sum(1 for s in outage if s.status >= 500)
    processing = pipeline.statuses.get("processing", 0)
    unknown = sum(
        n for st, n in pipeline.statuses.items() if st not in ("published", "failed", "processing")
    )
    return [
        (f"no errors besides intended limits ({errors} errors)", errors == 0),
        (f"no 5xx while Redis was restarting ({outage_5xx} of {len(outage)})", outage_5xx == 0),
        (
            f"every accepted upload settled ({processing} still processing with "
            f"{pipeline.images_unsettled} images waiting, {pipeline.failed_without_reason} failed "
            f"without a reason, {unknown} in another state)",
            processing == 0
            and pipeline.images_unsettled == 0
            and pipeline.failed_without_reason == 0
            and unknown == 0,
        ),
        (
            f"every accepted upload is in the database ({pipeline.accepted} accepted, "
            f"{pipeline.created} stored)",
            pipeline.created >= pipeline.accepted,
        ),
    ]


def _statuses(counter: Counter) -> str:
    return ", ".join(
        f"{'no answer' if code == NO_ANSWER else code} {TIMES} {n}"
        for code, n in sorted(counter.items())
    )


TIMES = "\N{MULTIPLICATION SIGN}"


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| request | sent | ok | refused | limited | errors | answers | p50 (ms) | p95 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        o = r.outcomes
        lines.append(
            f"| {r.kind} | {r.requests} | {o[OK]} | {o[REFUSED]} | {o[LIMITED]} | {o[ERROR]} "
            f"| {_statuses(r.statuses)} | {r.percentile(0.5):.0f} | {r.percentile(0.95):.0f} |"
        )
    return lines


def render(meta: dict, samples: list[Sample], faults: Faults, pipeline: Pipeline) -> str:
    """The docs/reliability.md section, markers included."""

    def at(value: float | None) -> str:
        return "did not happen" if value is None else f"{value:.1f} s"

    checks = verdicts(samples, faults, pipeline)
    outage = overlapping(samples, faults.redis_down, faults.redis_up)
    out = [
        START,
        "## Load-and-fault run (`bench/load_fault.py`)",
        "",
        f"{meta['date']}, commit {meta['commit']}, {meta['cores']} cores ({meta['machine']}), "
        f"Python {meta['python']}. {meta['clients']} clients for {meta['duration']} s "
        f"({meta['addresses']}), mix {meta['mix']}; gunicorn 2 sync workers with DEBUG off, a "
        f"Celery worker (concurrency 2) and beat, PostgreSQL, a private Redis with AOF, all on "
        f"loopback. Seeded with {meta['seed']}. Settings in force: {meta['settings']}. Load "
        f"average {meta['load'][0]:.1f} before and {meta['load'][1]:.1f} after.",
        "",
        f"Faults: worker's process group killed (SIGKILL) at {at(faults.worker_killed)}, "
        f"a new worker ready at {at(faults.worker_replaced)}; Redis shut down at "
        f"{at(faults.redis_down)} and answering again at {at(faults.redis_up)}.",
        "",
        "*ok* is the answer a working site gives; *refused* is a wrong password turned away; "
        "*limited* is a 429 or allauth's \u201ctoo many failed login attempts\u201d form (limits "
        "working as designed); *errors* are 5xx, missing answers and anything unexpected.",
        "",
        *table(tally(samples)),
        "",
        f"Requests in flight while Redis was down ({len(outage)}):",
        "",
        *table(tally(outage)),
        "",
        f"Uploads: {pipeline.accepted} accepted, {pipeline.created} stored; after the clients "
        f"stopped the pipeline settled in {pipeline.settle_seconds:.0f} s: "
        + (
            ", ".join(f"{n} {status}" for status, n in sorted(pipeline.statuses.items()))
            or "nothing stored"
        )
        + ".",
    ]
    if pipeline.failed_reasons:
        out += ["", "Failure reasons:", ""]
        out += [f"- {n} {TIMES} {reason}" for reason, n in pipeline.failed_reasons.most_common()]
    out += ["", "Checks:", ""]
    out += [f"- {'met' if held else '**missed**'}: {what}" for what, held in checks]
    out.append(END)
    return "\n".join(out)


def replace_section(text: str, section: str) -> str:
    """``text`` with this script's section replaced in place, or appended when missing."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + section + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n" + section + "\n"


def parse_mix(value: str) -> dict[str, int]:
    """``feed=35,artwork=30,...`` → weights; unknown names or no positive weight are refused."""
    names = {"feed", "artwork", "login", "upload", "flag"}
    weights: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, _, number = part.partition("=")
        if name not in names or not number.isdigit():
            raise argparse.ArgumentTypeError(f"{part!r}: use NAME=WEIGHT with NAME in {names}")
        weights[name] = int(number)
    if not any(weights.values()):
        raise argparse.ArgumentTypeError("at least one weight must be positive")
    return weights


def encode_multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]
) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data request."""
    boundary = "----atelier" + secrets.token_hex(12)
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, content_type, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- The stack: Redis, database, gunicorn, Celery ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it if this script dies, even by SIGKILL."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def redis_command(port: int, *words: str, timeout: float = 2.0) -> bytes:
    """Send one command to Redis in its wire format; returns the raw reply."""
    payload = f"*{len(words)}\r\n".encode()
    for word in words:
        payload += f"${len(word.encode())}\r\n{word}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        try:
            return sock.recv(1024)
        except OSError:
            return b""  # SHUTDOWN closes the connection without a reply


class Stack:
    """Every process this run starts, so that one ``stop()`` can end them all.

    Each process gets its own session (``start_new_session``): a signal to its group reaches its
    children (gunicorn's and Celery's workers) and nothing of ours. Processes are started from
    the main thread only: PR_SET_PDEATHSIG fires when the *thread* that forked the child ends.
    """

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = env
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.started: list[subprocess.Popen] = []
        self.workers = 0

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log.close()
        self.processes[name] = process
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # Redis ------------------------------------------------------------------------------------
    def redis_start(self) -> None:
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(redis_dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                # "-LOADING" while the AOF is read back: not ready yet.
                if redis_command(self.redis_port, "PING").startswith(b"+PONG"):
                    return
            if self.processes["redis"].poll() is not None:
                raise SystemExit(f"redis-server exited:\n{self.log('redis')[-2000:]}")
            time.sleep(0.1)
        raise SystemExit("redis-server did not answer PING within 30 s")

    def redis_shutdown(self) -> None:
        """A clean SHUTDOWN: Redis writes its AOF and exits, as in a restart or an upgrade."""
        process = self.processes["redis"]
        with contextlib.suppress(OSError):
            redis_command(self.redis_port, "SHUTDOWN")
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._stop(process)

    # Celery -----------------------------------------------------------------------------------
    def worker_start(self) -> str:
        self.workers += 1
        name = f"worker-{self.workers}"
        self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "-n",
                # The same node name every time, as a supervisor's restart keeps it: the new
                # worker then re-enqueues at once what its killed predecessor held.
                "loadfault@%h",
            ],
        )
        return name

    def worker_ready(self, name: str) -> bool:
        return " ready." in self.log(name)

    def worker_kill(self, name: str) -> None:
        """SIGKILL the worker's whole group: the main process and its pool children at once."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def beat_start(self) -> None:
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.workdir / "celerybeat-schedule"),
            ],
        )

    # gunicorn ---------------------------------------------------------------------------------
    def web_start(self) -> None:
        process = self._spawn(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--timeout",
                str(REQUEST_TIMEOUT),
                "--log-level",
                "warning",
            ],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited on start:\n{self.log('gunicorn')[-2000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    # Stopping ---------------------------------------------------------------------------------
    @staticmethod
    def _stop(process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        # SIGTERM: gunicorn and beat stop; a Celery worker would wait for its tasks (up to the
        # time limit), so it gets 10 s and then SIGKILL.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop(self) -> list[int]:
        """Stop everything started; returns the ids of any process of ours still alive after."""
        # Redis last: a worker or beat that outlives it only fills its log with reconnects.
        for process in sorted(reversed(self.started), key=lambda p: p.args[0] == "redis-server"):
            self._stop(process)
        sessions = {p.pid for p in self.started}
        left = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                # Field 6 of /proc/<pid>/stat is the session id; ours are the spawned pids.
                if int(stat.read_text().rsplit(")", 1)[1].split()[3]) in sessions:
                    left.append(int(stat.parent.name))
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left


# --- Database and seed (in this process) -------------------------------------------------------


def admin_connection(database_url: str):
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


def database_recreate(database_url: str, name: str, *, create: bool) -> None:
    """Drop the run's database (a leftover of a killed run too) and create it when asked."""
    with contextlib.closing(admin_connection(database_url)) as conn, conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cur.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Plan:
    """What the clients need to know about the seeded site."""

    members: list[tuple[str, str]]  # (handle, API token) per client
    password: str
    feed_paths: list[str]
    artwork_paths: list[tuple[int, str]]  # (id, canonical path) of published artworks
    medium: str
    seed_note: str


def seed(clients: int, artworks: int) -> Plan:
    """Migrate and seed through the project's own helpers; tasks run in-process (eager)."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import token_create
    from gallery import selectors
    from gallery.demo import DEMO_PASSWORD, bulk_seed, demo_load
    from gallery.models import Artwork, Medium

    call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    demo = demo_load()
    bulk_seed(artworks=artworks, artists=10)
    # The load's members, like demo's accounts (verified email, the demo password) but hashed once:
    # PBKDF2 costs most of a second a member on a busy core.
    hashed = make_password(DEMO_PASSWORD)
    members = []
    for n in range(clients):
        user = User.objects.create(
            handle=f"{MEMBER_PREFIX}{n}",
            email=f"{MEMBER_PREFIX}{n}@load.example",
            display_name=f"Load Member {n}",
            password=hashed,
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        _, key = token_create(user=user, name="load test", scope="write")
        members.append((user.handle, key))
    published = list(
        Artwork.objects.filter(status=Artwork.Status.PUBLISHED)
        .select_related("artist")
        .order_by("-pk")[:400]
    )
    deep = selectors.artworks_for_listing(preference="human")[50:51].get()
    feed_paths = [
        "/",
        f"/?after={selectors.encode_cursor(deep)}",
        "/tags/tag3/",
        "/@mira/",
        "/@seed1/",
        "/search/?q=harbour",
        "/medium/" + Medium.values[0] + "/",
    ]
    call_command("collectstatic", interactive=False, verbosity=0)
    note = (
        f"`demo_load` ({demo} artworks through the real pipeline), `bulk_seed` ({artworks} "
        f"artworks), {clients} members with write tokens, in {time.monotonic() - started:.0f} s"
    )
    return Plan(
        members=members,
        password=DEMO_PASSWORD,
        feed_paths=feed_paths,
        artwork_paths=[(a.pk, a.get_absolute_url()) for a in published],
        medium=Medium.values[0],
        seed_note=note,
    )


def pipeline_state(accepted: int, settle_seconds: float) -> Pipeline:
    from gallery.models import Artwork, ArtworkImage

    arts = Artwork.objects.filter(artist__handle__startswith=MEMBER_PREFIX)
    statuses = Counter(arts.values_list("status", flat=True))
    failed = arts.filter(status=Artwork.Status.FAILED)
    reasons = Counter(r[:120] for r in failed.values_list("status_reason", flat=True) if r)
    unsettled = ArtworkImage.objects.filter(
        artwork__in=arts,
        state__in=[ArtworkImage.State.PENDING, ArtworkImage.State.PROCESSING],
    ).count()
    return Pipeline(
        accepted=accepted,
        created=sum(statuses.values()),
        statuses=statuses,
        failed_reasons=reasons,
        failed_without_reason=failed.filter(status_reason="").count(),
        images_unsettled=unsettled,
        settle_seconds=settle_seconds,
    )


def settle(accepted: int, timeout: float, on_poll=lambda: None) -> Pipeline:
    """Wait until no upload of the load is processing any more, at most ``timeout`` seconds;
    ``on_poll`` runs between polls (the fault log still watches for the new worker)."""
    from django.db import connection

    started = time.monotonic()
    last_print = 0.0
    while True:
        on_poll()
        state = pipeline_state(accepted, time.monotonic() - started)
        busy = state.statuses.get("processing", 0) + state.images_unsettled
        waited = time.monotonic() - started
        if busy == 0 or waited >= timeout:
            return state
        if waited - last_print >= 10:
            print(f"  waiting for the pipeline: {busy} processing after {waited:.0f} s")
            last_print = waited
        connection.close()  # a fresh snapshot each poll, and no idle connection kept open
        time.sleep(2)


# --- Clients -----------------------------------------------------------------------------------


def generated_image(rng: random.Random) -> bytes:
    """A small JPEG unlike any other: a few random shapes on a random background."""
    from PIL import Image, ImageDraw

    size = (rng.randint(420, 640), rng.randint(320, 480))
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randint(20, 200), y + rng.randint(20, 200))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
STATUS_PATH = re.compile(r"/artworks/(\d+)/status/")


class Client(threading.Thread):
    """One member: signs in once for the site, then sends a weighted mix until told to stop."""

    def __init__(
        self,
        n: int,
        plan: Plan,
        port: int,
        source: str,
        weights: dict[str, int],
        t0: float,
        stop: threading.Event,
    ):
        super().__init__(name=f"client-{n}", daemon=True)
        self.handle, self.token = plan.members[n]
        self.plan, self.port, self.source, self.t0, self.stop = plan, port, source, t0, stop
        self.rng = random.Random(n)
        self.actions = list(weights)
        self.weights = [weights[a] for a in self.actions]
        self.samples: list[Sample] = []
        self.accepted: list[int] = []
        self.flagged: set[int] = set()
        self.session: dict[str, str] = {}
        self.crashes = 0

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict | None = None,
        jar: dict | None = None,
    ) -> tuple[int, bytes, object]:
        headers = dict(headers or {})
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        started = time.monotonic()
        status, data, message = NO_ANSWER, b"", None
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT, source_address=(self.source, 0)
        )
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            status, data, message = response.status, response.read(), response.msg
        except (OSError, http.client.HTTPException):
            pass  # recorded as NO_ANSWER: an error
        finally:
            conn.close()
        elapsed = (time.monotonic() - started) * 1000
        if jar is not None and message is not None:
            for header in message.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie()
                with contextlib.suppress(http.cookies.CookieError):
                    cookie.load(header)
                    jar.update({k: m.value for k, m in cookie.items()})
        outcome = classify(kind, status, body_hint(kind, status, data))
        self.samples.append(Sample(kind, status, outcome, started - self.t0, elapsed))
        return status, data, message

    def form(self, kind: str, path: str, jar: dict) -> str | None:
        status, data, _ = self.request(kind, "GET", path, jar=jar)
        match = CSRF_FIELD.search(data) if status == 200 else None
        return match.group(1).decode() if match else None

    def login(self, jar: dict, *, handle: str, password: str, kind: str) -> int:
        token = self.form(LOGIN_FORM, "/accounts/login/", jar)
        if token is None:
            return NO_ANSWER
        body = urlencode({"csrfmiddlewaretoken": token, "login": handle, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(
            kind, "POST", "/accounts/login/", body=body.encode(), headers=headers, jar=jar
        )[0]

    def run(self) -> None:
        self.login(self.session, handle=self.handle, password=self.plan.password, kind=LOGIN_RIGHT)
        while not self.stop.is_set():
            action = self.rng.choices(self.actions, self.weights)[0]
            try:
                getattr(self, f"do_{action}")()
            except Exception:  # a bug here must not silently end this client's load
                self.crashes += 1
                traceback.print_exc()
                time.sleep(1)

    def do_feed(self) -> None:
        self.request(FEED, "GET", self.rng.choice(self.plan.feed_paths))

    def do_artwork(self) -> None:
        self.request(ARTWORK, "GET", self.rng.choice(self.plan.artwork_paths)[1])

    def do_login(self) -> None:
        # A fresh cookie jar: the client's own session stays signed in for its uploads.
        if self.rng.random() < 0.5:
            self.login({}, handle=self.handle, password=self.plan.password, kind=LOGIN_RIGHT)
        else:
            guess = "guess-" + secrets.token_hex(4)
            self.login({}, handle=self.rng.choice(GUESSED), password=guess, kind=LOGIN_WRONG)

    def _upload_fields(self) -> list[tuple[str, str]]:
        return [
            ("title", f"Load study {self.rng.randrange(10**6)}"),
            ("description", "Posted by the load-and-fault run."),
            ("medium", self.plan.medium),
            ("tags", "load, study"),
            ("label", "human-made"),
            ("alt_text", "Random shapes on a plain background"),
        ]

    def do_upload(self) -> None:
        image = ("images", "study.jpg", "image/jpeg", generated_image(self.rng))
        if self.rng.random() < 0.5:
            token = self.form(UPLOAD_FORM, "/upload/", self.session)
            if token is None:
                return
            body, ctype = encode_multipart(
                [("csrfmiddlewaretoken", token), *self._upload_fields()], [image]
            )
            status, _, message = self.request(
                UPLOAD_SITE,
                "POST",
                "/upload/",
                body=body,
                headers={"Content-Type": ctype},
                jar=self.session,
            )
            if status == 302 and (m := STATUS_PATH.search(message.get("Location", ""))):
                self.accepted.append(int(m.group(1)))
        else:
            body, ctype = encode_multipart(self._upload_fields(), [image])
            headers = {"Content-Type": ctype, "Authorization": f"Token {self.token}"}
            status, data, _ = self.request(
                UPLOAD_API, "POST", "/api/v1/artworks/", body=body, headers=headers
            )
            if status == 201:
                self.accepted.append(json.loads(data)["id"])

    def do_flag(self) -> None:
        candidates = [pk for pk, _ in self.plan.artwork_paths if pk not in self.flagged]
        if not candidates:
            return
        pk = self.rng.choice(candidates)
        self.flagged.add(pk)  # one open flag per member and post: never the same twice
        body = json.dumps({"reason": self.rng.choice(["spam", "other"]), "note": "load run"})
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        self.request(
            FLAG_API, "POST", f"/api/v1/artworks/{pk}/flags/", body=body.encode(), headers=headers
        )


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument(
        "--settle-timeout",
        type=int,
        default=300,
        help="seconds to wait for uploads to settle after the load",
    )
    parser.add_argument("--artworks", type=int, default=300, help="bulk-seeded artworks")
    parser.add_argument("--database", default="atelier_load_fault")
    parser.add_argument(
        "--mix", type=parse_mix, default="feed=35,artwork=30,login=10,upload=15,flag=10"
    )
    parser.add_argument(
        "--same-address",
        action="store_true",
        help="every client sends from 127.0.0.1 (one IP for the limits)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database and the work folder (logs) at the end",
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/reliability.md")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 250 or not 1 <= args.duration <= 3600:
        parser.error("--clients must be 1-250 and --duration 1-3600 (bounded on purpose)")
    return args


def stack_environment(database_url: str, redis_port: int, workdir: Path) -> dict[str, str]:
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://...).")
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_TASK_ALWAYS_EAGER",)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "ATELIER_VAR_DIR": str(workdir / "var"),
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run(args: argparse.Namespace, stack: Stack, plan: Plan):
    """The clients and the faults. Returns every sample, the fault times, the number of accepted
    uploads, a ``watch()`` that notes when the replacement worker is ready (it may be after the
    clients stopped: a worker boots slowly on a busy machine) and how often a client crashed."""
    stop = threading.Event()
    faults = Faults()
    t0 = time.monotonic()
    clients = [
        Client(
            n,
            plan,
            stack.web_port,
            "127.0.0.1" if args.same_address else f"127.0.0.{n + 2}",
            args.mix,
            t0,
            stop,
        )
        for n in range(args.clients)
    ]
    for client in clients:
        client.start()
    schedule = [
        (args.duration * 0.35, "kill"),
        (args.duration * 0.55, "redis-down"),
        (args.duration * 0.55 + REDIS_DOWN_SECONDS, "redis-up"),
    ]
    worker = "worker-1"

    def watch() -> None:
        if faults.worker_killed and faults.worker_replaced is None and stack.worker_ready(worker):
            faults.worker_replaced = time.monotonic() - t0

    try:
        # The faults run here, in the main thread: processes started from another thread would
        # get their parent-death signal when that thread ends.
        while (now := time.monotonic() - t0) < args.duration:
            if schedule and now >= schedule[0][0]:
                _, fault = schedule.pop(0)
                if fault == "kill":
                    stack.worker_kill(worker)
                    faults.worker_killed = time.monotonic() - t0
                    worker = stack.worker_start()
                    print(f"  {faults.worker_killed:5.1f} s  worker killed (SIGKILL), new started")
                elif fault == "redis-down":
                    stack.redis_shutdown()
                    faults.redis_down = time.monotonic() - t0
                    print(f"  {faults.redis_down:5.1f} s  Redis shut down")
                else:
                    stack.redis_start()
                    faults.redis_up = time.monotonic() - t0
                    print(f"  {faults.redis_up:5.1f} s  Redis answering again")
            watch()
            time.sleep(0.1)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=REQUEST_TIMEOUT + 5)
    if faults.redis_down is not None and faults.redis_up is None:
        stack.redis_start()  # a run shorter than the outage: bring Redis back for the settle
        faults.redis_up = time.monotonic() - t0
    samples = sorted((s for c in clients for s in c.samples), key=lambda s: s.at)
    crashes = sum(c.crashes for c in clients)
    return samples, faults, sum(len(c.accepted) for c in clients), watch, crashes


def settings_in_force() -> str:
    """The settings that shape the outcome, read defensively: other changes may rename them."""
    from allauth.account import app_settings as allauth_settings
    from django.conf import settings

    sweep = next(
        (
            entry["schedule"]
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if str(entry.get("task", "")).endswith("sweep_stuck_images")
        ),
        "not scheduled",
    )
    limits = allauth_settings.RATE_LIMITS
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    return (
        f"broker {urlsplit(settings.CELERY_BROKER_URL).scheme}, sweep every {sweep}, stuck after "
        f"{getattr(settings, 'ATELIER_STUCK_AFTER_MINUTES', '?')} min, visibility timeout "
        f"{options.get('visibility_timeout', '?')} s, uploads "
        f"{getattr(settings, 'ATELIER_UPLOADS_PER_HOUR', '?')}/h, flags "
        f"{getattr(settings, 'MODERATION_FLAGS_PER_HOUR', '?')}/h, allauth login "
        f"{limits.get('login')} and failed logins {limits.get('login_failed')}"
    )


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain SIGTERM (timeout, CI cancel) unwinds through the finally below like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # Ctrl-C too, even when started in the background by a shell that ignores SIGINT there.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed (Debian/Ubuntu: apt-get install -y redis-server).")
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier")
    database_url = urlunsplit(urlsplit(server)._replace(path=f"/{args.database}"))
    commit = git_commit()  # the code that runs, not what may be committed while it runs
    workdir = Path(tempfile.mkdtemp(prefix="atelier-load-fault-"))
    stack = Stack(workdir, {})
    stack.env = stack_environment(database_url, stack.redis_port, workdir)
    # This process seeds with the same settings, except that its tasks run in-process.
    os.environ.update({**stack.env, "CELERY_TASK_ALWAYS_EAGER": "true"})
    sys.path.insert(0, str(ROOT))
    database_made = False
    try:
        print(f"Work folder {workdir}; Redis on port {stack.redis_port} (AOF on).")
        stack.redis_start()
        database_recreate(database_url, args.database, create=True)
        database_made = True
        print(f"Seeding {args.database} (demo_load, bulk_seed, {args.clients} members)…")
        plan = seed(args.clients, args.artworks)
        print(plan.seed_note)
        from django.db import connections

        connections.close_all()
        in_force = settings_in_force()
        stack.worker_start()
        stack.beat_start()
        stack.web_start()
        deadline = time.monotonic() + 60
        while not stack.worker_ready("worker-1"):
            if time.monotonic() > deadline:
                raise SystemExit(f"The worker did not start:\n{stack.log('worker-1')[-2000:]}")
            time.sleep(0.2)
        print(
            f"gunicorn on 127.0.0.1:{stack.web_port}; worker and beat running. "
            f"{args.clients} clients for {args.duration} s…"
        )
        load_before = os.getloadavg()[0]
        samples, faults, accepted, watch, crashes = run(args, stack, plan)
        load_after = os.getloadavg()[0]
        print(
            f"Load done: {len(samples)} requests. Waiting for uploads to settle "
            f"(at most {args.settle_timeout} s)…"
        )
        pipeline = settle(accepted, args.settle_timeout, on_poll=watch)
        meta = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "commit": commit,
            "cores": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "clients": args.clients,
            "duration": args.duration,
            "addresses": "one address for all"
            if args.same_address
            else "each from its own loopback address",
            "mix": ", ".join(f"{k} {v}" for k, v in args.mix.items()),
            "seed": plan.seed_note,
            "settings": in_force,
            "load": (load_before, load_after),
        }
        section = render(meta, samples, faults, pipeline)
        print()
        print(section)
        timeouts = stack.log("gunicorn").count("WORKER TIMEOUT")
        if timeouts:
            print(f"\ngunicorn logged {timeouts} WORKER TIMEOUT(s): see {workdir}/gunicorn.log")
        if not args.no_write:
            text = DOC.read_text() if DOC.exists() else "# Reliability\n"
            temporary = DOC.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(replace_section(text, section))
            temporary.replace(DOC)
            print(f"\nWrote the bench:load-fault section of {DOC.relative_to(ROOT)}.")
        if crashes:
            print(
                f"\nThe clients themselves failed {crashes} times (tracebacks above): fix the run."
            )
        held = all(ok for _, ok in verdicts(samples, faults, pipeline))
        return 0 if held and not crashes else 1
    finally:
        left = stack.stop()
        print(
            f"Stopped {len(stack.started)} processes"
            + (f"; killed {len(left)} stragglers: {left}" if left else "")
            + "."
        )
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if database_made and not args.keep:
            database_recreate(database_url, args.database, create=False)
            print(f"Dropped {args.database}.")
        if args.keep:
            print(f"Kept {args.database} and {workdir}.")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
