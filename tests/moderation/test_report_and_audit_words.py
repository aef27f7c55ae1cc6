"""Issue 13, points 10 and 13: the audit log says what changed in words; a member who already
reported a post is told so at once instead of getting the form again."""

import pytest
from django.urls import reverse

from moderation.models import Flag
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from moderation.templatetags.moderation_format import changes
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_a_member_who_already_reported_is_told_at_once(client, viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai")
    client.force_login(viewer)
    url = reverse("moderation:report", args=[artwork.pk])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="already-reported"' in html and "<form" not in html.split("</header>", 1)[1]
    response = client.post(url, {"reason": "spam", "note": "again"})
    assert response.status_code == 400
    assert Flag.objects.filter(reporter=viewer).count() == 1


def test_a_member_who_has_not_reported_gets_the_form(client, viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    client.force_login(viewer)
    html = client.get(reverse("moderation:report", args=[artwork.pk])).content.decode()
    assert 'id="already-reported"' not in html and 'name="reason"' in html


def test_changes_lists_only_what_differs_in_words():
    assert changes(
        {"status": "published", "held": False, "label": "human-made", "same": 1},
        {"status": "hidden", "held": True, "label": "ai-generated", "same": 1, "new": "x"},
    ) == [
        "status: published → hidden",
        "held: no → yes",
        "label: Human-made → AI-generated",
        "new: — → x",
    ]
    assert changes({}, {}) == []
    assert changes(None, "not a dict") == []


def test_audit_log_shows_changes_not_dictionaries(client, moderator, viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Prompt in file.")
    client.force_login(moderator)
    html = client.get(reverse("moderation:audit")).content.decode()
    assert "status: published → hidden" in html
    assert "{&#x27;" not in html and "{'" not in html
