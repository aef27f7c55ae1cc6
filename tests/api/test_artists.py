"""/api/v1/artists/: profiles, their artworks, follow and unfollow; every role."""

from __future__ import annotations

import pytest

from accounts.models import Follow, User
from gallery.models import Artwork, Label
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_profile_by_role(client_for, role, artist):
    artist.bio = "I paint harbours."
    artist.links = ["https://ana.example"]
    artist.save()
    response = client_for(role).get("/api/v1/artists/ana/")
    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == "ana" and body["bio"] == "I paint harbours."
    assert body["links"] == ["https://ana.example"]
    assert body["url"] == "http://testserver/@ana/"
    assert body["is_following"] is (None if role == "anonymous" else False)
    assert "email" not in body


def test_profile_handle_is_case_insensitive_and_unknown_is_404(api, artist):
    assert api.get("/api/v1/artists/ANA/").json()["handle"] == "ana"
    for handle in ("nobody", "a", "bad%00handle", "x" * 40, "%F0%9F%8E%A8"):
        response = api.get(f"/api/v1/artists/{handle}/")
        assert response.status_code == 404
        assert response.json()["detail"] == "No such artist."


def test_deactivated_artist_is_404(api, artist):
    artist.is_active = False
    artist.save()
    assert api.get("/api/v1/artists/ana/").status_code == 404


def test_artist_artworks_by_role_with_the_label_filter(client_for, role, artist, other_artist):
    human = ArtworkFactory(artist=artist)
    ArtworkFactory(artist=artist, label=Label.GENERATED)
    ArtworkFactory(artist=artist, status=Artwork.Status.PROCESSING, published_at=None)
    ArtworkFactory(artist=other_artist)
    response = client_for(role).get("/api/v1/artists/ana/artworks/", {"show": "human"})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [human.pk]
    everything = client_for(role).get("/api/v1/artists/ana/artworks/", {"show": "all"})
    assert len(everything.json()["results"]) == 2


def test_artist_artworks_unknown_artist_and_bad_params(api):
    assert api.get("/api/v1/artists/nobody/artworks/").status_code == 404


def test_artist_artworks_bad_params_are_400(api, artist):
    response = api.get("/api/v1/artists/ana/artworks/", {"show": "nope", "page_size": "-1"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"show", "page_size"}


FOLLOW_STATUS = {
    "anonymous": 401,
    "member": 200,
    "owner": 400,  # following yourself
    "trusted_reviewer": 200,
    "moderator": 200,
    "suspended": 403,
}


def test_follow_and_unfollow_by_role(client_for, role, artist):
    client = client_for(role)
    url = "/api/v1/artists/ana/follow/"
    response = client.post(url)
    assert response.status_code == FOLLOW_STATUS[role]
    if response.status_code == 200:
        assert response.json() == {"following": True, "follower_count": 1}
        assert client.post(url).json() == {"following": True, "follower_count": 1}
        assert Follow.objects.filter(follower=client.user, artist=artist).exists()
        assert client.get("/api/v1/artists/ana/").json()["is_following"] is True
        assert client.delete(url).json() == {"following": False, "follower_count": 0}
        assert client.delete(url).json() == {"following": False, "follower_count": 0}
    else:
        assert client.delete(url).status_code == FOLLOW_STATUS[role]
    assert not Follow.objects.exists()
    assert User.objects.get(pk=artist.pk).follower_count == 0


def test_follow_yourself_says_why(client_for, artist):
    response = client_for("owner").post("/api/v1/artists/ana/follow/")
    assert response.json()["detail"] == "You cannot follow yourself."


def test_follow_unknown_artist_is_404(client_for):
    assert client_for("member").post("/api/v1/artists/nobody/follow/").status_code == 404
