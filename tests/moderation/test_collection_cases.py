"""Collections reported to moderators (their title and description): who may report, the
case of its own kind, a hide decision that takes the collection off every page, list, feed and
API answer for everyone but its owner (who sees it marked hidden), and an appeal that brings it
back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from community.models import Collection, CollectionItem
from gallery.models import Artwork
from moderation import selectors
from moderation.models import AuditEntry, Case, Flag
from moderation.services import (
    ModerationConflict,
    ModerationForbidden,
    ModerationInvalid,
    ModerationRateLimited,
)
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import case_decide, case_request_evidence
from moderation.services.flags import collection_flag_create, comment_flag_create, flag_create
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(handle="olga", display_name="Olga Owner")


@pytest.fixture
def work(artist):
    return ArtworkFactory(artist=artist, title="Harbour")


@pytest.fixture
def collection(owner, work):
    kept = Collection.objects.create(
        owner=owner, title="BUY-FOLLOWERS-AT-SPAM", slug="spam", description="Cheap likes."
    )
    CollectionItem.objects.create(collection=kept, artwork=work)
    Collection.objects.filter(pk=kept.pk).update(item_count=1)
    Artwork.objects.filter(pk=work.pk).update(public_collection_count=1)
    return kept


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _report_url(collection) -> str:
    return reverse("moderation:collection_report", args=[collection.pk])


@pytest.fixture
def case(collection, viewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flag = collection_flag_create(
            reporter=viewer, collection=collection, reason="spam", note="An advert."
        )
    return Case.objects.get(pk=flag.case_id)


# --- Reporting: roles -----------------------------------------------------------------------------


def test_a_member_reports_from_the_page_into_a_collection_case(collection, viewer):
    page = _client(viewer).get(collection.get_absolute_url())
    assert _report_url(collection) in page.content.decode()
    form = _client(viewer).get(_report_url(collection))
    assert form.status_code == 200 and "Report a collection" in form.content.decode()
    sent = _client(viewer).post(_report_url(collection), {"reason": "spam", "note": "Ad"})
    assert sent.status_code == 302 and sent["Location"] == collection.get_absolute_url()
    case = Case.objects.get()
    assert (case.subject, case.collection_id, case.artwork_id, case.comment_id) == (
        "collection", collection.pk, None, None
    )  # fmt: skip
    assert case.flags.get().reporter == viewer
    assert AuditEntry.objects.filter(case=case, action="flag").exists()
    # A second report by the same member says so instead of a second flag.
    again = _client(viewer).post(_report_url(collection), {"reason": "spam"})
    assert again.status_code == 400 and "already-reported" in again.content.decode()
    assert Flag.objects.count() == 1


def test_anonymous_visitors_cannot_report(client, collection):
    assert (
        "Report"
        not in client.get(collection.get_absolute_url())
        .content.decode()
        .split("<main", 1)[-1]
        .split("Works</h2>")[0]
    )
    response = client.post(_report_url(collection), {"reason": "spam"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Flag.objects.exists()


def test_the_owner_cannot_report_their_own_collection(collection, owner):
    page = _client(owner).get(collection.get_absolute_url()).content.decode()
    assert _report_url(collection) not in page
    response = _client(owner).post(_report_url(collection), {"reason": "spam"})
    assert response.status_code == 400 and "your own collection" in response.content.decode()
    with pytest.raises(ModerationInvalid, match="your own collection"):
        collection_flag_create(reporter=owner, collection=collection, reason="spam")
    assert not Flag.objects.exists()


def test_suspended_members_cannot_report(collection, suspended_user, viewer):
    # No button that could only answer 403 (a member in good standing has one).
    assert _report_url(collection) in _client(viewer).get(collection.get_absolute_url()).text
    page = _client(suspended_user).get(collection.get_absolute_url())
    assert page.status_code == 200 and _report_url(collection) not in page.text
    with pytest.raises(ModerationForbidden, match="Suspended"):
        collection_flag_create(reporter=suspended_user, collection=collection, reason="spam")
    response = _client(suspended_user).post(_report_url(collection), {"reason": "spam"})
    assert response.status_code == 403
    assert not Flag.objects.exists()


def test_only_collection_reasons_and_bad_input_is_a_400(collection, viewer):
    with pytest.raises(ModerationInvalid, match="reason"):
        collection_flag_create(reporter=viewer, collection=collection, reason="undisclosed-ai")
    for data in ({"reason": "off-topic"}, {"reason": ""}, {"reason": "spam", "note": "x" * 3000}):
        assert _client(viewer).post(_report_url(collection), data).status_code == 400
    assert not Flag.objects.exists()


def test_a_private_or_unknown_collection_is_a_404(collection, viewer):
    Collection.objects.filter(pk=collection.pk).update(public=False)
    assert _client(viewer).get(_report_url(collection)).status_code == 404
    assert _client(viewer).post(_report_url(collection), {"reason": "spam"}).status_code == 404
    assert _client(viewer).get("/moderation/collections/999999/report/").status_code == 404
    collection.refresh_from_db()
    with pytest.raises(ModerationInvalid, match="cannot be reported"):
        collection_flag_create(reporter=viewer, collection=collection, reason="spam")


def test_reports_share_the_hourly_budget_with_posts_and_comments(viewer, collection, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 2
    flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    comment_flag_create(reporter=viewer, comment=CommentFactory(), reason="spam")
    with pytest.raises(ModerationRateLimited, match="many reports") as exc:
        collection_flag_create(reporter=viewer, collection=collection, reason="spam")
    assert exc.value.retry_after > 0
    response = _client(viewer).post(_report_url(collection), {"reason": "spam"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_reports_gather_in_one_open_case_apart_from_the_works(case, collection, other_artist):
    collection_flag_create(reporter=other_artist, collection=collection, reason="harassment")
    assert Case.objects.count() == 1 and case.flags.count() == 2
    assert [c.pk for c in selectors.queue_cases(subject="collection")] == [case.pk]
    assert not selectors.queue_cases(subject="comment").exists()


# --- Decisions ----------------------------------------------------------------------------------


def _visible_to_others(collection, work, viewer) -> dict[str, bool]:
    others = {"anonymous": _client(None), "member": _client(viewer)}
    seen = {}
    for name, who in others.items():
        page = who.get(collection.get_absolute_url())
        listing = who.get(reverse("collections:list", args=[collection.owner.handle]))
        feed = who.get(collection.get_absolute_url() + "feed.atom")
        seen[name] = (
            page.status_code == 200
            and collection.title in listing.content.decode()
            and feed.status_code == 200
        )
        assert page.status_code in (200, 404) and feed.status_code in (200, 404)
    api = token_client(viewer)
    seen["api"] = api.get(f"/api/v1/collections/{collection.pk}/").status_code == 200 and any(
        c["id"] == collection.pk
        for c in api.get(f"/api/v1/artists/{collection.owner.handle}/collections/").json()[
            "results"
        ]
    )
    return seen


def test_a_moderator_hides_it_and_only_its_owner_sees_it_marked_hidden(
    case, collection, work, owner, viewer, moderator, django_capture_on_commit_callbacks
):
    everyone = {"anonymous": True, "member": True, "api": True}
    assert _visible_to_others(collection, work, viewer) == everyone
    page = _client(moderator).get(case.get_absolute_url())
    assert page.status_code == 200 and "BUY-FOLLOWERS-AT-SPAM" in page.content.decode()
    assert "Hide the collection" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_decide(
            moderator=moderator, case_id=case.pk, action="hide", reason="An advert."
        )
    collection.refresh_from_db()
    assert collection.is_hidden
    assert _visible_to_others(collection, work, viewer) == dict.fromkeys(everyone, False)
    # The works' "saved in N public collections" stops counting it.
    assert Artwork.objects.values_list("public_collection_count", flat=True).get(pk=work.pk) == 0
    own = _client(owner).get(collection.get_absolute_url())
    assert own.status_code == 200 and 'id="collection-hidden"' in own.content.decode()
    listing = _client(owner).get(reverse("collections:list", args=[owner.handle]))
    assert "hidden by moderators" in listing.content.decode()
    mine = token_client(owner).get(f"/api/v1/collections/{collection.pk}/").json()
    assert mine["hidden"] is True and mine["feed"] is None
    # The owner is told and may appeal; the reporter learns the outcome.
    told = Notification.objects.get(user=owner, kind="decision")
    assert "Hide the collection" in told.title and told.url.endswith(f"/{decision.pk}/")
    assert Notification.objects.filter(user=viewer, kind="report-outcome").exists()
    from django.core import mail

    assert [m for m in mail.outbox if m.to == [owner.email] and "Cheap likes." in m.body]
    decision_page = _client(owner).get(reverse("moderation:decision", args=[decision.pk]))
    assert decision_page.status_code == 200
    assert "your collection “BUY-FOLLOWERS-AT-SPAM”" in decision_page.content.decode()
    # Nobody can report it again while hidden.
    with pytest.raises(ModerationInvalid):
        collection_flag_create(reporter=UserFactory(), collection=collection, reason="spam")

    appeal = appeal_create(appellant=owner, decision=decision, statement="It is my moodboard.")
    other = ModeratorFactory(handle="otto")
    appeal_page = _client(other).get(reverse("moderation:appeal", args=[appeal.pk]))
    assert appeal_page.status_code == 200 and "Cheap likes." in appeal_page.content.decode()
    appeal_decide(moderator=other, appeal_id=appeal.pk, uphold=True, response="Fair enough.")
    collection.refresh_from_db()
    assert not collection.is_hidden
    assert _visible_to_others(collection, work, viewer) == everyone
    # The audit log lists the flag, the hide and the upheld appeal.
    actions = set(AuditEntry.objects.filter(case=case).values_list("action", flat=True))
    assert {"flag", "hide", "appeal-upheld"} <= actions
    assert _client(moderator).get(reverse("moderation:audit")).status_code == 200
    assert Artwork.objects.values_list("public_collection_count", flat=True).get(pk=work.pk) == 1


def test_dismiss_leaves_it_and_post_only_actions_are_refused(case, collection, moderator):
    for action in ("relabel", "remove", "mark-mature"):
        with pytest.raises(ModerationInvalid, match="collection"):
            case_decide(moderator=moderator, case_id=case.pk, action=action, reason="x")
    with pytest.raises(ModerationInvalid, match="not comments or collections"):
        case_request_evidence(moderator=moderator, case_id=case.pk, reason="x")
    case_decide(moderator=moderator, case_id=case.pk, action="dismiss", reason="Fine.")
    collection.refresh_from_db()
    assert not collection.is_hidden
    with pytest.raises(ModerationConflict):
        case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="x")


def test_the_owner_or_a_reporter_cannot_moderate_the_case(collection, viewer):
    owner_mod = ModeratorFactory(handle="mona")
    theirs = Collection.objects.create(owner=owner_mod, title="Mine", slug="mine")
    case = collection_flag_create(reporter=viewer, collection=theirs, reason="spam").case
    with pytest.raises(ModerationForbidden, match="your own collection"):
        case_decide(moderator=owner_mod, case_id=case.pk, action="hide", reason="x")
    reporter_mod = ModeratorFactory(handle="rita")
    case = collection_flag_create(reporter=reporter_mod, collection=collection, reason="spam").case
    with pytest.raises(ModerationForbidden, match="You reported"):
        case_decide(moderator=reporter_mod, case_id=case.pk, action="hide", reason="x")


def test_members_cannot_open_the_case_and_the_queue_shows_it(case, viewer, moderator):
    assert _client(viewer).get(case.get_absolute_url()).status_code in (403, 404)
    queue = _client(moderator).get(reverse("moderation:queue") + "?subject=collection")
    assert queue.status_code == 200 and "BUY-FOLLOWERS-AT-SPAM" in queue.content.decode()
    api = token_client(moderator).get(f"/api/v1/cases/{case.pk}/")
    assert api.status_code == 200
    assert api.json()["subject"] == "collection"
    assert api.json()["collection"]["title"] == "BUY-FOLLOWERS-AT-SPAM"


# --- The API ------------------------------------------------------------------------------------


def test_the_api_reports_a_collection_with_the_same_rules(collection, owner, viewer, settings):
    url = f"/api/v1/collections/{collection.pk}/flags/"
    assert token_client(owner).post(url, {"reason": "spam"}, format="json").status_code == 400
    assert token_client(viewer).post(url, {"reason": "stolen"}, format="json").status_code == 400
    from rest_framework.test import APIClient

    assert APIClient().post(url, {"reason": "spam"}, format="json").status_code in (401, 403)
    made = token_client(viewer).post(url, {"reason": "spam", "note": "Ad"}, format="json")
    assert made.status_code == 201 and made.json()["collection"] == collection.pk
    again = token_client(viewer).post(url, {"reason": "spam"}, format="json")
    assert again.status_code == 400
    assert Flag.objects.count() == 1
    Collection.objects.filter(pk=collection.pk).update(public=False)
    other = token_client(UserFactory()).post(url, {"reason": "spam"}, format="json")
    assert other.status_code == 404
    assert (
        token_client(viewer)
        .post("/api/v1/collections/999999/flags/", {"reason": "spam"}, format="json")
        .status_code
        == 404
    )
