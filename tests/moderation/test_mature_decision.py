"""The "Mark as mature" decision on a "sensitive content not marked" report."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from gallery.models import Artwork
from moderation.models import AuditEntry, Case, Decision, Flag
from moderation.services import ModerationError
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from tests.api.clients import token_client
from tests.factories import ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensitive(artwork, viewer, django_capture_on_commit_callbacks):
    """ana's "Harbour" reported by vic as sensitive content not marked; returns the case."""
    with django_capture_on_commit_callbacks(execute=True):
        flag = flag_create(reporter=viewer, artwork=artwork, reason="sensitive", note="Gore.")
    return flag.case


def _mark(moderator, case, **kw):
    kw.setdefault("reason", "Graphic injury: marked as mature.")
    return case_decide(moderator=moderator, case_id=case.pk, action="mark-mature", **kw)


def _card(client, title="Harbour"):
    html = client.get("/").content.decode()
    for item in re.findall(r"<li[^>]*>\s*<a class=\"art-card\".*?</li>", html, re.S):
        if f'<span class="title">{title}</span>' in item:
            return item
    return None


def test_mark_mature_sets_the_flag_and_keeps_the_post_up(
    client, moderator, sensitive, artwork, viewer, artist
):
    assert "data-mature" not in _card(client)
    decision = _mark(moderator, sensitive)
    artwork.refresh_from_db()
    assert artwork.mature is True
    assert artwork.status == Artwork.Status.PUBLISHED and not artwork.held
    assert decision.action == Decision.Action.MARK_MATURE
    sensitive.refresh_from_db()
    assert sensitive.status == Case.Status.CLOSED
    assert Flag.objects.get().status == Flag.Status.UPHELD
    # Still listed, now blurred for a viewer who has not opted in.
    assert "data-mature" in _card(client)
    # The artist hears why, the reporter hears the outcome.
    told = Notification.objects.get(user=artist)
    assert "Mark as mature" in told.title and "Graphic injury" in told.body
    assert "marked as mature" in Notification.objects.get(user=viewer).body


def test_mark_mature_is_audited_with_before_and_after(moderator, sensitive, artist):
    _mark(moderator, sensitive)
    entry = AuditEntry.objects.get(action="mark-mature")
    assert entry.actor == moderator and entry.case_id == sensitive.pk
    assert entry.before["mature"] is False and entry.after["mature"] is True
    assert entry.subject_user_id == artist.pk
    assert entry.reason == "Graphic injury: marked as mature."


def test_mark_mature_on_an_already_mature_post_is_refused(moderator, sensitive, artwork):
    Artwork.objects.filter(pk=artwork.pk).update(mature=True)
    with pytest.raises(ModerationError, match="already marked"):
        _mark(moderator, sensitive)
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(action="mark-mature").exists()


def test_an_upheld_appeal_clears_the_flag(moderator, sensitive, artwork, artist):
    decision = _mark(moderator, sensitive)
    appeal = appeal_create(appellant=artist, decision=decision, statement="It is paint.")
    other = ModeratorFactory(handle="otto")
    appeal_decide(moderator=other, appeal_id=appeal.pk, uphold=True, response="Agreed.")
    artwork.refresh_from_db()
    assert artwork.mature is False
    entry = AuditEntry.objects.get(action="appeal-upheld")
    assert entry.before["mature"] is True and entry.after["mature"] is False


def test_the_case_page_offers_the_action_and_the_site_form_decides(
    client, moderator, sensitive, artwork
):
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[sensitive.pk])).content.decode()
    assert 'value="mark-mature"' in page and "Mark as mature" in page
    response = client.post(
        reverse("moderation:decide", args=[sensitive.pk]),
        {"action": "mark-mature", "reason": "Nudity."},
    )
    assert response.status_code == 302
    assert Artwork.objects.get(pk=artwork.pk).mature is True


def test_the_api_decides_mark_mature(moderator, sensitive, artwork):
    response = token_client(moderator).post(
        f"/api/v1/cases/{sensitive.pk}/decide/",
        {"action": "mark-mature", "reason": "Nudity."},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert Artwork.objects.get(pk=artwork.pk).mature is True


def test_the_artist_cannot_mark_through_a_case(artist, sensitive, artwork):
    with pytest.raises(ModerationError):
        _mark(artist, sensitive)
    assert Artwork.objects.get(pk=artwork.pk).mature is False
