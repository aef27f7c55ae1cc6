"""Community review: trusted members vote blind; quorum resolves clear cases or escalates."""

import pytest
from django.urls import reverse

from moderation.models import Case, Decision, ReviewerRecord, ReviewVote
from moderation.services import ModerationError
from moderation.services.flags import system_flag
from moderation.services.review import vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _vote_all(case, reviewers, votes):
    for reviewer, vote in zip(reviewers, votes, strict=False):
        vote_cast(reviewer=reviewer, case_id=case.pk, vote=vote)


def test_quorum_of_human_votes_resolves_the_case_as_community_decision(flagged, reviewers):
    _vote_all(flagged, reviewers, ["human"] * 5)
    flagged.refresh_from_db()
    assert flagged.status == "closed"
    decision = Decision.objects.get()
    assert decision.by_community and decision.action == "dismiss" and decision.moderator is None


def test_ai_votes_escalate_to_moderators_instead_of_punishing(flagged, reviewers):
    _vote_all(flagged, reviewers, ["ai"] * 5)
    flagged.refresh_from_db()
    assert flagged.is_open and flagged.escalated
    assert flagged.score_parts["escalated"] == 20.0
    assert not Decision.objects.exists()


def test_split_or_unsure_votes_escalate(flagged, reviewers):
    _vote_all(flagged, reviewers, ["human", "human", "human", "ai", "unsure"])
    flagged.refresh_from_db()
    assert flagged.is_open and flagged.escalated


def test_before_quorum_nothing_is_decided(flagged, reviewers):
    _vote_all(flagged, reviewers, ["human"] * 4)
    flagged.refresh_from_db()
    assert flagged.is_open and not flagged.escalated


def test_files_saying_ai_are_never_overruled_by_the_crowd(flagged, reviewers, artwork):
    system_flag(artwork=artwork, source="provenance", reason="undisclosed-ai", note="C2PA",
                evidence=[{"kind": "ai-generated", "summary": "C2PA says AI"}])  # fmt: skip
    _vote_all(flagged, reviewers, ["human"] * 5)
    flagged.refresh_from_db()
    assert flagged.is_open and flagged.escalated


def test_votes_are_blind_until_you_vote(client, flagged, reviewers):
    vote_cast(reviewer=reviewers[0], case_id=flagged.pk, vote="ai")
    client.force_login(reviewers[1])
    before = client.get(reverse("moderation:review_case", args=[flagged.pk])).content.decode()
    assert "Votes so far" not in before and "Others' votes stay hidden" in before
    client.post(reverse("moderation:review_case", args=[flagged.pk]), {"vote": "human"})
    after = client.get(reverse("moderation:review_case", args=[flagged.pk])).content.decode()
    assert "Votes so far" in after


def test_review_page_hides_private_data(client, flagged, reviewers, viewer):
    client.force_login(reviewers[0])
    page = client.get(reverse("moderation:review_case", args=[flagged.pk])).content.decode()
    assert f"@{viewer.handle}" not in page  # the reporter
    assert "/originals/" not in page


def test_review_page_shows_reviewers_no_reporter_notes(client, flagged, reviewers, moderator):
    # The API promises reviewers "no reporters, no notes"; the site keeps the same promise.
    client.force_login(reviewers[0])
    response = client.get(reverse("moderation:review_case", args=[flagged.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "Undisclosed" in page  # the reason stays
    assert "Six fingers" not in page
    assert flagged.flags.get().note == "Six fingers."  # kept for the moderators
    client.force_login(moderator)
    assert "Six fingers" in client.get(flagged.get_absolute_url()).content.decode()


def test_one_vote_per_reviewer_and_not_on_own_post(flagged, reviewers, artist):
    vote_cast(reviewer=reviewers[0], case_id=flagged.pk, vote="ai")
    with pytest.raises(ModerationError, match="already voted"):
        vote_cast(reviewer=reviewers[0], case_id=flagged.pk, vote="human")
    artist.trust_level = 3
    artist.save()
    with pytest.raises(ModerationError, match="own post"):
        vote_cast(reviewer=artist, case_id=flagged.pk, vote="human")


def test_untrusted_members_cannot_review(client, flagged):
    newbie = UserFactory(handle="newbie", trust_level=1)
    with pytest.raises(ModerationError, match="trusted"):
        vote_cast(reviewer=newbie, case_id=flagged.pk, vote="ai")
    client.force_login(newbie)
    assert client.get(reverse("moderation:review")).status_code == 403


def test_accuracy_against_final_decisions_sets_weight(flagged, reviewers, moderator):
    from moderation.services.decisions import case_decide

    vote_cast(reviewer=reviewers[0], case_id=flagged.pk, vote="ai")
    vote_cast(reviewer=reviewers[1], case_id=flagged.pk, vote="human")
    case_decide(moderator=moderator, case_id=flagged.pk, action="remove", reason="AI.")
    right, wrong = (ReviewerRecord.objects.get(user=r) for r in reviewers[:2])
    assert (right.votes_agreed, right.votes_decided) == (1, 1)
    assert (wrong.votes_agreed, wrong.votes_decided) == (0, 1)
    assert right.vote_accuracy > wrong.vote_accuracy
    # The weight of the next vote follows accuracy.
    from tests.factories import ArtworkFactory

    art = ArtworkFactory()
    case = system_flag(artwork=art, source="duplicate", reason="undisclosed-ai", note="x",
                       evidence=[]).case  # fmt: skip
    a = vote_cast(reviewer=reviewers[0], case_id=case.pk, vote="ai")
    b = vote_cast(reviewer=reviewers[1], case_id=case.pk, vote="ai")
    assert a.weight > b.weight
    assert Case.objects.filter(pk=case.pk, status="open").exists()
    assert ReviewVote.objects.filter(case=case).count() == 2
