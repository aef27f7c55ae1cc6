"""Moderation pages say keys in words: audit actions and roles, report reasons, evidence kinds,
and dashboard headings that match the durations and percentages under them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import AuditEntry, Report
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_audit_log_and_case_log_name_actions_roles_and_reasons(moderator, viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    case = flag_create(reporter=viewer, artwork=artwork, reason="stolen").case
    entry = AuditEntry.objects.get(case=case)
    assert (entry.action, entry.actor_role, entry.reason) == ("flag", "reporter", "stolen")
    client = Client()
    client.force_login(moderator)
    audit = client.get(reverse("moderation:audit")).content.decode()
    row = re.search(r"<tr>\s*<td class=\"small\">.*?</tr>", audit, re.DOTALL).group(0)
    assert "<td>Reported by a member</td>" in row and "Reporter @" in row
    assert "Stolen / not the uploader&#x27;s work" in row and ">stolen<" not in row
    page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    log = re.search(r"<h2>Log</h2>.*?</ol>", page, re.DOTALL).group(0)
    assert "Reporter @" in log and "Reported by a member" in log and "— stolen" not in log


def test_case_page_names_evidence_kinds(moderator, viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    image = artwork.images.get()
    image.provenance = {
        "verdict": "ai-generated",
        "evidence": [
            {
                "source": "iptc",
                "field": "XMP",
                "value": "x",
                "kind": "ai-generated",
                "summary": "s",
            },
            {"source": "exif", "field": "Make", "value": "y", "kind": "info", "summary": "t"},
        ],
    }
    image.save(update_fields=["provenance"])
    case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    client = Client()
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert "<strong>AI-generated</strong> · s" in page
    assert "<strong>For information</strong> · t" in page
    assert "<strong>ai-generated</strong>" not in page


def test_dashboard_headings_match_the_formatted_cells(moderator):
    Report.objects.create(
        period=Report.Period.DAILY,
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 2, tzinfo=UTC),
        data={"hours_to_decision_median": 0.5, "upheld_share": 0.5, "cases_opened_total": 2},
    )
    client = Client()
    client.force_login(moderator)
    page = client.get(reverse("moderation:dashboard")).content.decode()
    headings = re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert "Median time to decision" in headings and "Upheld" in headings
    assert not [h for h in headings if "hours" in h or "share" in h]
    assert "<td>30 min</td>" in page and "<td>50%</td>" in page
    csv = client.get(reverse("moderation:dashboard_csv")).content.decode()
    assert csv.splitlines()[0].startswith(
        "Period start,Cases opened,Cases closed,Decisions,Median hours"
    )
    assert ",0.5," in csv.splitlines()[1]


def test_audit_changes_read_dates_and_nested_values_in_words():
    from moderation.templatetags.moderation_format import changes

    lines = changes(
        {"held": False, "evidence_due": None},
        {
            "held": True,
            "evidence_due": "2026-12-05T19:24:48.893401+00:00",
            "strike": {"active_strikes": 1, "rung": "warn"},
        },
    )
    assert lines == [
        "held: no → yes",
        "evidence due: — → 5 Dec 2026, 19:24",
        "strike: — → active strikes 1, rung warn",
    ]
