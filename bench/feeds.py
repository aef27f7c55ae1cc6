"""Benchmark the listing pages under gunicorn, measured with wrk, over 1,000,000 seeded artworks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atelier .venv/bin/python bench/feeds.py \
        [--artworks 1000000] [--artists 1000] [--database atelier_bench] [--duration 10] \
        [--configs sync:2,sync:4,gthread:2:4] [--drop] [--no-write]

Needs PostgreSQL (DATABASE_URL names the server; the benchmark uses its own database,
``--database``, created here, migrated, seeded with ``gallery.demo.bulk_seed`` and kept for the
next run when its artwork count still matches; ``--drop`` drops it at the end), Redis (REDIS_URL,
default database 14) and ``wrk`` (Debian/Ubuntu: ``apt-get install -y wrk``; macOS:
``brew install wrk``).

For each gunicorn configuration (``sync:WORKERS`` or ``gthread:WORKERS:THREADS``) the site runs on
127.0.0.1 with DEBUG off, and wrk loads each page for ``--duration`` seconds at 16 connections
(``-c16 -t2 --latency``) after a 2-second warm-up: the human-only feed's first page, a page
10,000 artworks deep, a tag page, an artist page, and ``/healthz`` (a bare view: the ceiling).
Before that, an in-process pass with Django's test client counts each page's queries and splits
its time between SQL and the rest (mostly template rendering). gunicorn is stopped at the end,
also on error or Ctrl-C. Results go to docs/performance.md between the ``bench:feeds`` markers;
other sections of that file are left alone.
"""

from __future__ import annotations

import argparse
import contextlib
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
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:feeds -->", "<!-- /bench:feeds -->"
CONNECTIONS, THREADS = 16, 2
DEEP = 10_000
PAGE_SIZE = 24
TARGET_RPS, TARGET_P99_MS, TARGET_DEEP_RATIO = 500, 50.0, 0.9
TIMES = "\N{MULTIPLICATION SIGN}"
WRK_MISSING = (
    "wrk is not installed. Debian/Ubuntu: `apt-get install -y wrk`; macOS: `brew install wrk`; "
    "or build it from https://github.com/wg/wrk."
)


@dataclass
class Result:
    page: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str
    # CPU milliseconds per request: gunicorn (arbiter and workers), PostgreSQL backends, wrk.
    app_cpu_ms: float = 0.0
    db_cpu_ms: float = 0.0
    wrk_cpu_ms: float = 0.0

    @property
    def capacity(self) -> float:
        """Requests/s the whole machine could serve if this work were all it did."""
        spent = self.app_cpu_ms + self.db_cpu_ms + self.wrk_cpu_ms
        return (os.cpu_count() or 1) * 1000 / spent if spent else 0.0


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
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database, then stop")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    return parser.parse_args()


# --- Environment and database ------------------------------------------------------------------


def bench_environment(database: str) -> dict[str, str]:
    """The deployment-like settings shared by this process and gunicorn's workers."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (postgres://...).")
    var_dir = Path(tempfile.gettempdir()) / "atelier-bench-feeds"
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{database}")),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ATELIER_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
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


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> str:
    """Create, migrate and seed the database unless a matching one exists; returns a note."""
    import django

    url, name = env["DATABASE_URL"], args.database
    if not database_exists(url, name):
        database_create(url, name)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gallery.models import Artwork

    call_command("migrate", verbosity=0, interactive=False)
    count = Artwork.objects.filter(status=Artwork.Status.PUBLISHED).count()
    if count == args.artworks:
        with connection.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                        "WHERE datname = current_database()")  # fmt: skip
            note = cur.fetchone()[0] or "seeded earlier"
        print(f"Reusing {name}: {count:,} published artworks ({note}).")
        return f"reused; {note}"
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
    started = time.perf_counter()
    with connection.cursor() as cur:  # autocommit: VACUUM cannot run inside a transaction
        cur.execute("VACUUM ANALYZE")
    vacuumed = time.perf_counter() - started
    note = (
        f"bulk_seed of {args.artworks:,} artworks / {args.artists:,} artists took {seeded:.0f} s, "
        f"VACUUM ANALYZE {vacuumed:.0f} s"
    )
    with connection.cursor() as cur:
        cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [note])
    print(note)
    return note


def pages(artist_handle: str) -> list[tuple[str, str]]:
    """(label, path) of each page to load; the deep cursor comes from the real selector."""
    from gallery import selectors

    qs = selectors.artworks_for_listing(preference="human")
    deep_item = qs.select_related(None).only("published_at")[DEEP - 1 : DEEP].get()
    cursor = selectors.encode_cursor(deep_item)
    return [
        ("feed, first page", "/"),
        (f"feed, {DEEP:,} deep", f"/?after={cursor}"),
        ("tag page (tag0)", "/tags/tag0/"),
        (f"artist page (@{artist_handle})", f"/@{artist_handle}/"),
        ("bare view (/healthz)", "/healthz"),
    ]


# --- In-process breakdown ----------------------------------------------------------------------


def breakdown(paths: list[tuple[str, str]], rounds: int = 60) -> list[dict]:
    """Per page: queries and the medians of wall ms, SQL ms and this process's CPU ms."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for label, path in paths:
        client.get(path)  # warm-up: templates load, the connection opens
        samples: list[tuple[float, float, int]] = []
        for _ in range(rounds):
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
                response = client.get(path)
                total = (time.perf_counter() - started) * 1000
                cpu = (time.process_time() - cpu_started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code} in-process")
            samples.append((total, sql[0], sql[1], cpu))
        rows.append(
            {
                "page": label,
                "queries": max(s[2] for s in samples),
                "total_ms": statistics.median(s[0] for s in samples),
                "sql_ms": statistics.median(s[1] for s in samples),
                "cpu_ms": statistics.median(s[3] for s in samples),
            }
        )
    return rows


# --- gunicorn and wrk --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM the arbiter if this script dies, even by SIGKILL."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def gunicorn_start(config: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    kind, workers, *rest = config.split(":")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", workers, "--worker-class", kind,
               "--log-level", "warning", "--timeout", "30"]  # fmt: skip
    if kind == "gthread":
        command += ["--threads", rest[0] if rest else "4"]
    elif kind != "sync":
        raise SystemExit(f"Unknown worker class in {config!r}: use sync:N or gthread:N:T.")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} on start")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return process
        time.sleep(0.2)
    gunicorn_stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # Its own session: the signal reaches the arbiter and its workers, nothing else.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def check_page(port: int, label: str, path: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        body = response.read().decode()
        status = response.status
    if status != 200:
        raise SystemExit(f"{label}: {path} answered {status}")
    if path != "/healthz" and body.count('class="art-card"') != PAGE_SIZE:
        raise SystemExit(f"{label}: {path} did not render {PAGE_SIZE} cards")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(port: int, path: str, duration: int) -> tuple[float, float, float, int, str]:
    output = subprocess.run(
        ["wrk", f"-c{CONNECTIONS}", f"-t{THREADS}", f"-d{duration}s", "--latency",
         "--timeout", "5s", f"http://127.0.0.1:{port}{path}"],
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


def run_config(config: str, paths: list[tuple[str, str]], env: dict, duration: int) -> list:
    port = free_port()
    process = gunicorn_start(config, port, env)
    database = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    results = []
    try:
        for label, path in paths:
            check_page(port, label, path)
        for label, path in paths:
            wrk(port, path, 2)  # warm-up: templates, connections, the page cache
            app_before = _cpu_ms(_group_pids(process.pid))
            db_before = _cpu_ms(_backend_pids(env["DATABASE_URL"], database))
            wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            rps, p50, p99, requests, errors = wrk(port, path, duration)
            wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            app = _delta(app_before, _cpu_ms(_group_pids(process.pid)))
            db = _delta(db_before, _cpu_ms(_backend_pids(env["DATABASE_URL"], database)))
            wrk_ms = (
                wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime
            ) * 1000
            result = Result(label, path, rps, p50, p99, requests, errors,
                            app / requests, db / requests, wrk_ms / requests)  # fmt: skip
            results.append(result)
            print(f"  {config:<12} {label:<28} {rps:6.0f} req/s  p50 {p50:6.1f} ms  "
                  f"p99 {p99:6.1f} ms  CPU/req: app {result.app_cpu_ms:.2f} ms, "
                  f"db {result.db_cpu_ms:.2f} ms, wrk {result.wrk_cpu_ms:.2f} ms  "
                  f"{errors}")  # fmt: skip
    finally:
        gunicorn_stop(process)
    return results


# --- Report ------------------------------------------------------------------------------------


def verdicts(results: list[Result]) -> list[str]:
    listing = results[:-1]
    lines = []
    slow = [r.page for r in listing if r.rps < TARGET_RPS]
    late = [r.page for r in listing if r.p99_ms >= TARGET_P99_MS]
    lines.append(
        f"at least {TARGET_RPS} req/s on every page: "
        + ("met" if not slow else "missed by " + ", ".join(slow))
    )
    lines.append(
        f"p99 under {TARGET_P99_MS:.0f} ms: "
        + ("met" if not late else "missed by " + ", ".join(late))
    )
    deep_ratio = listing[1].rps / listing[0].rps
    cpu = [r.app_cpu_ms + r.db_cpu_ms for r in listing[:2]]
    lines.append(
        f"deep page within 10% of the first page: {deep_ratio:.2f}{TIMES} its throughput "
        + ("(met)" if deep_ratio >= TARGET_DEEP_RATIO else "(missed)")
        + f", {cpu[1] / cpu[0]:.2f}{TIMES} its server CPU per request"
    )
    return lines


def table(results: list[Result]) -> list[str]:
    ceiling = results[-1].rps
    lines = [
        "| page | req/s | p50 (ms) | p99 (ms) | of ceiling | CPU/req: app, db, wrk (ms) "
        "| capacity (req/s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        flag = f" ({r.errors})" if r.errors else ""
        lines.append(
            f"| {r.page}{flag} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.rps / ceiling:.2f}{TIMES} | {r.app_cpu_ms:.2f}, {r.db_cpu_ms:.2f}, "
            f"{r.wrk_cpu_ms:.2f} | {r.capacity:,.0f} |"
        )
    return lines


def _slowest(results: list[Result]) -> float:
    return min(r.rps for r in results[:-1])


def best_config(all_results: dict[str, list[Result]]) -> str:
    """The configuration with the highest slowest-listing throughput."""
    return max(all_results, key=lambda c: _slowest(all_results[c]))


def report(
    args: argparse.Namespace,
    seed_note: str,
    rows: list[dict],
    all_results: dict[str, list[Result]],
    load: tuple[float, float],
) -> str:
    baseline = next(iter(all_results))
    best = best_config(all_results)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out = [
        START,
        "## Feeds (`bench/feeds.py`)",
        "",
        f"{stamp}, {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, PostgreSQL on the same machine; {args.artworks:,} "
        f"published artworks over {args.artists:,} artists ({seed_note}). gunicorn on 127.0.0.1 "
        f"with DEBUG off; wrk `-c{CONNECTIONS} -t{THREADS} -d{args.duration}s --latency` on "
        f"loopback, sharing the cores with the server, after a 2 s warm-up per page. Anonymous "
        f"viewer (human-only preference); the deep page is the cursor {DEEP:,} artworks in. "
        f"{args.rounds} round(s) over the configurations, interleaved; for each configuration "
        f"the round whose slowest page was fastest is shown. "
        f"Load average {load[0]:.1f} before the runs and {load[1]:.1f} after: the higher it is, "
        f"the more other work shared the cores.",
        "",
        "CPU per request is measured, not inferred from throughput: gunicorn's processes and "
        "the database's backends from `/proc`, wrk from its rusage. *Capacity* is "
        f"cores {TIMES} 1000 / their sum: what this machine would serve doing nothing else "
        "(loopback and kernel time outside those processes not counted).",
        "",
        "In-process (Django test client, medians of 60 requests):",
        "",
        "| page | queries | wall (ms) | SQL (ms) | Python CPU (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    out += [
        f"| {r['page']} | {r['queries']} | {r['total_ms']:.1f} | {r['sql_ms']:.1f} "
        f"| {r['cpu_ms']:.1f} |"
        for r in rows
    ]
    out += [
        "",
        "gunicorn configurations (slowest listing page; the ceiling is `/healthz`):",
        "",
        "| configuration | slowest page (req/s) | worst p99 (ms) | ceiling (req/s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for config, results in all_results.items():
        marks = [m for m, on in (("baseline", config == baseline), ("best", config == best)) if on]
        out.append(
            f"| {_title(config)}{' (' + ', '.join(marks) + ')' if marks else ''} "
            f"| {_slowest(results):,.0f} "
            f"| {max(r.p99_ms for r in results[:-1]):.1f} | {results[-1].rps:,.0f} |"
        )
    for config, results in all_results.items():
        out += ["", f"### {_title(config)}", ""]
        out += table(results)
        out += ["", "Targets: " + "; ".join(verdicts(results)) + "."]
    out.append(END)
    return "\n".join(out)


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
        if args.seed_only:
            return
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        from accounts.models import User

        handle = User.objects.filter(handle="seed1").values_list("handle", flat=True).first()
        if handle is None:
            sys.exit("No seeded artist @seed1: is the database seeded by bulk_seed?")
        paths = pages(handle)
        print("In-process breakdown:")
        rows = breakdown(paths)
        for row in rows:
            print(f"  {row['page']:<28} {row['queries']} queries  {row['total_ms']:6.2f} ms  "
                  f"(SQL {row['sql_ms']:.2f} ms, Python CPU {row['cpu_ms']:.2f} ms)")  # fmt: skip
        from django.db import connections

        connections.close_all()
        load_before = os.getloadavg()[0]
        all_results: dict[str, list[Result]] = {}
        for round_ in range(args.rounds):
            for config in configs:
                print(f"gunicorn {config} (round {round_ + 1} of {args.rounds}):")
                results = run_config(config, paths, env, args.duration)
                # Other work shares these cores: keep the round whose slowest page was fastest
                # (a whole round, so that its pages stay comparable with each other).
                kept = all_results.get(config)
                if kept is None or _slowest(results) > _slowest(kept):
                    all_results[config] = results
        section = report(args, seed_note, rows, all_results, (load_before, os.getloadavg()[0]))
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
