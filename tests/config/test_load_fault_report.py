"""The load-and-fault run's own logic: how answers are judged and how the report is written.

The run itself (bench/load_fault.py, ``make bench-reliability``) starts a whole stack and is not
part of ``make test``; what it concludes from the answers is, because a wrong rule there would
turn a 500 into a pass.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

PATH = Path(__file__).resolve().parents[2] / "bench" / "load_fault.py"
spec = importlib.util.spec_from_file_location("load_fault", PATH)
lf = importlib.util.module_from_spec(spec)
sys.modules["load_fault"] = lf  # dataclasses look their module up while the class is built
spec.loader.exec_module(lf)

ALLAUTH_TOO_MANY = b"<li>Too many failed login attempts. Try again later.</li>"
ALLAUTH_MISMATCH = b"<li>The username and/or password you specified are not correct.</li>"
UPLOAD_LIMIT = b"<li>You have posted 30 times in the last hour; please wait a little</li>"


def judged(kind: str, status: int, body: bytes = b"") -> str:
    return lf.classify(kind, status, lf.body_hint(kind, status, body))


@pytest.mark.parametrize("kind", lf.KINDS)
def test_a_429_is_a_limit_for_every_kind_of_request(kind):
    assert judged(kind, 429) == lf.LIMITED


@pytest.mark.parametrize("kind", lf.KINDS)
@pytest.mark.parametrize("status", [500, 502, 503, 504, lf.NO_ANSWER])
def test_5xx_and_missing_answers_are_errors_for_every_kind_of_request(kind, status):
    assert judged(kind, status) == lf.ERROR


def test_wrong_password_is_a_refusal_and_allauths_too_many_form_is_a_limit():
    assert judged(lf.LOGIN_WRONG, 200, ALLAUTH_MISMATCH) == lf.REFUSED
    assert judged(lf.LOGIN_WRONG, 200, ALLAUTH_TOO_MANY) == lf.LIMITED
    assert judged(lf.LOGIN_RIGHT, 200, ALLAUTH_TOO_MANY) == lf.LIMITED


def test_right_password_turned_away_without_a_limit_is_an_error():
    assert judged(lf.LOGIN_RIGHT, 302) == lf.OK
    assert judged(lf.LOGIN_RIGHT, 200, ALLAUTH_MISMATCH) == lf.ERROR


def test_site_upload_over_the_hourly_limit_is_a_limit_but_any_other_400_is_an_error():
    assert judged(lf.UPLOAD_SITE, 302) == lf.OK
    assert judged(lf.UPLOAD_SITE, 400, UPLOAD_LIMIT) == lf.LIMITED
    assert judged(lf.UPLOAD_SITE, 400, b"<li>study.jpg: not an image we accept</li>") == lf.ERROR


def test_limit_wording_on_a_page_that_does_not_show_limits_counts_for_nothing():
    assert judged(lf.FEED, 200, UPLOAD_LIMIT + ALLAUTH_TOO_MANY) == lf.OK
    assert judged(lf.UPLOAD_API, 400, UPLOAD_LIMIT) == lf.ERROR


@pytest.mark.parametrize(
    ("kind", "status"),
    [(lf.FEED, 302), (lf.ARTWORK, 404), (lf.UPLOAD_API, 400), (lf.FLAG_API, 400), (lf.FEED, 403)],
)
def test_answers_a_kind_does_not_expect_are_errors(kind, status):
    assert judged(kind, status) == lf.ERROR


def sample(kind: str, status: int, at: float, ms: float = 100.0) -> object:
    return lf.Sample(kind, status, lf.classify(kind, status), at, ms)


def test_tally_counts_each_status_per_kind_and_a_total():
    rows = lf.tally([sample(lf.FEED, 200, 1), sample(lf.FEED, 503, 2), sample(lf.FLAG_API, 429, 3)])
    by_kind = {r.kind: r for r in rows}
    assert list(by_kind) == [lf.FEED, lf.FLAG_API, "all requests"]
    assert by_kind[lf.FEED].statuses == Counter({200: 1, 503: 1})
    assert by_kind[lf.FEED].outcomes == Counter({lf.OK: 1, lf.ERROR: 1})
    assert by_kind["all requests"].requests == 3
    assert by_kind["all requests"].outcomes[lf.LIMITED] == 1


def test_requests_in_flight_during_the_outage_include_those_that_started_before_it():
    before = sample(lf.FEED, 200, 9.0, ms=1500)  # 9.0 s to 10.5 s: overlaps an outage from 10 s
    done_before = sample(lf.FEED, 200, 9.0, ms=500)
    during = sample(lf.ARTWORK, 200, 12.0)
    after = sample(lf.ARTWORK, 200, 15.5)
    picked = lf.overlapping([before, done_before, during, after], 10.0, 15.0)
    assert picked == [before, during]
    assert lf.overlapping([before], None, None) == []


def pipeline(**overrides) -> object:
    values = {
        "accepted": 3,
        "created": 3,
        "statuses": Counter({"published": 2, "failed": 1}),
        "failed_reasons": Counter({"This file could not be read": 1}),
        "failed_without_reason": 0,
        "images_unsettled": 0,
        "settle_seconds": 4.0,
    }
    return lf.Pipeline(**{**values, **overrides})


META = {
    "date": "2026-11-28",
    "commit": "abc1234",
    "cores": 2,
    "machine": "x86_64",
    "python": "3.13.0",
    "clients": 2,
    "duration": 20,
    "addresses": "each from its own loopback address",
    "mix": "feed 1",
    "seed": "demo",
    "settings": "defaults",
    "load": (1.0, 2.0),
}
FAULTS = lf.Faults(worker_killed=7.0, worker_replaced=9.0, redis_down=11.0, redis_up=16.0)


def test_report_meets_every_check_when_only_limits_and_refusals_were_answered():
    samples = [
        sample(lf.FEED, 200, 1),
        sample(lf.LOGIN_WRONG, 200, 12),
        sample(lf.LOGIN_RIGHT, 429, 13),
    ]
    checks = lf.verdicts(samples, FAULTS, pipeline())
    assert all(held for _, held in checks)
    section = lf.render(META, samples, FAULTS, pipeline())
    assert section.startswith(lf.START) and section.endswith(lf.END)
    assert "| feed page | 1 | 1 | 0 | 0 | 0 | 200 \N{MULTIPLICATION SIGN} 1 |" in section
    assert "**missed**" not in section
    assert "- 1 \N{MULTIPLICATION SIGN} This file could not be read" in section


def test_report_misses_checks_for_a_500_during_the_outage_and_an_upload_left_processing():
    samples = [sample(lf.FEED, 200, 1), sample(lf.ARTWORK, 500, 12), sample(lf.FEED, 0, 30)]
    stuck = pipeline(statuses=Counter({"published": 2, "processing": 1}), images_unsettled=1)
    checks = dict(lf.verdicts(samples, FAULTS, stuck))
    assert checks["no errors besides intended limits (2 errors)"] is False
    assert checks["no 5xx while Redis was restarting (1 of 1)"] is False
    settled = "every accepted upload settled (1 still processing with 1 images waiting, "
    assert checks[settled + "0 failed without a reason, 0 in another state)"] is False
    section = lf.render(META, samples, FAULTS, stuck)
    assert "no answer \N{MULTIPLICATION SIGN} 1" in section
    assert section.count("**missed**") == 3


def test_an_accepted_upload_missing_from_the_database_or_failed_silently_is_a_miss():
    checks = lf.verdicts([], lf.Faults(), pipeline(created=2, failed_without_reason=1))
    assert [held for _, held in checks] == [True, True, False, False]


def test_section_is_replaced_in_place_and_the_rest_of_the_page_kept():
    page = f"# Reliability\n\nThreats.\n\n{lf.START}\nold numbers\n{lf.END}\n\n## After\n"
    new = f"{lf.START}\nnew numbers\n{lf.END}"
    assert lf.replace_section(page, new) == (f"# Reliability\n\nThreats.\n\n{new}\n\n## After\n")
    assert lf.replace_section("# Reliability\n", new) == f"# Reliability\n\n{new}\n"


def test_mix_names_only_known_requests_and_needs_a_positive_weight():
    assert lf.parse_mix("feed=3, flag=1") == {"feed": 3, "flag": 1}
    with pytest.raises(lf.argparse.ArgumentTypeError):
        lf.parse_mix("feeds=3")
    with pytest.raises(lf.argparse.ArgumentTypeError):
        lf.parse_mix("feed=0")


def test_run_is_bounded_in_clients_and_time():
    assert lf.parse_args([]).clients == 32
    with pytest.raises(SystemExit):
        lf.parse_args(["--duration", "0"])
    with pytest.raises(SystemExit):
        lf.parse_args(["--clients", "10000"])


def test_multipart_body_is_what_django_parses_back():
    body, content_type = lf.encode_multipart(
        [("title", "Quiet tide"), ("tags", "sea, study")],
        [("images", "study.jpg", "image/jpeg", b"\xff\xd8 bytes \r\n\xff\xd9")],
    )
    request = RequestFactory().post("/", data=body, content_type=content_type)
    data, files = MultiPartParser(
        request.META, io.BytesIO(body), request.upload_handlers, "utf-8"
    ).parse()
    assert data.dict() == {"title": "Quiet tide", "tags": "sea, study"}
    assert files["images"].name == "study.jpg"
    assert files["images"].read() == b"\xff\xd8 bytes \r\n\xff\xd9"
