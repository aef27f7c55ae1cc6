"""Small things people notice: counts and ages in words, the favicon, one line per 403."""

import logging
import re

import pytest
from django.test import Client

from config.logformat import ExpectedRefusalFilter
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_with_a_long_cache(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert "max-age=31536000" in response["Cache-Control"]


def test_a_403_logs_one_line_without_a_traceback(viewer, caplog):
    client = Client()
    client.force_login(viewer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/moderation/dashboard/")
    assert response.status_code == 403
    # Django attaches the PermissionDenied traceback; the console handler's filter (which runs
    # before pytest's own handler) dropped it.
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /moderation/dashboard/"
    assert record.exc_info is None and record.exc_text is None
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, ExpectedRefusalFilter) for f in handler.filters)
    assert logging.getLogger("django").handlers == []  # not printed twice


def test_a_500_keeps_its_traceback():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
    )
    record.status_code = 500
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    ExpectedRefusalFilter().filter(record)
    assert record.exc_info is not None


def test_counts_are_pluralised_on_the_artist_page(client, artist, viewer):
    from accounts.models import Follow

    ArtworkFactory(artist=artist)
    Follow.objects.create(follower=viewer, artist=artist)
    type(artist).objects.filter(pk=artist.pk).update(follower_count=1, artwork_count=1)
    page = client.get(artist.get_absolute_url()).content.decode()
    assert '<strong id="follower-count">1</strong> follower</a>' in page
    assert "<strong>1</strong> artwork</span>" in page
    assert "1 followers" not in page.replace("</strong>", "") and "1 likes" not in page


def test_fresh_ages_read_now_not_zero_minutes(client, artist, viewer):
    from accounts.services import notify

    notify(user=viewer, kind="report-outcome", title="Reviewed", body="")
    client.force_login(viewer)
    page = client.get("/notifications/").content.decode()
    assert re.search(r"(now|\d+\xa0seconds ago)</span>", page), page
    assert "minutes ago" not in page


def test_risk_explanation_says_one_reporter_not_reporters(
    viewer, artist, django_capture_on_commit_callbacks
):
    from moderation.services.flags import flag_create

    with django_capture_on_commit_callbacks(execute=True):
        case = flag_create(
            reporter=viewer, artwork=ArtworkFactory(artist=artist), reason="undisclosed-ai"
        ).case
    case.refresh_from_db()
    keys = " ".join(case.score_parts)
    assert "1 independent reporter, weighted by accuracy" in keys and "(s)" not in keys


def test_dashboard_shows_percentages_durations_and_label_names(client, moderator):
    from datetime import UTC, datetime

    from moderation.models import Report

    Report.objects.create(
        period=Report.Period.DAILY,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        end=datetime(2026, 1, 6, tzinfo=UTC),
        data={
            "cases_opened_total": 3,
            "cases_closed_total": 3,
            "decisions": 3,
            "hours_to_decision_median": 0.02,
            "hours_to_decision_p90": 26.5,
            "upheld_share": 0.667,
            "dismissed_share": 0.333,
            "provenance_flags_upheld_share": 1.0,
            "appeals_decided": 1,
            "appeals_overturned": 0,
            "appeals_overturned_share": 0.0,
            "mislabel_by_label": {"human-made": {"mislabeled": 1, "decided": 2, "rate": 0.5}},
        },
    )
    client.force_login(moderator)
    page = client.get("/moderation/dashboard/").content.decode()
    assert "0.667" not in page and "0.333" not in page and "67%" in page and "33%" in page
    assert "0.02" not in page and "1 min /" in page and "26 h 30 min" in page
    assert "<dt>Human-made</dt>" in page and "<dt>human-made</dt>" not in page
    public = client.get("/transparency/").content.decode()
    assert "0.02" not in public
