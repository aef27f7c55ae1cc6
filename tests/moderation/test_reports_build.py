"""Reports built on demand: the demo and the dashboard's "Build now" fill it without beat."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from moderation.models import Report
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_build_now_fills_todays_reports_and_is_idempotent(client, moderator, viewer, artist):
    flag_create(reporter=viewer, artwork=ArtworkFactory(artist=artist), reason="spam")
    client.force_login(moderator)
    assert "No reports yet" in client.get(reverse("moderation:dashboard")).content.decode() or (
        not Report.objects.exists()
    )
    for _ in range(2):  # a double click rebuilds the same rows
        response = client.post(reverse("moderation:reports_build"))
        assert response.status_code == 302
    assert Report.objects.filter(period="daily").count() == 1
    assert Report.objects.filter(period="weekly").count() == 1
    daily = Report.objects.get(period="daily")
    assert daily.data["cases_opened_total"] == 1
    html = client.get(reverse("moderation:dashboard")).content.decode()
    assert "up to date" in html


@pytest.mark.parametrize("who", ["anonymous", "viewer", "artist"])
def test_only_moderators_build_reports(client, who, viewer, artist):
    if who != "anonymous":
        client.force_login({"viewer": viewer, "artist": artist}[who])
    response = client.post(reverse("moderation:reports_build"))
    assert response.status_code in (302, 403)
    if who != "anonymous":
        assert response.status_code == 403
    assert not Report.objects.exists()


def test_get_does_not_build(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:reports_build")).status_code == 405
    assert not Report.objects.exists()


def test_the_command_builds_current_reports_for_the_demo():
    call_command("build_reports", "--current")
    assert set(Report.objects.values_list("period", flat=True)) == {"daily", "weekly"}
    assert Report.objects.count() == 4  # yesterday, last week, today, this week
