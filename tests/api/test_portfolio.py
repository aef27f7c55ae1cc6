"""The portfolio API (issue 17 item 4): read for anyone, owner writes with a read-write token."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken
from gallery.models import Artwork, Label, PortfolioSection
from gallery.services import portfolio as services
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/portfolio/"


@pytest.fixture
def arranged(artist):
    works = [ArtworkFactory(artist=artist, title=f"ana {i}") for i in range(4)]
    works[0].tags.set(["sea"])
    services.pins_set(artist=artist, artwork_ids=[works[2].pk, works[0].pk])
    services.section_create(artist=artist, title="Harbour", artwork_ids=[works[1].pk, works[3].pk])
    services.commission_set(artist=artist, status="waitlist", note="Summer")
    return works


def test_anyone_reads_an_artists_portfolio(api, artist, arranged, django_assert_num_queries):
    with django_assert_num_queries(3):  # the artist, the portfolio, the cards' tags
        response = api.get("/api/v1/artists/ana/portfolio/")
    assert response.status_code == 200
    data = response.json()
    assert data["commission_status"] == "waitlist" and data["commission_note"] == "Summer"
    assert [c["id"] for c in data["pinned"]] == [arranged[2].pk, arranged[0].pk]
    assert data["pinned"][1]["tags"] == ["sea"]
    assert data["pinned"][0]["badge"]["kind"] == "label"
    assert [(s["title"], [c["id"] for c in s["artworks"]]) for s in data["sections"]] == [
        ("Harbour", [arranged[1].pk, arranged[3].pk])
    ]
    assert data["banner"] is None and data["artist"]["handle"] == "ana"


def test_label_filter_and_hidden_works_apply(api, artist, arranged):
    Artwork.objects.filter(pk=arranged[2].pk).update(label=Label.GENERATED)
    Artwork.objects.filter(pk=arranged[1].pk).update(status=Artwork.Status.HIDDEN)
    data = api.get("/api/v1/artists/ana/portfolio/").json()
    assert [c["id"] for c in data["pinned"]] == [arranged[0].pk]  # human-only by default
    assert [c["id"] for c in data["sections"][0]["artworks"]] == [arranged[3].pk]
    everything = api.get("/api/v1/artists/ana/portfolio/?show=all").json()
    assert [c["id"] for c in everything["pinned"]] == [arranged[2].pk, arranged[0].pk]


def test_unknown_and_bad_handles_are_404(api):
    assert api.get("/api/v1/artists/nobody/portfolio/").status_code == 404
    assert api.get("/api/v1/artists/%00/portfolio/").status_code == 404


def test_owner_writes_commission_pins_and_sections(client_for, artist, arranged):
    owner = client_for("owner")
    response = owner.patch(MINE, {"commission_status": "open"}, format="json")
    assert response.status_code == 200 and response.json()["commission_status"] == "open"
    assert response.json()["commission_note"] == "Summer"  # left as it was
    ids = [arranged[3].pk, arranged[1].pk]
    response = owner.put(f"{MINE}pins/", {"artwork_ids": ids}, format="json")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["pinned"]] == ids
    response = owner.post(
        f"{MINE}sections/", {"title": "Forest", "artwork_ids": [arranged[0].pk]}, format="json"
    )
    assert response.status_code == 201
    assert [s["title"] for s in response.json()["sections"]] == ["Harbour", "Forest"]
    forest = PortfolioSection.objects.get(title="Forest")
    harbour = PortfolioSection.objects.get(title="Harbour")
    response = owner.put(
        f"{MINE}sections/order/", {"section_ids": [forest.pk, harbour.pk]}, format="json"
    )
    assert [s["title"] for s in response.json()["sections"]] == ["Forest", "Harbour"]
    response = owner.patch(
        f"{MINE}sections/{forest.pk}/",
        {"title": "Woods", "artwork_ids": [arranged[1].pk, arranged[0].pk]},
        format="json",
    )
    assert response.status_code == 200
    woods = response.json()["sections"][0]
    assert woods["title"] == "Woods"
    assert [c["id"] for c in woods["artworks"]] == [arranged[1].pk, arranged[0].pk]
    assert owner.delete(f"{MINE}sections/{forest.pk}/").status_code == 204
    assert not PortfolioSection.objects.filter(pk=forest.pk).exists()


def test_seventh_pin_and_others_works_are_refused(client_for, artist, other_artist, arranged):
    owner = client_for("owner")
    more = [ArtworkFactory(artist=artist) for _ in range(5)]
    ids = [w.pk for w in [*arranged, *more]][:7]
    response = owner.put(f"{MINE}pins/", {"artwork_ids": ids}, format="json")
    assert response.status_code == 409 and "at most 6" in response.json()["detail"]
    theirs = ArtworkFactory(artist=other_artist)
    response = owner.put(f"{MINE}pins/", {"artwork_ids": [theirs.pk]}, format="json")
    assert response.status_code == 404
    response = owner.put(f"{MINE}pins/", {"artwork_ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert services.pins_of(artist) == [arranged[2].pk, arranged[0].pk]


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("suspended", 403), ("member", 404), ("moderator", 404)],
)
def test_nobody_else_edits_the_artists_sections(client_for, arranged, role, status):
    section = PortfolioSection.objects.get()
    client = client_for(role)
    assert (
        client.patch(f"{MINE}sections/{section.pk}/", {"title": "Mine"}, format="json").status_code
        == status
    )
    assert client.delete(f"{MINE}sections/{section.pk}/").status_code == status
    assert PortfolioSection.objects.get().title == "Harbour"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("suspended", 403)])
def test_anonymous_and_suspended_cannot_write(client_for, suspended_user, role, status):
    client = client_for(role)
    assert client.patch(MINE, {"commission_status": "open"}, format="json").status_code == status
    assert client.put(f"{MINE}pins/", {"artwork_ids": []}, format="json").status_code == status
    assert client.post(f"{MINE}sections/", {"title": "x"}, format="json").status_code == status


def test_read_only_token_cannot_write(client_for, artist):
    reader = client_for("owner", scope=ApiToken.Scope.READ)
    assert reader.get(MINE).status_code == 200
    response = reader.patch(MINE, {"commission_status": "open"}, format="json")
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_bad_input_is_400(client_for, artist):
    owner = client_for("owner")
    for body in ({"commission_status": "maybe"}, {"commission_note": "a\nb"}):
        assert owner.patch(MINE, body, format="json").status_code == 400
    assert owner.post(f"{MINE}sections/", {"title": ""}, format="json").status_code == 400
    assert (
        owner.put(f"{MINE}sections/order/", {"section_ids": [1]}, format="json").status_code == 400
    )
