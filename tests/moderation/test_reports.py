"""Report numbers checked against a seeded scenario, the dashboard, CSV and transparency page."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from moderation.models import Appeal, Case, Decision, Flag, Report
from moderation.services.reports import report_build, reports_build_due
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(db):
    """One day (2 Nov 2026 UTC) with known numbers.

    Opened: 3 undisclosed-ai, 1 spam (4). Closed that day: 4, after 2 h, 4 h, 6 h and 10 h.
    Decisions: remove, relabel, dismiss (AI cases on human-made posts) and dismiss (spam):
    upheld 2/4. Provenance auto-flags on the three AI cases: 2 upheld. Appeals: 2, 1 overturned.
    """
    from django.utils import timezone

    start = timezone.make_aware(datetime(2026, 11, 2, 0, 0))
    mod = ModeratorFactory(handle="m")
    reporter = UserFactory(handle="r")
    plan = [
        ("undisclosed-ai", "remove", 2, True),
        ("undisclosed-ai", "relabel", 4, True),
        ("undisclosed-ai", "dismiss", 6, False),
        ("spam", "dismiss", 10, False),
    ]
    for i, (reason, action, hours, _upheld) in enumerate(plan):
        opened = start + timedelta(hours=1 + i)
        artwork = ArtworkFactory(label="human-made")
        case = Case.objects.create(
            artwork=artwork, reason=reason, ai_question=reason == "undisclosed-ai",
            label_at_open="human-made", opened_at=opened, status="closed",
            closed_at=opened + timedelta(hours=hours),
        )  # fmt: skip
        source = "provenance" if reason == "undisclosed-ai" else "member"
        Flag.objects.create(
            artwork=artwork, case=case, reason=reason, source=source,
            reporter=None if source == "provenance" else reporter,
            status="upheld" if action != "dismiss" else "dismissed",
        )  # fmt: skip
        decision = Decision.objects.create(
            case=case, moderator=mod, action=action, reason="r",
            new_label="ai-generated" if action == "relabel" else "",
        )  # fmt: skip
        Decision.objects.filter(pk=decision.pk).update(created_at=opened + timedelta(hours=hours))
        if action in ("remove", "relabel"):
            Appeal.objects.create(
                decision=decision, appellant=artwork.artist, statement="s",
                status="upheld" if action == "remove" else "denied",
                decided_at=opened + timedelta(hours=hours + 1),
            )  # fmt: skip
    return start


def test_daily_report_numbers_match_the_scenario(scenario):
    data = report_build(period="daily", start=scenario).data
    assert data["cases_opened"] == {"undisclosed-ai": 3, "spam": 1}
    assert data["cases_opened_total"] == 4 and data["cases_closed_total"] == 4
    assert data["decisions"] == 4
    assert data["hours_to_decision_median"] == 5.0
    assert data["hours_to_decision_p90"] == 8.8
    assert data["upheld_share"] == 0.5 and data["dismissed_share"] == 0.5
    assert data["mislabel_by_label"] == {
        "human-made": {"decided": 3, "mislabeled": 2, "rate": 0.667}
    }
    # Provenance flags: the two upheld AI cases and the dismissed AI case.
    assert data["provenance_flags_decided"] == 3
    assert data["provenance_flags_upheld_share"] == 0.667
    assert data["appeals_decided"] == 2 and data["appeals_overturned"] == 1


def test_reports_are_idempotent(scenario):
    report_build(period="daily", start=scenario)
    report_build(period="daily", start=scenario)
    assert Report.objects.filter(period="daily", start=scenario).count() == 1


def test_due_reports_cover_yesterday_and_last_week(scenario):
    daily, weekly = reports_build_due(now=scenario + timedelta(days=1, hours=3))
    assert daily.start == scenario and weekly.period == "weekly"
    assert weekly.start <= scenario < weekly.end or weekly.end <= scenario


def test_dashboard_charts_and_csv(client, moderator, scenario):
    report_build(period="daily", start=scenario)
    client.force_login(moderator)
    page = client.get(reverse("moderation:dashboard")).content.decode()
    assert "<svg" in page and "Cases opened" in page
    response = client.get(reverse("moderation:dashboard_csv") + "?period=daily")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Period start" and rows[1][1] == "4"
    assert response["Content-Type"].startswith("text/csv")


def test_transparency_page_is_public_and_has_no_names(client, scenario):
    report_build(period="weekly", start=scenario - timedelta(days=scenario.weekday()))
    page = client.get(reverse("transparency")).content.decode()
    assert "Transparency" in page and "@m" not in page and "@r" not in page
