"""A moderator takes no part in a case or an appeal they are a party to: their own post, their
own report, their own appeal, or (for an appeal) their own decision. The site's side; the API's
side is in tests/api/test_moderation.py."""

import pytest
from django.urls import reverse

from gallery.models import Artwork
from moderation.models import Appeal, Case, Decision, FlagSource, Strike
from moderation.services import ModerationError, ModerationForbidden
from moderation.services.access import appeal_conflict, case_conflict
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import (
    case_claim,
    case_decide,
    case_release,
    case_request_evidence,
)
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory, ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mara(db):
    """A moderator who also posts art."""
    return ModeratorFactory(handle="mara")


@pytest.fixture
def own_case(mara, viewer):
    """An open case about mara's own post."""
    artwork = ArtworkFactory(artist=mara, title="Mara's harbour")
    return flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case


@pytest.fixture
def own_appeal(mara, moderator, own_case):
    """mara's post hidden with a strike by another moderator (mona); mara appealed."""
    decision = case_decide(
        moderator=moderator, case_id=own_case.pk, action="hide", reason="AI.", strike=True
    )
    return appeal_create(appellant=mara, decision=decision, statement="I painted it.")


def _assert_untouched(case: Case) -> None:
    case.refresh_from_db()
    assert case.is_open and case.claimed_by is None and case.evidence_due is None
    assert not Decision.objects.filter(case=case).exists()
    artwork = Artwork.objects.get(pk=case.artwork_id)
    assert artwork.status == Artwork.Status.PUBLISHED and not artwork.held


# --- The rule ------------------------------------------------------------------------------------


def test_the_artist_and_the_reporters_are_parties_to_a_case(mara, moderator, viewer, own_case):
    assert "your own post" in case_conflict(moderator=mara, case=own_case)
    assert case_conflict(moderator=moderator, case=own_case) is None
    reported = flag_create(
        reporter=moderator, artwork=ArtworkFactory(artist=viewer), reason="undisclosed-ai"
    ).case
    assert "You reported" in case_conflict(moderator=moderator, case=reported)
    assert case_conflict(moderator=mara, case=reported) is None


def test_the_artist_whose_work_was_copied_is_a_party_to_a_duplicate_case(mara, viewer):
    original = ArtworkFactory(artist=mara, title="Original")
    copy = ArtworkFactory(artist=viewer, title="Copy")
    case = Case.objects.create(artwork=copy, reason="stolen")
    case.flags.create(
        artwork=copy, source=FlagSource.DUPLICATE, reason="stolen",
        evidence=[{"image_id": copy.images.first().pk, "other_artwork_id": original.pk,
                   "other_image_id": original.images.first().pk}],
    )  # fmt: skip
    assert "your own work" in case_conflict(moderator=mara, case=case)


def test_appellant_and_deciding_moderator_are_parties_to_an_appeal(mara, moderator, own_appeal):
    assert "your own" in appeal_conflict(moderator=mara, appeal=own_appeal)
    assert "your decision" in appeal_conflict(moderator=moderator, appeal=own_appeal)
    assert appeal_conflict(moderator=ModeratorFactory(handle="otto"), appeal=own_appeal) is None


def test_every_case_service_refuses_a_party(mara, own_case):
    for call in (
        lambda: case_claim(moderator=mara, case_id=own_case.pk),
        lambda: case_release(moderator=mara, case_id=own_case.pk),
        lambda: case_request_evidence(moderator=mara, case_id=own_case.pk, reason="Show."),
        lambda: case_decide(moderator=mara, case_id=own_case.pk, action="dismiss", reason="x"),
    ):
        with pytest.raises(ModerationForbidden, match="your own post"):
            call()
    _assert_untouched(own_case)


def test_a_forbidden_action_is_still_a_moderation_error(mara, own_case):
    # Callers that only know ModerationError (tasks, older code) still refuse.
    with pytest.raises(ModerationError):
        case_decide(moderator=mara, case_id=own_case.pk, action="dismiss", reason="x")


def test_the_appeal_service_refuses_the_appellant(mara, own_appeal):
    with pytest.raises(ModerationForbidden, match="your own"):
        appeal_decide(moderator=mara, appeal_id=own_appeal.pk, uphold=True, response="Fine.")
    own_appeal.refresh_from_db()
    assert own_appeal.status == Appeal.Status.OPEN
    assert Artwork.objects.get(pk=own_appeal.decision.case.artwork_id).status == "hidden"


def test_community_decisions_have_no_moderator_and_no_conflict(own_case):
    decision = case_decide(
        moderator=None, case_id=own_case.pk, action="dismiss", reason="Votes.", by_community=True
    )
    assert decision.by_community and decision.moderator is None


# --- The site ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("claim", {}),
        ("release", {}),
        ("request_evidence", {"reason": "Show your layers."}),
        ("decide", {"action": "dismiss", "reason": "Looks fine to me."}),
    ],
)
def test_site_refuses_every_action_on_a_case_about_own_post(client, mara, own_case, name, data):
    client.force_login(mara)
    response = client.post(reverse(f"moderation:{name}", args=[own_case.pk]), data)
    assert response.status_code == 403
    assert "your own post" in response.content.decode()
    _assert_untouched(own_case)


def test_site_refuses_a_decision_by_the_reporting_moderator(client, moderator, viewer):
    case = flag_create(
        reporter=moderator, artwork=ArtworkFactory(artist=viewer), reason="undisclosed-ai"
    ).case
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[case.pk]), {"action": "remove", "reason": "Mine."}
    )
    assert response.status_code == 403 and "You reported" in response.content.decode()
    _assert_untouched(case)


def test_case_page_shows_why_and_no_buttons_to_a_party(client, mara, moderator, own_case):
    client.force_login(mara)
    response = client.get(reverse("moderation:case", args=[own_case.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "your own post" in page
    for name in ("claim", "decide", "request_evidence"):
        assert reverse(f"moderation:{name}", args=[own_case.pk]) not in page
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[own_case.pk])).content.decode()
    assert reverse("moderation:decide", args=[own_case.pk]) in page


def test_site_refuses_a_moderator_deciding_their_own_appeal(client, mara, own_appeal):
    client.force_login(mara)
    page = client.get(reverse("moderation:appeal", args=[own_appeal.pk])).content.decode()
    assert "your own appeal" in page
    assert reverse("moderation:appeal_decide", args=[own_appeal.pk]) not in page
    response = client.post(
        reverse("moderation:appeal_decide", args=[own_appeal.pk]),
        {"outcome": "uphold", "response": "Overturned."},
    )
    assert response.status_code == 403 and "your own appeal" in response.content.decode()
    own_appeal.refresh_from_db()
    assert own_appeal.status == Appeal.Status.OPEN and own_appeal.decided_by is None
    decision = own_appeal.decision
    decision.refresh_from_db()
    assert decision.reversed_at is None
    assert Strike.objects.get(decision=decision).is_active
    assert Artwork.objects.get(pk=decision.case.artwork_id).status == "hidden"


def test_site_refuses_the_deciding_moderator_with_a_403(client, moderator, own_appeal):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:appeal_decide", args=[own_appeal.pk]),
        {"outcome": "deny", "response": "Stands."},
    )
    assert response.status_code == 403 and "your decision" in response.content.decode()
    own_appeal.refresh_from_db()
    assert own_appeal.status == Appeal.Status.OPEN


def test_another_moderator_still_decides_the_appeal(client, own_appeal):
    client.force_login(ModeratorFactory(handle="otto"))
    response = client.post(
        reverse("moderation:appeal_decide", args=[own_appeal.pk]),
        {"outcome": "uphold", "response": "The layers check out."},
    )
    assert response.status_code == 302
    own_appeal.refresh_from_db()
    assert own_appeal.status == Appeal.Status.UPHELD
    assert not Strike.objects.get(decision=own_appeal.decision).is_active
    assert Artwork.objects.get(pk=own_appeal.decision.case.artwork_id).status == "published"
