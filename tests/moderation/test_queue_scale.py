"""The moderators' queue answers with a fixed number of queries with 100,000 open cases."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gallery.models import Artwork
from moderation.models import Case, Flag, FlagReason
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("heavy")]

N = 100_000


def _seed(artist, reporter, count: int) -> None:
    rng = random.Random(3)
    now = timezone.now()
    reasons = FlagReason.values
    for start in range(0, count, 10_000):
        size = min(10_000, count - start)
        arts = Artwork.objects.bulk_create(
            [
                Artwork(
                    artist=artist,
                    title=f"Case art {start + i}",
                    label="human-made",
                    status="published",
                    published_at=now,
                )
                for i in range(size)
            ],
            batch_size=5000,
        )
        cases = Case.objects.bulk_create(
            [
                Case(
                    artwork=a,
                    reason=reasons[i % len(reasons)],
                    risk_score=rng.random() * 100,
                    score_parts={"reporters": 10.0},
                    opened_at=now,
                    label_at_open="human-made",
                )
                for i, a in enumerate(arts)
            ],
            batch_size=5000,
        )
        Flag.objects.bulk_create(
            [Flag(artwork=c.artwork, case=c, reporter=reporter, reason=c.reason) for c in cases],
            batch_size=5000,
        )


def _seed_sql(artist, reporter, count: int) -> None:
    """The same rows as ``_seed``, written by PostgreSQL itself (seconds instead of a minute)."""
    reasons = "ARRAY[" + ",".join(f"'{r}'" for r in FlagReason.values) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO gallery_artwork (artist_id, title, description, medium, label, ai_stages,"
            " ai_note, ai_minor_only, status, status_reason, provenance_verdict, label_mismatch,"
            " held, like_count, image_count, created_at, updated_at, published_at)"
            " SELECT %s, 'Bulk case art ' || g, '', 'drawing', 'human-made', '[]', '', false,"
            " 'published', '', '', false, false, 0, 0, now(), now(), now()"
            " FROM generate_series(1, %s) AS g",
            [artist.pk, count],
        )
        cursor.execute(
            "INSERT INTO moderation_case (artwork_id, status, reason, ai_question, label_at_open,"  # noqa: S608 - constants only
            " escalated, risk_score, score_parts, opened_at)"
            f" SELECT a.id, 'open', ({reasons})[1 + a.id %% {len(FlagReason.values)}], false,"
            " 'human-made', false, random() * 100, '{\"reporters\": 10.0}', now()"
            " FROM gallery_artwork a WHERE a.title LIKE 'Bulk case art %%'",
            [],
        )
        cursor.execute(
            "INSERT INTO moderation_flag (artwork_id, case_id, reporter_id, source, reason, note,"
            " original_url, evidence, status, created_at)"
            " SELECT c.artwork_id, c.id, %s, 'member', c.reason, '', '', '[]', 'open', now()"
            " FROM moderation_case c JOIN gallery_artwork a ON a.id = c.artwork_id"
            " WHERE a.title LIKE 'Bulk case art %%'",
            [reporter.pk],
        )


def _queue(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_queue_runs_a_fixed_number_of_queries_at_100k_open_cases(client, moderator, artist):
    reporter = UserFactory(handle="rep")
    client.force_login(moderator)
    _seed(artist, reporter, 60)
    _, small = _queue(client, reverse("moderation:queue"))
    _seed_sql(artist, reporter, N - 60)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE moderation_case; ANALYZE moderation_flag; ANALYZE gallery_artwork")
    assert Case.objects.open().count() == N
    response, large = _queue(client, reverse("moderation:queue"))
    html = response.content.decode()
    assert html.count("<tr>") == 51  # header + one page of 50
    assert large == small, "the queue's query count grew with the number of cases"
    assert large <= 10
    scores = [float(s) for s in __import__("re").findall(r"<td><strong>([\d.]+)</strong>", html)]
    assert scores == sorted(scores, reverse=True)
    _, filtered = _queue(client, reverse("moderation:queue") + "?reason=spam&age=day")
    assert filtered == small
    cursor = __import__("re").search(r"after=([^\"&]+)", html).group(1)
    _, next_page = _queue(client, reverse("moderation:queue") + f"?after={cursor}")
    assert next_page == small
