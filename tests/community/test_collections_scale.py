"""A collection's Atom feed, and its page's query count at 10,000 saved works."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from django.core.cache import cache
from django.urls import reverse

from community.collections import collection_add, collection_create
from community.models import Collection, CollectionItem
from gallery.models import Artwork, Label
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, collection, **params):
    url = reverse(
        "collections:feed", kwargs={"handle": collection.owner.handle, "slug": collection.slug}
    )
    return client.get(url, params)


def test_feed_is_valid_atom_and_leaves_out_what_does_not_show(client, viewer, other_artist):
    collection = collection_create(owner=viewer, title="Birds <&> bees", description="Mine")
    works = {
        name: ArtworkFactory(artist=other_artist, title=name, **fields)
        for name, fields in {
            "Wren": {},
            "Robin": {"mature": True},
            "Crow": {"label": Label.ASSISTED},
            "Gone": {},
            "Hidden": {},
        }.items()
    }
    for work in works.values():
        collection_add(user=viewer, collection=collection, artwork=work)
    for name, status in (("Gone", Artwork.Status.REMOVED), ("Hidden", Artwork.Status.HIDDEN)):
        work = works[name]
        work.status = status
        work.save()
    response = _feed(client, collection)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text.startswith("Birds <&> bees")
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    # Human-only by default, mature left out, removed and hidden never.
    assert [t.split(" [")[0] for t in titles] == ["Wren"]
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
    shown = ElementTree.fromstring(_feed(client, collection, mature="show", show="all").content)
    names = sorted(
        e.find(f"{ATOM}title").text.split(" [")[0] for e in shown.findall(f"{ATOM}entry")
    )
    assert names == ["Crow", "Robin", "Wren"]
    robin = next(e for e in shown.findall(f"{ATOM}entry") if "Robin" in e.find(f"{ATOM}title").text)
    assert "mature" in [c.get("term") for c in robin.findall(f"{ATOM}category")]


def test_feed_follows_changes_and_answers_304(client, viewer, other_artist):
    collection = collection_create(owner=viewer, title="Live")
    work = ArtworkFactory(artist=other_artist, title="Swift")
    collection_add(user=viewer, collection=collection, artwork=work)
    first = _feed(client, collection)
    assert b"Swift" in first.content
    not_modified = client.get(
        reverse("collections:feed", kwargs={"handle": viewer.handle, "slug": collection.slug}),
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert not_modified.status_code == 304
    work.status = Artwork.Status.REMOVED
    work.save()
    assert b"Swift" not in _feed(client, collection).content


def test_private_collection_has_no_feed(client, viewer):
    collection = collection_create(owner=viewer, title="Mine", public=False)
    assert _feed(client, collection).status_code == 404
    client.force_login(viewer)
    assert _feed(client, collection).status_code == 404


def _fill(collection, artist, count: int) -> None:
    """``count`` published works saved into ``collection`` with bulk_create (no services:
    the limit is the services' rule, the query count is the page's)."""
    works = Artwork.objects.bulk_create(
        Artwork(artist=artist, title=f"Bulk {i}", label=Label.HUMAN,
                status=Artwork.Status.PUBLISHED, published_at=collection.created_at)
        for i in range(count)
    )  # fmt: skip
    CollectionItem.objects.bulk_create(
        CollectionItem(collection=collection, artwork=w) for w in works
    )
    Collection.objects.filter(pk=collection.pk).update(item_count=count)


@pytest.mark.parametrize("role", ["anonymous", "owner", "member"])
def test_collection_page_queries_do_not_grow_with_10000_works(
    client, viewer, artist, other_artist, role, django_assert_num_queries
):
    small = collection_create(owner=viewer, title="Small")
    big = collection_create(owner=viewer, title="Big")
    _fill(small, other_artist, 3)
    _fill(big, other_artist, 10_000)
    if role != "anonymous":
        client.force_login(viewer if role == "owner" else artist)

    def count(collection, **params) -> int:
        cache.clear()
        url = reverse(
            "collections:detail", kwargs={"handle": viewer.handle, "slug": collection.slug}
        )
        client.get(url)  # warms the session and the user: the same for both sizes
        cache.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(queries), response

    small_queries, _ = count(small)
    big_queries, response = count(big)
    assert big_queries == small_queries
    body = response.content.decode()
    assert "10000 works" in body or "10,000 works" in body
    assert body.count('class="art-card"') == 24
    # The next page, by its cursor: the same number of queries again.
    cursor = body.split("after=")[1].split('"')[0].replace("&amp;", "&")
    deep_queries, deep = count(big, after=cursor)
    assert deep_queries == small_queries
    assert deep.content.decode().count('class="art-card"') == 24
    with django_assert_num_queries(small_queries):
        cache.clear()
        client.get(
            reverse("collections:detail", kwargs={"handle": viewer.handle, "slug": big.slug})
        )


def test_collection_list_queries_are_fixed(
    client, viewer, other_artist, django_assert_max_num_queries
):
    for i in range(12):
        collection = collection_create(owner=viewer, title=f"Set {i}")
        _fill(collection, other_artist, 5)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("collections:list", kwargs={"handle": viewer.handle}))
    assert response.content.decode().count('class="art-card"') == 12
