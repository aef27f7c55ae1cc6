"""The page benchmark's own logic (bench/feeds.py): what it concludes and what it leaves behind.

The run itself (``make bench``) starts gunicorn, wrk and a worker and is not part of
``make test``; its verdicts, its report and the fixtures it makes in the database are, because a
wrong rule there would print a pass for a missed target or leave the bench database unusable.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import ApiToken
from gallery import listing_cache

PATH = Path(__file__).resolve().parents[2] / "bench" / "feeds.py"
spec = importlib.util.spec_from_file_location("bench_feeds", PATH)
feeds = importlib.util.module_from_spec(spec)
sys.modules["bench_feeds"] = feeds  # dataclasses look their module up while the class is built
spec.loader.exec_module(feeds)
X = feeds.TIMES


def result(page: str, rps: float, cache_mode: str = "warm", p99: float = 10.0):
    return feeds.Result(page, cache_mode, "/", rps, 5.0, p99, int(rps * 10), "", 1.0, 0.1, 0.1)


def run(first=1000.0, deep=1000.0, artwork=1000.0, artwork_cold=1000.0, ceiling=2000.0):
    return [
        result("feed, first page", first),
        result("feed, 10,000 deep", deep),
        result("artwork page", artwork),
        result("artwork page", artwork_cold, "cold"),
        result("bare view (/healthz)", ceiling, "—"),
    ]


def test_verdicts_pass_when_every_page_meets_every_target():
    lines = feeds.verdicts(run())
    assert all(
        line.endswith(("met", f"(met), 1.00{X} its server CPU per request")) for line in lines
    )


def test_a_cold_page_below_the_ratio_to_healthz_is_named():
    lines = feeds.verdicts(run(artwork_cold=200.0))  # a tenth of 2,000
    cold = next(line for line in lines if "(cold)" in line)
    assert cold.endswith(f"missed by artwork page 0.10{X}")
    warm = next(line for line in lines if "(warm):" in line and "healthz" in line)
    assert warm.endswith("met")


def test_a_slow_deep_page_and_a_late_p99_are_missed():
    results = run(deep=800.0)
    results[0].p99_ms = 60.0
    lines = feeds.verdicts(results)
    assert "missed by feed, first page" in lines[1]
    assert f"0.80{X} its throughput (missed)" in lines[2]


def test_the_mixed_table_compares_each_page_with_its_quiet_run():
    quiet = run()
    mixed = [result(r.page, r.rps / 2, "mixed") for r in quiet if r.cache != "cold"]
    rows = feeds.table(mixed, quiet)
    assert rows[0].count("|") == 11  # ten columns: "of quiet" added
    assert "| feed, first page | mixed | 500 |" in rows[2]
    assert f"| 0.50{X} | 0.50{X} |" in rows[2]


def test_write_section_replaces_only_its_own_markers(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# P\n\n{feeds.START}\nold\n{feeds.END}\n\nkept below\n")
    monkeypatch.setattr(feeds, "DOC", doc)
    feeds.write_section(f"{feeds.START}\nnew\n{feeds.END}")
    assert doc.read_text() == f"# P\n\n{feeds.START}\nnew\n{feeds.END}\n\nkept below\n"


def test_the_token_script_sends_every_token_in_turn(tmp_path):
    script = feeds.token_script(["atl_a", "atl_b"], tmp_path).read_text()
    assert '"atl_a",\n  "atl_b"' in script
    assert "tokens[((start or 0) + n) % #tokens + 1]" in script
    assert "['Authorization'] = 'Token ' .. key" in script


@pytest.mark.django_db
def test_api_tokens_authenticate_and_the_previous_runs_are_revoked():
    first = feeds.api_tokens(3)
    second = feeds.api_tokens(3)
    assert len(set(first + second)) == 6
    assert ApiToken.objects.active().count() == 3
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 3
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {second[0]}")
    assert client.get("/api/v1/artworks/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {first[0]}")
    assert client.get("/api/v1/artworks/").status_code == 401


@pytest.mark.django_db
def test_more_tokens_than_one_member_may_hold_spread_over_members():
    keys = feeds.api_tokens(feeds.TOKENS_PER_MEMBER + 1)
    assert len(keys) == feeds.TOKENS_PER_MEMBER + 1
    holders = set(ApiToken.objects.active().values_list("user__handle", flat=True))
    assert holders == {f"{feeds.API_MEMBER}0", f"{feeds.API_MEMBER}1"}


def test_page_cache_purge_deletes_page_blocks_and_keeps_versions():
    cache.set("lc:abc", "<cards>", 60)
    cache.set("lv:all", 7, None)
    cache.set("other", 1, 60)
    assert feeds.page_cache_purge() >= 1
    assert cache.get("lc:abc") is None
    assert cache.get("lv:all") == 7
    assert cache.get("other") == 1


def test_the_bumper_moves_the_global_version_while_it_runs():
    before = listing_cache.versions([])
    bumper = feeds.Bumper()
    bumper.start()
    while bumper.bumps < 3:
        bumper.halt.wait(0.01)
    bumper.stop()
    assert not bumper.is_alive()
    assert listing_cache.versions([]) != before


def test_the_report_labels_a_small_run_and_keeps_its_markers():
    import argparse

    args = argparse.Namespace(
        artworks=20_000, artists=1000, duration=3, rounds=1, caches=["warm", "cold"],
        api_tokens=40, worker_concurrency=1, upload_size="1600x1200",
    )  # fmt: skip
    rows = [{"page": "feed, first page", "cache": "warm", "queries": 0, "total_ms": 1.0,
             "sql_ms": 0.0, "cpu_ms": 1.0}]  # fmt: skip
    section = feeds.report(args, "seeded", "a member", rows, {"sync:2": run()}, None, (1.0, 2.0))
    assert section.startswith(feeds.START) and section.endswith(feeds.END)
    assert "20,000 published artworks over 1,000 artists" in section
    assert "A check of the script at 20,000 artworks" in section
    assert "| sync, 2 workers (baseline, best) | 1,000 | 1,000 |" in section
    full = argparse.Namespace(**{**vars(args), "artworks": 1_000_000})
    assert "A check of the script" not in feeds.report(
        full, "seeded", "a member", rows, {"sync:2": run()}, None, (1.0, 2.0)
    )
