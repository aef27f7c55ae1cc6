"""Every collection page and API endpoint against every role: anonymous, member, owner, blocked
member, trusted reviewer, moderator, suspended member."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Block
from community.collections import collection_add, collection_create
from community.models import Collection, CollectionItem
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "owner", "blocked", "trusted_reviewer", "moderator", "suspended"]
PERSONA = {
    "member": "viewer",
    "owner": "artist",
    "trusted_reviewer": "trusted_reviewer",
    "moderator": "moderator",
    "suspended": "suspended_user",
}


@pytest.fixture
def world(request, artist, other_artist):
    """The owner (``artist``) with a public and a private collection, each holding one work of
    ``other_artist``'s, and a member the owner blocked."""
    work = ArtworkFactory(artist=other_artist, title="Kingfisher")
    public = collection_create(owner=artist, title="Rivers")
    private = collection_create(owner=artist, title="Secret", public=False)
    collection_add(user=artist, collection=public, artwork=work)
    collection_add(user=artist, collection=private, artwork=work)
    blocked = UserFactory(handle="blocky")
    Block.objects.create(blocker=artist, blocked=blocked)
    return {"work": work, "public": public, "private": private, "blocked": blocked}


def _user(request, role, world):
    if role == "anonymous":
        return None
    if role == "blocked":
        return world["blocked"]
    return request.getfixturevalue(PERSONA[role])


def _site(request, role, world, client):
    user = _user(request, role, world)
    if user is not None:
        client.force_login(user)
    return client


def _url(name, collection, **extra):
    return reverse(
        f"collections:{name}",
        kwargs={"handle": collection.owner.handle, "slug": collection.slug, **extra},
    )


# What each role gets: (anonymous, member, owner, blocked, trusted reviewer, moderator, suspended)
SITE_READS = {
    "list": (200, 200, 200, 404, 200, 200, 200),
    "public": (200, 200, 200, 404, 200, 200, 200),
    "private": (404, 404, 200, 404, 404, 404, 404),
    "public_feed": (200, 200, 200, 404, 200, 200, 200),
    "private_feed": (404, 404, 404, 404, 404, 404, 404),
    # Owner-only forms: anonymous viewers are sent to log in, suspended members get the
    # suspension page (403), and anyone else a 404 that reveals nothing.
    "edit": (302, 404, 200, 404, 404, 404, 403),
    "delete": (302, 404, 200, 404, 404, 404, 403),
    "private_edit": (302, 404, 200, 404, 404, 404, 403),
    "save_menu": (302, 200, 200, 200, 200, 200, 403),
    "new": (302, 200, 200, 200, 200, 200, 403),
}


@pytest.mark.parametrize("page", list(SITE_READS))
@pytest.mark.parametrize("role", ROLES)
def test_site_pages_per_role(request, client, world, role, page):
    client = _site(request, role, world, client)
    public, private = world["public"], world["private"]
    url = {
        "list": reverse("collections:list", kwargs={"handle": public.owner.handle}),
        "public": _url("detail", public),
        "private": _url("detail", private),
        "public_feed": _url("feed", public),
        "private_feed": _url("feed", private),
        "edit": _url("edit", public),
        "delete": _url("delete", public),
        "private_edit": _url("edit", private),
        "save_menu": reverse("collections:artwork_save", kwargs={"pk": world["work"].pk}),
        "new": reverse("collections:new"),
    }[page]
    response = client.get(url)
    assert response.status_code == SITE_READS[page][ROLES.index(role)]
    if response.status_code == 200 and page in ("public", "private"):
        assert "Kingfisher" in response.content.decode()


# POSTs: (anonymous, member, owner, blocked, trusted reviewer, moderator, suspended)
SITE_WRITES = {
    "save": (302, 404, 302, 404, 404, 404, 403),
    "unsave": (302, 404, 302, 404, 404, 404, 403),
    "edit": (302, 404, 302, 404, 404, 404, 403),
    "delete": (302, 404, 302, 404, 404, 404, 403),
    "prune": (302, 404, 302, 404, 404, 404, 403),
}


@pytest.mark.parametrize("action", list(SITE_WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_site_writes_per_role(request, client, world, role, action, other_artist):
    client = _site(request, role, world, client)
    public = world["public"]
    extra = ArtworkFactory(artist=other_artist, title="Dipper")
    before = (CollectionItem.objects.count(), Collection.objects.count())
    save_url = reverse("collections:artwork_save", kwargs={"pk": extra.pk})
    unsave_url = reverse("collections:artwork_save", kwargs={"pk": world["work"].pk})
    url, data = {
        "save": (save_url, {"collection": public.pk, "saved": "1"}),
        "unsave": (unsave_url, {"collection": public.pk, "saved": "0"}),
        "edit": (_url("edit", public), {"title": "Renamed", "description": "", "public": "on"}),
        "delete": (_url("delete", public), {}),
        "prune": (_url("prune", public), {}),
    }[action]
    response = client.post(url, data)
    expected = SITE_WRITES[action][ROLES.index(role)]
    assert response.status_code == expected
    after = (CollectionItem.objects.count(), Collection.objects.count())
    if role != "owner":
        # Nothing changed for anyone but the owner.
        assert after == before
        assert Collection.objects.get(pk=public.pk).title == "Rivers"
    elif action == "save":
        assert after[0] == before[0] + 1
    elif action == "unsave":
        assert after[0] == before[0] - 1
    elif action == "delete":
        assert after[1] == before[1] - 1


def test_save_menu_over_htmx_toggles_in_place(client, artist, world):
    client.force_login(artist)
    url = reverse("collections:artwork_save", kwargs={"pk": world["work"].pk})
    menu = client.get(url, HTTP_HX_REQUEST="true")
    assert 'id="save-menu"' in menu.content.decode() and "<html" not in menu.content.decode()
    data = {"collection": world["public"].pk, "saved": "1"}
    # A double click: both answer, the work is saved once.
    client.post(url, data, HTTP_HX_REQUEST="true")
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert CollectionItem.objects.filter(collection=world["public"]).count() == 1


def test_new_collection_from_an_artwork_saves_it(client, viewer, world):
    client.force_login(viewer)
    response = client.post(
        reverse("collections:new"),
        {"title": "From the page", "description": "", "public": "on", "artwork": world["work"].pk},
    )
    assert response.status_code == 302
    made = Collection.objects.get(owner=viewer)
    assert list(made.items.values_list("artwork_id", flat=True)) == [world["work"].pk]
    bad = client.post(reverse("collections:new"), {"title": "", "description": ""})
    assert bad.status_code == 400
    assert Collection.objects.filter(owner=viewer).count() == 1


# --- API ----------------------------------------------------------------------------------------


def _api(request, role, world):
    user = _user(request, role, world)
    if user is None:
        return APIClient()
    return token_client(user)


API_TABLE = {
    # name: (method, statuses per role)
    "list": ("get", (200, 200, 200, 404, 200, 200, 200)),
    "public": ("get", (200, 200, 200, 404, 200, 200, 200)),
    "private": ("get", (404, 404, 200, 404, 404, 404, 404)),
    "public_items": ("get", (200, 200, 200, 404, 200, 200, 200)),
    "private_items": ("get", (404, 404, 200, 404, 404, 404, 404)),
    "create": ("post", (401, 201, 201, 201, 201, 201, 403)),
    "edit": ("patch", (401, 404, 200, 404, 404, 404, 403)),
    "edit_private": ("patch", (401, 404, 200, 404, 404, 404, 403)),
    "add": ("post", (401, 404, 201, 404, 404, 404, 403)),
    "remove": ("delete", (401, 404, 204, 404, 404, 404, 403)),
    "delete": ("delete", (401, 404, 204, 404, 404, 404, 403)),
}


@pytest.mark.parametrize("endpoint", list(API_TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_api_per_role(request, world, role, endpoint, other_artist):
    api = _api(request, role, world)
    public, private, work = world["public"], world["private"], world["work"]
    extra = ArtworkFactory(artist=other_artist)
    method, statuses = API_TABLE[endpoint]
    url, body = {
        "list": (f"/api/v1/artists/{public.owner.handle}/collections/", None),
        "public": (f"/api/v1/collections/{public.pk}/", None),
        "private": (f"/api/v1/collections/{private.pk}/", None),
        "public_items": (f"/api/v1/collections/{public.pk}/items/", None),
        "private_items": (f"/api/v1/collections/{private.pk}/items/", None),
        "create": ("/api/v1/collections/", {"title": "Mine"}),
        "edit": (f"/api/v1/collections/{public.pk}/", {"title": "Renamed"}),
        "edit_private": (f"/api/v1/collections/{private.pk}/", {"public": True}),
        "add": (f"/api/v1/collections/{public.pk}/items/", {"artwork": extra.pk}),
        "remove": (f"/api/v1/collections/{public.pk}/items/{work.pk}/", None),
        "delete": (f"/api/v1/collections/{public.pk}/", None),
    }[endpoint]
    before = (CollectionItem.objects.count(), Collection.objects.count())
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == statuses[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert (CollectionItem.objects.count(), Collection.objects.count()) == before
        assert Collection.objects.get(pk=private.pk).public is False
    if endpoint == "list" and response.status_code == 200:
        titles = {c["title"] for c in response.json()["results"]}
        assert titles == ({"Rivers", "Secret"} if role == "owner" else {"Rivers"})
    if endpoint == "public_items" and response.status_code == 200:
        assert [c["title"] for c in response.json()["results"]] == ["Kingfisher"]


def test_api_add_twice_is_idempotent(world, artist, other_artist):
    api = token_client(artist)
    extra = ArtworkFactory(artist=other_artist)
    url = f"/api/v1/collections/{world['public'].pk}/items/"
    first = api.post(url, {"artwork": extra.pk}, format="json")
    second = api.post(url, {"artwork": extra.pk}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {"saved": True, "created": False}
    assert CollectionItem.objects.filter(artwork=extra).count() == 1


def test_api_bad_input_is_a_400_with_field_errors(world, artist):
    api = token_client(artist)
    response = api.post("/api/v1/collections/", {"title": "x" * 101}, format="json")
    assert response.status_code == 400 and "title" in response.json()["errors"]
    response = api.post("/api/v1/collections/", {"title": "a\nb"}, format="json")
    assert response.status_code == 400
    response = api.patch(
        f"/api/v1/collections/{world['public'].pk}/", {"cover_artwork": 999999}, format="json"
    )
    assert response.status_code == 400
    response = api.get(f"/api/v1/collections/{world['public'].pk}/items/?after=garbage")
    assert response.status_code == 400
    response = api.get("/api/v1/artists/no%00body/collections/")
    assert response.status_code in (400, 404)


def test_api_detail_counts_and_cover(world, artist):
    api = token_client(artist)
    data = api.get(f"/api/v1/collections/{world['public'].pk}/").json()
    assert data["visible_count"] == 1 and data["item_count"] == 1
    assert data["cover_artwork"] == world["work"].pk and data["cover"]["sources"]
    assert data["feed"].endswith("/feed.atom")
    detail = APIClient().get(f"/api/v1/artworks/{world['work'].pk}/").json()
    assert detail["public_collection_count"] == 1
