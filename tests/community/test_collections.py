"""Collections' services and what pages show: saving, limits, visibility, works dropping out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block
from community import collection_selectors as pick
from community.collections import (
    collection_add,
    collection_create,
    collection_delete,
    collection_edit,
    collection_prune,
    collection_remove,
    collection_set_cover,
)
from community.models import Collection, CollectionItem
from config.errors import Conflict, Invalid, NotAllowed, NotFound, RateLimited
from gallery.models import Artwork, Label
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(other_artist):
    return ArtworkFactory(artist=other_artist, title="Heron at dusk")


def _mine(owner):
    """The owner's one collection as their own list annotates it (human-only, blurred)."""
    rows = pick.collections_of(
        owner=owner, viewer=owner, preference="human", mature_preference="blur"
    )
    return rows.get()


def _count(artwork) -> int:
    return Artwork.objects.values_list("public_collection_count", flat=True).get(pk=artwork.pk)


# --- Services -----------------------------------------------------------------------------------


def test_create_makes_unique_slugs_per_owner(viewer, artist):
    first = collection_create(owner=viewer, title="Birds & Herons")
    second = collection_create(owner=viewer, title="Birds & herons")
    theirs = collection_create(owner=artist, title="Birds & Herons")
    assert (first.slug, second.slug, theirs.slug) == (
        "birds-herons",
        "birds-herons-2",
        "birds-herons",
    )
    assert collection_create(owner=viewer, title="!!!").slug == "collection"
    assert collection_create(owner=viewer, title="夜の鳥").slug == "夜の鳥"


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [("", "", "title"), ("x" * 101, "", "title"), ("two\nlines", "", "title"),
     ("ok", "d" * 2001, "description")],
)  # fmt: skip
def test_create_refuses_bad_input_and_writes_nothing(viewer, title, description, field):
    with pytest.raises(Invalid) as caught:
        collection_create(owner=viewer, title=title, description=description)
    assert field in caught.value.field_errors
    assert not Collection.objects.exists()


@override_settings(ATELIER_COLLECTIONS_PER_MEMBER=2)
def test_collections_per_member_limit(viewer):
    collection_create(owner=viewer, title="a")
    collection_create(owner=viewer, title="b")
    with pytest.raises(Conflict):
        collection_create(owner=viewer, title="c")
    assert Collection.objects.filter(owner=viewer).count() == 2


def test_suspended_member_cannot_write(suspended_user, viewer, work):
    with pytest.raises(NotAllowed):
        collection_create(owner=suspended_user, title="mine")
    theirs = Collection.objects.create(owner=suspended_user, title="old", slug="old")
    with pytest.raises(NotAllowed):
        collection_add(user=suspended_user, collection=theirs, artwork=work)
    with pytest.raises(NotAllowed):
        collection_delete(actor=suspended_user, collection=theirs)
    assert Collection.objects.filter(pk=theirs.pk).exists()


def test_add_is_idempotent_and_counts_public_collections(viewer, work):
    public = collection_create(owner=viewer, title="Public")
    private = collection_create(owner=viewer, title="Private", public=False)
    assert collection_add(user=viewer, collection=public, artwork=work) is True
    # A double click: the second save is not an error and adds nothing.
    assert collection_add(user=viewer, collection=public, artwork=work) is False
    collection_add(user=viewer, collection=private, artwork=work)
    assert CollectionItem.objects.filter(artwork=work).count() == 2
    public.refresh_from_db()
    assert public.item_count == 1
    assert _count(work) == 1  # the private collection does not count
    collection_edit(
        editor=viewer, collection=private, title="Now public", description="", public=True
    )
    assert _count(work) == 2
    collection_edit(editor=viewer, collection=public, title="Hidden", description="", public=False)
    assert _count(work) == 1
    assert collection_remove(user=viewer, collection=private, artwork_id=work.pk) is True
    assert collection_remove(user=viewer, collection=private, artwork_id=work.pk) is False
    assert _count(work) == 0


def test_delete_public_collection_moves_counts(viewer, work):
    public = collection_create(owner=viewer, title="Public")
    collection_add(user=viewer, collection=public, artwork=work)
    collection_delete(actor=viewer, collection=public)
    collection_delete(actor=viewer, collection=public)  # a second click: nothing left, no error
    assert _count(work) == 0
    assert Artwork.objects.filter(pk=work.pk).exists()


def test_only_the_owner_changes_a_collection(viewer, artist, work):
    mine = collection_create(owner=viewer, title="Mine")
    with pytest.raises(NotFound):
        collection_add(user=artist, collection=mine, artwork=work)
    with pytest.raises(NotFound):
        collection_edit(editor=artist, collection=mine, title="x", description="", public=True)
    with pytest.raises(NotFound):
        collection_delete(actor=artist, collection=mine)
    assert not CollectionItem.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"status": Artwork.Status.REMOVED}, {"status": Artwork.Status.HIDDEN},
     {"status": Artwork.Status.FAILED}, {"status": Artwork.Status.PROCESSING}],
)  # fmt: skip
def test_only_listed_works_can_be_saved(viewer, work, change):
    Artwork.objects.filter(pk=work.pk).update(**change)
    work.refresh_from_db()
    collection = collection_create(owner=viewer, title="c")
    with pytest.raises(NotFound):
        collection_add(user=viewer, collection=collection, artwork=work)
    # "New collection" from the Save menu: neither the collection nor the save happens.
    with pytest.raises(NotFound):
        collection_create(owner=viewer, title="with it", first_work=work)
    assert list(Collection.objects.filter(owner=viewer)) == [collection]
    assert not CollectionItem.objects.exists()


def test_blocked_artists_work_cannot_be_saved(viewer, other_artist, work):
    Block.objects.create(blocker=other_artist, blocked=viewer)
    collection = collection_create(owner=viewer, title="c")
    with pytest.raises(NotFound):
        collection_add(user=viewer, collection=collection, artwork=work)


@override_settings(ATELIER_COLLECTION_MAX_ITEMS=2)
def test_items_per_collection_limit(viewer, other_artist):
    collection = collection_create(owner=viewer, title="c")
    works = ArtworkFactory.create_batch(3, artist=other_artist)
    collection_add(user=viewer, collection=collection, artwork=works[0])
    collection_add(user=viewer, collection=collection, artwork=works[1])
    with pytest.raises(Conflict):
        collection_add(user=viewer, collection=collection, artwork=works[2])
    assert collection.items.count() == 2


@override_settings(ATELIER_COLLECTION_WRITES_PER_HOUR=2)
def test_writes_are_rate_limited(viewer):
    collection_create(owner=viewer, title="a")
    collection_create(owner=viewer, title="b")
    with pytest.raises(RateLimited) as caught:
        collection_create(owner=viewer, title="c")
    assert caught.value.retry_after >= 1


def test_cover_must_be_in_the_collection_and_falls_back(viewer, other_artist):
    collection = collection_create(owner=viewer, title="c")
    older, newer = ArtworkFactory.create_batch(2, artist=other_artist)
    collection_add(user=viewer, collection=collection, artwork=older)
    collection_add(user=viewer, collection=collection, artwork=newer)
    outsider = ArtworkFactory(artist=other_artist)
    with pytest.raises(Invalid):
        collection_set_cover(user=viewer, collection=collection, artwork_id=outsider.pk)
    collection_set_cover(user=viewer, collection=collection, artwork_id=older.pk)
    listed = [_mine(viewer)]
    assert listed[0].cover_pick == older.pk
    # The chosen cover is removed by moderators: the newest visible save stands in.
    Artwork.objects.filter(pk=older.pk).update(status=Artwork.Status.REMOVED)
    listed = [_mine(viewer)]
    assert listed[0].cover_pick == newer.pk
    assert listed[0].visible_count == 1
    # A mature work is never a cover; with nothing else visible there is none.
    Artwork.objects.filter(pk=newer.pk).update(mature=True)
    listed = [_mine(viewer)]
    assert listed[0].cover_pick is None and listed[0].visible_count == 1


def test_prune_takes_out_only_works_that_dropped_out(viewer, other_artist):
    collection = collection_create(owner=viewer, title="c")
    kept, gone = ArtworkFactory.create_batch(2, artist=other_artist)
    collection_add(user=viewer, collection=collection, artwork=kept)
    collection_add(user=viewer, collection=collection, artwork=gone)
    collection_set_cover(user=viewer, collection=collection, artwork_id=gone.pk)
    Artwork.objects.filter(pk=gone.pk).update(status=Artwork.Status.HIDDEN)
    assert collection_prune(user=viewer, collection=collection) == 1
    collection.refresh_from_db()
    assert collection.item_count == 1 and collection.cover_id is None
    assert list(collection.items.values_list("artwork_id", flat=True)) == [kept.pk]
    assert _count(gone) == 0 and _count(kept) == 1


# --- Pages: works dropping out, counts, the artwork page's number ------------------------------


def _page(client, collection, **params):
    url = reverse(
        "collections:detail", kwargs={"handle": collection.owner.handle, "slug": collection.slug}
    )
    return client.get(url, params)


@pytest.mark.parametrize(
    "change",
    [{"status": Artwork.Status.REMOVED}, {"status": Artwork.Status.HIDDEN},
     {"status": Artwork.Status.FAILED}, {"held": True}, {"label_mismatch": True}],
)  # fmt: skip
def test_work_that_drops_out_leaves_the_page_which_still_renders(
    client, viewer, other_artist, change
):
    collection = collection_create(owner=viewer, title="Shore birds")
    stays = ArtworkFactory(artist=other_artist, title="Sandpiper")
    leaves = ArtworkFactory(artist=other_artist, title="Plover")
    collection_add(user=viewer, collection=collection, artwork=stays)
    collection_add(user=viewer, collection=collection, artwork=leaves)
    collection_set_cover(user=viewer, collection=collection, artwork_id=leaves.pk)
    first = _page(client, collection)
    assert "Plover" in first.content.decode()
    # Through save(): the receivers bump the versions as every real state change does.
    leaves.refresh_from_db()
    for field, value in change.items():
        setattr(leaves, field, value)
    leaves.save()
    page = _page(client, collection)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Sandpiper" in body and "Plover" not in body
    assert '<span id="visible-count">1 work</span>' in body
    listing = client.get(reverse("collections:list", kwargs={"handle": viewer.handle}))
    assert "1 work" in listing.content.decode()
    assert _mine(viewer).cover_pick == stays.pk
    assert Collection.objects.get(pk=collection.pk).item_count == 2


def test_label_filter_and_mature_preference_apply(client, viewer, other_artist):
    collection = collection_create(owner=viewer, title="Mixed")
    human = ArtworkFactory(artist=other_artist, title="By hand")
    assisted = ArtworkFactory(artist=other_artist, title="With help", label=Label.ASSISTED)
    mature = ArtworkFactory(artist=other_artist, title="Nude study", mature=True)
    for work in (human, assisted, mature):
        collection_add(user=viewer, collection=collection, artwork=work)
    body = _page(client, collection).content.decode()
    assert "By hand" in body and "With help" not in body  # human-only by default
    assert "mature-card" in body  # blurred by default
    client.cookies["atelier_feed"] = "assisted"
    client.cookies["atelier_mature"] = "hide"
    body = _page(client, collection).content.decode()
    assert "With help" in body and "Nude study" not in body


def test_blocked_viewer_gets_404_for_the_collection_and_list(client, viewer, artist):
    collection = collection_create(owner=viewer, title="Mine")
    Block.objects.create(blocker=viewer, blocked=artist)
    client.force_login(artist)
    assert _page(client, collection).status_code == 404
    assert (
        client.get(reverse("collections:list", kwargs={"handle": viewer.handle})).status_code == 404
    )


def test_private_collection_is_404_for_everyone_but_its_owner(client, viewer, moderator):
    collection = collection_create(owner=viewer, title="Secret", public=False)
    assert _page(client, collection).status_code == 404
    client.force_login(moderator)
    assert _page(client, collection).status_code == 404
    listing = client.get(reverse("collections:list", kwargs={"handle": viewer.handle}))
    assert "Secret" not in listing.content.decode()
    client.force_login(viewer)
    assert _page(client, collection).status_code == 200
    listing = client.get(reverse("collections:list", kwargs={"handle": viewer.handle}))
    assert "Secret" in listing.content.decode()


def test_hostile_title_and_description_are_escaped(client, viewer, work):
    collection = collection_create(
        owner=viewer, title="<script>alert(1)</script>", description='<img src=x onerror="a()">'
    )
    collection_add(user=viewer, collection=collection, artwork=work)
    for response in (
        _page(client, collection),
        client.get(reverse("collections:list", kwargs={"handle": viewer.handle})),
    ):
        body = response.content.decode()
        assert "<script>alert(1)" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    client.force_login(viewer)
    menu = client.get(reverse("collections:artwork_save", kwargs={"pk": work.pk}))
    assert "&lt;script&gt;" in menu.content.decode()


def test_artwork_page_number_updates_for_anonymous_viewers(client, viewer, work):
    url = work.get_absolute_url()
    first = client.get(url)
    assert "saved-in" not in first.content.decode()
    etag = first["ETag"]
    collection = collection_create(owner=viewer, title="Public")
    collection_add(user=viewer, collection=collection, artwork=work)
    # The old ETag no longer matches: a shared cache must fetch the new number.
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert "Saved in 1 public collection<" in again.content.decode()
    second = collection_create(owner=UserFactory(), title="Another")
    collection_add(user=second.owner, collection=second, artwork=work)
    assert "Saved in 2 public collections" in client.get(url).content.decode()
    collection_edit(
        editor=viewer, collection=collection, title="Public", description="", public=False
    )
    assert "Saved in 1 public collection<" in client.get(url).content.decode()


def test_cached_collection_page_drops_a_removed_work_at_once(client, viewer, work):
    collection = collection_create(owner=viewer, title="Cached")
    collection_add(user=viewer, collection=collection, artwork=work)
    cache_before = _page(client, collection)
    assert "Heron at dusk" in cache_before.content.decode()
    work.status = Artwork.Status.REMOVED
    work.save()
    assert "Heron at dusk" not in _page(client, collection).content.decode()
    cache.clear()


def test_collection_page_query_count_is_fixed(
    client, viewer, other_artist, django_assert_max_num_queries
):
    collection = collection_create(owner=viewer, title="Huge")
    works = ArtworkFactory.create_batch(30, artist=other_artist)
    for w in works:
        collection_add(user=viewer, collection=collection, artwork=w)
    cache.clear()
    with django_assert_max_num_queries(4):
        response = _page(client, collection)
    assert response.status_code == 200


def test_empty_collection_says_so_and_suspended_owner_still_reads_it(client, viewer):
    collection = collection_create(owner=viewer, title="Fresh")
    assert "Nothing saved yet" in _page(client, collection).content.decode()
    private = collection_create(owner=viewer, title="Notes", public=False)
    type(viewer).objects.filter(pk=viewer.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    client.force_login(viewer)
    assert _page(client, private).status_code == 200
    empty = client.get(reverse("collections:list", kwargs={"handle": UserFactory().handle}))
    assert "No collections yet" in empty.content.decode()
