"""/api/v1/ moderation: flags, cases, decisions, appeals and community review, for every role.

The same services as the site underneath (moderation.services), so these tests check the
API's part: who may call what, the status codes, the shapes and the query budget.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from gallery.models import Artwork
from moderation import selectors
from moderation.models import Appeal, Case, Decision, Flag, ReviewVote
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_claim, case_decide
from moderation.services.flags import flag_create
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
# What each role gets from an endpoint only moderators may use.
MODERATORS_ONLY = {
    "anonymous": 401,
    "member": 403,
    "owner": 403,
    "trusted_reviewer": 403,
    "suspended": 403,
}


@pytest.fixture
def artwork(artist):
    return ArtworkFactory(artist=artist, title="Harbour")


@pytest.fixture
def case(artwork, other_artist):
    """An open AI case on the artist's artwork, flagged by someone outside the personas."""
    return flag_create(
        reporter=other_artist, artwork=artwork, reason="undisclosed-ai", note="Six fingers."
    ).case


@pytest.fixture
def decision(case, moderator):
    return case_decide(
        moderator=moderator, case_id=case.pk, action="hide", reason="Generated, by its metadata."
    )


@pytest.fixture
def appeal(decision, artist):
    return appeal_create(appellant=artist, decision=decision, statement="I painted it.")


@pytest.fixture
def second_moderator(db):
    return ModeratorFactory(handle="milo")


# --- POST /artworks/{id}/flags/ ----------------------------------------------------------------


def test_flag_by_role(client_for, role, artwork):
    client = client_for(role)
    response = client.post(
        f"{API}/artworks/{artwork.pk}/flags/",
        {"reason": "undisclosed-ai", "note": "The hands look generated."},
        format="json",
    )
    expected = {
        "anonymous": 401,
        "member": 201,
        "owner": 400,
        "trusted_reviewer": 201,
        "moderator": 201,
        "suspended": 403,
    }[role]
    assert response.status_code == expected, response.json()
    body = response.json()
    if expected == 201:
        flag = Flag.objects.get(reporter=client.user)
        assert set(body) == {
            "id",
            "artwork",
            "comment",
            "collection",
            "reason",
            "note",
            "original_url",
            "status",
            "created_at",
        }
        assert body["id"] == flag.pk and body["status"] == "open"
        assert body["reason"] == "undisclosed-ai" and body["artwork"] == artwork.pk
    elif role == "owner":
        assert "your own post" in body["detail"]
        assert not Flag.objects.exists()
    else:
        assert not Flag.objects.exists()


def test_flag_needs_a_write_token(artwork, viewer):
    client = token_client(viewer, ApiToken.Scope.READ)
    response = client.post(f"{API}/artworks/{artwork.pk}/flags/", {"reason": "spam"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Flag.objects.exists()


def test_flag_twice_is_400_and_shows_no_other_reporter(client_for, artwork, case):
    client = client_for("member")
    url = f"{API}/artworks/{artwork.pk}/flags/"
    first = client.post(url, {"reason": "spam"}, format="json")
    assert first.status_code == 201
    assert "other_artist" not in str(first.json()) and "bruno" not in str(first.json())
    again = client.post(url, {"reason": "other"}, format="json")
    assert again.status_code == 400
    assert "already reported" in again.json()["detail"]


def test_flag_input_uses_the_site_form(client_for, artwork):
    client = client_for("member")
    url = f"{API}/artworks/{artwork.pk}/flags/"
    response = client.post(url, {"reason": "nope", "original_url": "not a url"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reason", "original_url"}
    # A link is kept only for stolen work, as on the site.
    ok = client.post(
        url,
        {"reason": "stolen", "original_url": "https://example.com/original"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["original_url"] == "https://example.com/original"


def test_flag_on_a_post_that_is_not_public(client_for, artist):
    hidden = ArtworkFactory(artist=artist, status=Artwork.Status.PROCESSING)
    url = f"{API}/artworks/{hidden.pk}/flags/"
    assert client_for("member").post(url, {"reason": "spam"}, format="json").status_code == 404
    response = client_for("moderator").post(url, {"reason": "spam"}, format="json")
    assert response.status_code == 400 and "cannot be reported" in response.json()["detail"]
    assert client_for("member").post(f"{API}/artworks/{10**12}/flags/", {}).status_code == 404


def test_flags_per_hour_limit_is_429_with_retry_after(client_for, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 2
    client = client_for("member")
    for _ in range(2):
        art = ArtworkFactory()
        assert client.post(f"{API}/artworks/{art.pk}/flags/", {"reason": "spam"}).status_code == 201
    art = ArtworkFactory()
    response = client.post(f"{API}/artworks/{art.pk}/flags/", {"reason": "spam"}, format="json")
    assert response.status_code == 429
    assert "many reports" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 3600


# --- GET /cases/ -------------------------------------------------------------------------------


def test_case_list_by_role(client_for, role, case):
    response = client_for(role).get(f"{API}/cases/")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        return
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    [row] = body["results"]
    assert row["id"] == case.pk and row["flag_count"] == 1 and row["status"] == "open"
    assert row["artwork"]["id"] == case.artwork_id and row["artwork"]["artist"] == "ana"
    assert row["claimed_by"] is None


def test_case_list_filters_and_pages(client_for, monkeypatch, moderator):
    monkeypatch.setattr(selectors, "QUEUE_PAGE", 2)
    reporter = UserFactory()
    cases = [
        flag_create(reporter=reporter, artwork=ArtworkFactory(), reason=reason).case
        for reason in ("spam", "spam", "spam", "undisclosed-ai", "spam")
    ]
    for i, c in enumerate(cases):
        Case.objects.filter(pk=c.pk).update(risk_score=10 * (i % 2))  # ties: the id decides
    Case.objects.filter(pk=cases[0].pk).update(opened_at=timezone.now() - timedelta(days=9))
    client = client_for("moderator")
    seen, url = [], f"{API}/cases/?reason=spam"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert seen == [cases[1].pk, cases[0].pk, cases[2].pk, cases[4].pk]
    older = client.get(f"{API}/cases/", {"age": "older"}).json()["results"]
    assert [r["id"] for r in older] == [cases[0].pk]
    day = client.get(f"{API}/cases/", {"age": "day", "reason": "undisclosed-ai"}).json()
    assert [r["id"] for r in day["results"]] == [cases[3].pk]


def test_case_list_bad_params_are_400(client_for):
    client = client_for("moderator")
    for params in ({"reason": "nope"}, {"age": "year"}, {"after": "zzz"}, {"after": "bmFufDE"}):
        response = client.get(f"{API}/cases/", params)
        assert response.status_code == 400, params
        assert set(response.json()["errors"]) == set(params)


def test_case_list_costs_a_fixed_number_of_queries(client_for, moderator):
    client = client_for("moderator")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/cases/").status_code == 200
        return len(ctx)

    reporter = UserFactory()
    flag_create(reporter=reporter, artwork=ArtworkFactory(), reason="spam")
    queries()  # the token's first use records it; later ones within the minute do not
    few = queries()
    for _ in range(6):
        case = flag_create(reporter=reporter, artwork=ArtworkFactory(), reason="spam").case
        case_claim(moderator=moderator, case_id=case.pk)
    many = queries()
    assert few == many
    # token, verified email with the moderator check (accounts.selectors.load_member_state),
    # the page
    assert many == 3, many


# --- GET /cases/{id}/ --------------------------------------------------------------------------


def test_case_detail_by_role(client_for, role, case, trusted_reviewer):
    ReviewVote.objects.create(case=case, reviewer=trusted_reviewer, vote="ai", weight=1)
    Case.objects.filter(pk=case.pk).update(score_parts={"reviewer votes": 5.0}, risk_score=5)
    response = client_for(role).get(f"{API}/cases/{case.pk}/")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        return
    assert response.status_code == 200
    body = response.json()
    [flag] = body["flags"]
    assert flag["reporter"] == "bruno" and flag["note"] == "Six fingers."
    assert body["score_parts"] == {"reviewer votes": 5.0}
    assert body["votes"] == {"human": 0, "ai": 1, "unsure": 0}
    assert body["decision"] is None and body["evidence"] == []


def test_case_detail_shows_the_decision(client_for, decision):
    body = client_for("moderator").get(f"{API}/cases/{decision.case_id}/").json()
    assert body["status"] == "closed"
    assert body["decision"]["action"] == "hide" and body["decision"]["moderator"] == "mona"
    assert client_for("moderator").get(f"{API}/cases/{10**12}/").status_code == 404


# --- POST /cases/{id}/claim/ -------------------------------------------------------------------


def test_claim_by_role(client_for, role, case):
    response = client_for(role).post(f"{API}/cases/{case.pk}/claim/")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        case.refresh_from_db()
        assert case.claimed_by_id is None
        return
    assert response.status_code == 200
    assert response.json()["claimed_by"] == "mona" and response.json()["claimed_until"]


def test_claim_conflicts_and_scope(client_for, case, moderator, second_moderator):
    assert token_client(moderator, "read").post(f"{API}/cases/{case.pk}/claim/").status_code == 403
    assert client_for("moderator").post(f"{API}/cases/{case.pk}/claim/").status_code == 200
    other = token_client(second_moderator).post(f"{API}/cases/{case.pk}/claim/")
    assert other.status_code == 409
    assert "Another moderator" in other.json()["detail"]
    assert client_for("moderator").post(f"{API}/cases/{10**12}/claim/").status_code == 404


# --- POST /cases/{id}/decide/ ------------------------------------------------------------------

DECIDE = {"action": "relabel", "new_label": "ai-assisted", "reason": "The file says so."}


def test_decide_by_role(client_for, role, case, artwork):
    response = client_for(role).post(f"{API}/cases/{case.pk}/decide/", DECIDE, format="json")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        assert not Decision.objects.exists()
        return
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["action"] == "relabel" and body["new_label"] == "ai-assisted"
    assert body["moderator"] == "mona" and body["case"] == case.pk and not body["strike"]
    artwork.refresh_from_db()
    assert artwork.label == "ai-assisted"
    case.refresh_from_db()
    assert not case.is_open


def test_decide_twice_or_claimed_by_another_is_409(client_for, case, second_moderator):
    url = f"{API}/cases/{case.pk}/decide/"
    case_claim(moderator=second_moderator, case_id=case.pk)
    claimed = client_for("moderator").post(url, DECIDE, format="json")
    assert claimed.status_code == 409 and "claimed" in claimed.json()["detail"]
    first = token_client(second_moderator).post(
        url, {"action": "strike", "reason": "Undisclosed.", "strike": True}, format="json"
    )
    assert first.status_code == 201 and first.json()["strike"] is True
    again = client_for("moderator").post(url, DECIDE, format="json")
    assert again.status_code == 409 and "already been decided" in again.json()["detail"]
    assert Decision.objects.count() == 1


def test_decide_input_uses_the_site_form(client_for, case, moderator):
    client = client_for("moderator")
    url = f"{API}/cases/{case.pk}/decide/"
    response = client.post(url, {"action": "relabel", "reason": "x"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"new_label"}
    response = client.post(
        url, {"action": "suspend", "reason": "x", "suspend_days": 0, "strike": [1]}, format="json"
    )
    assert response.status_code == 400 and "strike" in response.json()["errors"]
    response = client.post(url, {"action": "unsuspend", "suspend_days": 0}, format="json")
    assert set(response.json()["errors"]) == {"action", "reason", "suspend_days"}
    # The service's own refusal: the label it already has.
    same = client.post(
        url, {"action": "relabel", "new_label": "human-made", "reason": "x"}, format="json"
    )
    assert same.status_code == 400 and "new label" in same.json()["detail"]
    read_only = token_client(moderator, "read").post(url, DECIDE, format="json")
    assert read_only.status_code == 403
    assert not Decision.objects.exists()


# --- GET /appeals/ and POST /appeals/{id}/decide/ ----------------------------------------------


def test_appeal_list_by_role(client_for, role, appeal):
    response = client_for(role).get(f"{API}/appeals/")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        return
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == appeal.pk and row["appellant"] == "ana" and row["own_decision"] is True
    assert row["decision"]["action"] == "hide" and row["artwork"]["title"] == "Harbour"


APPEAL_DECISION = {"outcome": "uphold", "response": "The layers show the work."}


def test_appeal_decide_by_role(client_for, role, appeal, second_moderator):
    url = f"{API}/appeals/{appeal.pk}/decide/"
    response = client_for(role).post(url, APPEAL_DECISION, format="json")
    if role != "moderator":
        assert response.status_code == MODERATORS_ONLY[role]
        return
    # The moderator who made the decision may not decide its appeal.
    assert response.status_code == 403
    assert "Another moderator" in response.json()["detail"]
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN


def test_appeal_decided_by_another_moderator(appeal, second_moderator, artwork):
    client = token_client(second_moderator)
    url = f"{API}/appeals/{appeal.pk}/decide/"
    assert client.post(url, {"outcome": "maybe"}, format="json").status_code == 400
    assert token_client(second_moderator, "read").post(url, APPEAL_DECISION).status_code == 403
    response = client.post(url, APPEAL_DECISION, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "upheld" and body["decision"]["reversed_at"]
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED
    again = client.post(url, {"outcome": "deny", "response": "No."}, format="json")
    assert again.status_code == 409
    assert client.post(f"{API}/appeals/{10**12}/decide/", APPEAL_DECISION).status_code == 404


# --- A moderator who is a party: their own post, report or appeal -------------------------------


@pytest.fixture
def mara(db):
    """A moderator who also posts art."""
    return ModeratorFactory(handle="mara")


@pytest.fixture
def own_case(mara, viewer):
    artwork = ArtworkFactory(artist=mara, title="Mara's harbour")
    return flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case


@pytest.mark.parametrize(
    ("action", "data"), [("claim", None), ("decide", {"action": "dismiss", "reason": "Fine."})]
)
def test_moderator_cannot_claim_or_decide_a_case_about_their_own_post(mara, own_case, action, data):
    response = token_client(mara).post(f"{API}/cases/{own_case.pk}/{action}/", data, format="json")
    assert response.status_code == 403
    assert "your own post" in response.json()["detail"]
    own_case.refresh_from_db()
    assert own_case.is_open and own_case.claimed_by is None
    assert not Decision.objects.exists()
    assert Artwork.objects.get(pk=own_case.artwork_id).status == Artwork.Status.PUBLISHED


def test_reporting_moderator_cannot_decide_the_case(moderator, viewer):
    case = flag_create(
        reporter=moderator, artwork=ArtworkFactory(artist=viewer), reason="undisclosed-ai"
    ).case
    response = token_client(moderator).post(
        f"{API}/cases/{case.pk}/decide/", {"action": "remove", "reason": "Mine."}, format="json"
    )
    assert response.status_code == 403 and "You reported" in response.json()["detail"]
    assert not Decision.objects.exists()
    assert Artwork.objects.get(pk=case.artwork_id).status == Artwork.Status.PUBLISHED


def test_moderator_cannot_decide_their_own_appeal(mara, moderator, own_case):
    decision = case_decide(
        moderator=moderator, case_id=own_case.pk, action="hide", reason="AI.", strike=True
    )
    appeal = appeal_create(appellant=mara, decision=decision, statement="I painted it.")
    response = token_client(mara).post(
        f"{API}/appeals/{appeal.pk}/decide/", APPEAL_DECISION, format="json"
    )
    assert response.status_code == 403
    assert "your own appeal" in response.json()["detail"]
    appeal.refresh_from_db()
    decision.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN and decision.reversed_at is None
    assert decision.strike_row.is_active
    assert Artwork.objects.get(pk=own_case.artwork_id).status == Artwork.Status.HIDDEN


# --- POST /decisions/{id}/appeal/ --------------------------------------------------------------


def test_appeal_create_by_role(client_for, role, decision):
    url = f"{API}/decisions/{decision.pk}/appeal/"
    response = client_for(role).post(url, {"statement": "I painted it."}, format="json")
    expected = {"anonymous": 401, "owner": 201, "suspended": 404}.get(role, 404)
    assert response.status_code == expected
    if role == "owner":
        body = response.json()
        assert body["status"] == "open" and body["statement"] == "I painted it."
        assert body["decision"]["id"] == decision.pk
    else:
        assert not Appeal.objects.exists()


def test_appeal_rules(client_for, decision, artist, case):
    url = f"{API}/decisions/{decision.pk}/appeal/"
    assert token_client(artist, "read").post(url, {"statement": "x"}).status_code == 403
    client = client_for("owner")
    empty = client.post(url, {"statement": ""}, format="json")
    assert empty.status_code == 400 and set(empty.json()["errors"]) == {"statement"}
    assert client.post(url, {"statement": "Mine."}, format="json").status_code == 201
    again = client.post(url, {"statement": "Really mine."}, format="json")
    assert again.status_code == 409 and "already been appealed" in again.json()["detail"]
    assert client.post(f"{API}/decisions/{10**12}/appeal/", {"statement": "x"}).status_code == 404


def test_a_suspended_artist_may_appeal(moderator, case, artist):
    decision = case_decide(
        moderator=moderator, case_id=case.pk, action="suspend", reason="Repeated.", suspend_days=3
    )
    artist.refresh_from_db()
    assert artist.is_suspended
    response = token_client(artist).post(
        f"{API}/decisions/{decision.pk}/appeal/", {"statement": "Please look again."}
    )
    assert response.status_code == 201


def test_a_dismissal_cannot_be_appealed(moderator, case, artist):
    decision = case_decide(moderator=moderator, case_id=case.pk, action="dismiss", reason="Fine.")
    response = token_client(artist).post(
        f"{API}/decisions/{decision.pk}/appeal/", {"statement": "Thanks?"}, format="json"
    )
    assert response.status_code == 400 and "nothing to appeal" in response.json()["detail"]


# --- GET /review/ and POST /review/{case_id}/vote/ ---------------------------------------------

# Only the trust level counts: the moderator persona is a veteran member, so it may review.
REVIEWERS_ONLY = {**MODERATORS_ONLY, "trusted_reviewer": 200, "moderator": 200}


def test_review_list_by_role(client_for, role, case):
    spam = flag_create(reporter=UserFactory(), artwork=ArtworkFactory(), reason="spam").case
    response = client_for(role).get(f"{API}/review/")
    assert response.status_code == REVIEWERS_ONLY[role]
    if response.status_code == 200:
        [row] = response.json()["results"]
        assert row["id"] == case.pk and row["id"] != spam.pk
        assert set(row) == {"id", "reason", "opened_at", "artwork"}
        assert set(row["artwork"]) == {"id", "title", "label", "url"}
        assert "Six fingers" not in str(response.json()) and "bruno" not in str(response.json())


def test_review_list_leaves_out_voted_and_own(client_for, trusted_reviewer, case):
    own = flag_create(
        reporter=UserFactory(),
        artwork=ArtworkFactory(artist=trusted_reviewer),
        reason="wrong-ai-label",
    ).case
    client = client_for("trusted_reviewer")
    assert [r["id"] for r in client.get(f"{API}/review/").json()["results"]] == [case.pk]
    assert own.pk
    assert client.post(f"{API}/review/{case.pk}/vote/", {"vote": "ai"}).status_code == 201
    assert client.get(f"{API}/review/").json()["results"] == []


def test_vote_by_role(client_for, role, case):
    response = client_for(role).post(f"{API}/review/{case.pk}/vote/", {"vote": "human"})
    expected = {**REVIEWERS_ONLY, "trusted_reviewer": 201, "moderator": 201}[role]
    assert response.status_code == expected
    if expected == 201:
        body = response.json()
        assert body == {
            "case": case.pk,
            "vote": "human",
            "weight": 1.0,
            "tally": {"human": 1.0, "ai": 0.0, "unsure": 0.0},
        }
    else:
        assert not ReviewVote.objects.exists()


def test_vote_rules(client_for, case, trusted_reviewer):
    url = f"{API}/review/{case.pk}/vote/"
    assert token_client(trusted_reviewer, "read").post(url, {"vote": "ai"}).status_code == 403
    client = client_for("trusted_reviewer")
    bad = client.post(url, {"vote": "maybe"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"vote"}
    assert client.post(url, {"vote": "ai"}, format="json").status_code == 201
    again = client.post(url, {"vote": "human"}, format="json")
    assert again.status_code == 409 and "already voted" in again.json()["detail"]
    spam = flag_create(reporter=UserFactory(), artwork=ArtworkFactory(), reason="spam").case
    assert client.post(f"{API}/review/{spam.pk}/vote/", {"vote": "ai"}).status_code == 404
    own = flag_create(
        reporter=UserFactory(),
        artwork=ArtworkFactory(artist=trusted_reviewer),
        reason="undisclosed-ai",
    ).case
    mine = client.post(f"{API}/review/{own.pk}/vote/", {"vote": "human"})
    assert mine.status_code == 403 and "your own post" in mine.json()["detail"]


def test_vote_on_a_decided_case_is_409(client_for, decision):
    response = client_for("trusted_reviewer").post(
        f"{API}/review/{decision.case_id}/vote/", {"vote": "ai"}
    )
    assert response.status_code == 409
