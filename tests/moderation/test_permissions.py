"""Every moderation page and action against every role."""

import pytest
from django.urls import reverse

from moderation.models import Appeal, Case, Decision
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory, ModeratorFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "viewer", "artist", "trusted_reviewer", "moderator", "suspended_user"]


@pytest.fixture
def world(artist, viewer, moderator, trusted_reviewer, suspended_user):
    artwork = ArtworkFactory(artist=artist, title="Harbour")
    open_case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    decided_art = ArtworkFactory(artist=artist, title="Dunes")
    decided_case = flag_create(reporter=viewer, artwork=decided_art, reason="spam").case
    other_mod = ModeratorFactory(handle="otto")
    decision = case_decide(moderator=other_mod, case_id=decided_case.pk, action="hide", reason="x")
    appeal = appeal_create(appellant=artist, decision=decision, statement="Please.")
    return {"artwork": artwork, "case": open_case, "decision": decision, "appeal": appeal}


def _login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def _denied(response) -> bool:
    if response.status_code == 302:
        return "/accounts/" in response["Location"]
    return response.status_code in (403, 404)


MODERATOR_GETS = ["queue", "case", "appeals", "appeal", "dashboard", "dashboard_csv", "audit"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", MODERATOR_GETS)
def test_moderator_pages(client, request, world, role, page):
    _login(client, request, role)
    args = {"case": [world["case"].pk], "appeal": [world["appeal"].pk]}.get(page, [])
    response = client.get(reverse(f"moderation:{page}", args=args))
    if role == "moderator":
        assert response.status_code == 200
    else:
        assert _denied(response), (role, page, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_claim_and_decide_actions(client, request, world, role):
    _login(client, request, role)
    case = world["case"]
    client.post(reverse("moderation:claim", args=[case.pk]))
    client.post(
        reverse("moderation:decide", args=[case.pk]), {"action": "remove", "reason": "Because."}
    )
    client.post(reverse("moderation:request_evidence", args=[case.pk]), {"reason": "Show."})
    case.refresh_from_db()
    decided = Decision.objects.filter(case=case).exists()
    assert decided == (role == "moderator")
    if role != "moderator":
        assert case.is_open and case.claimed_by is None and case.evidence_due is None


@pytest.mark.parametrize("role", ROLES)
def test_appeal_decision_action(client, request, world, role):
    _login(client, request, role)
    client.post(
        reverse("moderation:appeal_decide", args=[world["appeal"].pk]),
        {"outcome": "uphold", "response": "ok"},
    )
    status = Appeal.objects.get().status
    assert status == ("upheld" if role == "moderator" else "open")


@pytest.mark.parametrize("role", ROLES)
def test_unsuspend_action(client, request, world, role, suspended_user):
    _login(client, request, role)
    client.post(reverse("moderation:unsuspend", args=[suspended_user.handle]), {"reason": "ok"})
    suspended_user.refresh_from_db()
    assert suspended_user.is_suspended == (role != "moderator")


@pytest.mark.parametrize("role", ROLES)
def test_report_form(client, request, world, role):
    _login(client, request, role)
    response = client.post(
        reverse("moderation:report", args=[world["artwork"].pk]), {"reason": "spam"}
    )
    flagged = Case.objects.get(pk=world["case"].pk).flags.filter(reason="spam").exists()
    if role in ("viewer",):
        assert response.status_code == 400  # already has an open flag on this post
    elif role in ("trusted_reviewer", "moderator"):
        assert response.status_code == 302 and flagged
    elif role == "artist":
        assert response.status_code == 400  # own post
    else:
        assert _denied(response) and not flagged


@pytest.mark.parametrize("role", ROLES)
def test_decision_page_and_appeal(client, request, world, role):
    _login(client, request, role)
    response = client.get(reverse("moderation:decision", args=[world["decision"].pk]))
    if role in ("artist", "moderator"):
        assert response.status_code == 200
    else:
        assert _denied(response)


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_and_vote(client, request, world, role):
    _login(client, request, role)
    queue = client.get(reverse("moderation:review"))
    vote = client.post(reverse("moderation:review_case", args=[world["case"].pk]), {"vote": "ai"})
    voted = world["case"].votes.exists()
    if role in ("trusted_reviewer", "moderator"):
        assert queue.status_code == 200 and voted
    else:
        assert _denied(queue) and _denied(vote) and not voted


def test_public_transparency_page(client, world):
    assert client.get(reverse("transparency")).status_code == 200
