"""Moderation's refusals are typed (moderation.services): the reporter's limit carries the real
wait, the site answers by type, and the appeal rule has one home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.errors import Conflict, Invalid, NotAllowed, RateLimited
from moderation.models import Appeal, Flag
from moderation.services import ModerationError
from moderation.services.appeals import appeal_create, appeal_refusal
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_flag_limit_says_when_the_oldest_flag_of_the_hour_leaves_the_window(viewer, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 2
    for _ in range(2):
        flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    # The first flag was sent 50 minutes ago: the next one counts in about 10 minutes.
    first = Flag.objects.order_by("pk").first()
    Flag.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=50))
    with pytest.raises(RateLimited) as refused:
        flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    assert isinstance(refused.value, ModerationError)
    assert 590 <= refused.value.retry_after <= 600
    assert Flag.objects.count() == 2


def test_report_form_at_the_limit_is_a_429_with_retry_after(client, viewer, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 1
    flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    client.force_login(viewer)
    response = client.post(
        reverse("moderation:report", args=[ArtworkFactory().pk]), {"reason": "spam"}
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "many reports" in response.content.decode()
    assert Flag.objects.count() == 1


def test_refusals_say_why_by_type(viewer, artist, artwork, moderator):
    with pytest.raises(Invalid):
        flag_create(reporter=artist, artwork=artwork, reason="spam")
    flag = flag_create(reporter=viewer, artwork=artwork, reason="spam")
    case_decide(moderator=moderator, case_id=flag.case_id, action="hide", reason="Copied.")
    with pytest.raises(Conflict, match="already been decided"):
        case_decide(moderator=moderator, case_id=flag.case_id, action="hide", reason="Again.")


def test_appeal_page_offers_the_form_exactly_when_the_service_would_take_it(
    client, artist, viewer, artwork, moderator
):
    flag = flag_create(reporter=viewer, artwork=artwork, reason="spam")
    decision = case_decide(
        moderator=moderator, case_id=flag.case_id, action="hide", reason="Copied."
    )
    url = reverse("moderation:decision", args=[decision.pk])
    client.force_login(artist)
    assert appeal_refusal(appellant=artist, decision=decision) is None
    assert client.get(url).context["can_appeal"] is True
    assert isinstance(appeal_refusal(appellant=viewer, decision=decision), NotAllowed)

    appeal_create(appellant=artist, decision=decision, statement="It is mine.")
    refusal = appeal_refusal(appellant=artist, decision=decision)
    assert isinstance(refusal, Conflict)
    assert client.get(url).context["can_appeal"] is False
    # The site answers a second appeal with the service's refusal, the form re-shown.
    again = client.post(url, {"statement": "Once more."})
    assert again.status_code == 400
    assert refusal.message in again.content.decode()
    assert Appeal.objects.count() == 1
