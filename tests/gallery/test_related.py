"""Related work on the artwork page: more by the artist, shared tags, look-alikes; filters,
caching and a fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.services import block_set, mute_artist_set
from gallery import explore
from gallery.models import Artwork, ArtworkImage, ImageHashBand, Label, TaggedArtwork
from gallery.selectors import hash_bands
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_HASH = "f0f0f0f0f0f0f0f0"
NEAR_HASH = "f0f0f0f0f0f0f0f3"  # distance 2, shares three quarters
UNRELATED_HASH = "0f0f0f0f0f0f0f0f"  # shares no quarter


def _with_hash(artwork: Artwork, phash: str) -> Artwork:
    image = artwork.cover
    ArtworkImage.objects.filter(pk=image.pk).update(phash=phash)
    ImageHashBand.objects.bulk_create(
        ImageHashBand(image=image, band=band, value=value)
        for band, value in enumerate(hash_bands(phash))
    )
    return artwork


def _section(body: str, heading: str) -> str:
    start = body.find(heading)
    if start < 0:
        return ""
    end = body.find("</section>", start)
    return body[start:end]


@pytest.fixture
def scene(artist, other_artist):
    third = UserFactory(handle="cleo")
    page = _with_hash(ArtworkFactory(artist=artist, title="the page"), BASE_HASH)
    page.tags.set(["sea", "boat", "night"])
    own = ArtworkFactory(artist=artist, title="ana again")
    two_tags = ArtworkFactory(artist=other_artist, title="two tags")
    two_tags.tags.set(["sea", "boat"])
    one_tag = ArtworkFactory(artist=third, title="one tag")
    one_tag.tags.set(["night"])
    lookalike = _with_hash(ArtworkFactory(artist=third, title="lookalike"), NEAR_HASH)
    stranger = _with_hash(ArtworkFactory(artist=third, title="stranger"), UNRELATED_HASH)
    assisted = ArtworkFactory(artist=third, title="assisted", label=Label.ASSISTED)
    assisted.tags.set(["sea", "boat", "night"])
    return {
        "page": page,
        "own": own,
        "two_tags": two_tags,
        "one_tag": one_tag,
        "lookalike": lookalike,
        "stranger": stranger,
        "assisted": assisted,
        "third": third,
    }


def _related(page, **kwargs):
    page = Artwork.objects.select_related("artist", "cover").get(pk=page.pk)
    return explore.related_artworks(
        artwork=page, preference=kwargs.pop("preference", "human"), **kwargs
    )


def test_related_orders_artist_then_shared_tags_then_lookalikes(scene):
    related = _related(scene["page"])
    assert [a.title for a in related.by_artist] == ["ana again"]
    assert [a.title for a in related.others] == ["two tags", "one tag", "lookalike"]
    assert related.reasons == {
        scene["two_tags"].pk: "tags",
        scene["one_tag"].pk: "tags",
        scene["lookalike"].pk: "similar",
    }


def test_related_is_human_only_by_default_and_follows_the_preference(scene):
    assert "assisted" not in [a.title for a in _related(scene["page"]).others]
    others = [a.title for a in _related(scene["page"], preference="assisted").others]
    assert others[0] == "assisted"  # three shared tags


def test_related_honours_mature_hide_blocks_and_mutes(scene, viewer):
    Artwork.objects.filter(pk=scene["two_tags"].pk).update(mature=True)
    titles = [a.title for a in _related(scene["page"], mature_preference="hide").others]
    assert "two tags" not in titles
    hides = explore.ViewerHides(blocked=frozenset({scene["third"].pk}))
    assert [a.title for a in _related(scene["page"], hides=hides).others] == ["two tags"]
    from taggit.models import Tag

    muted = explore.ViewerHides(muted_tags=frozenset({Tag.objects.get(slug="boat").pk}))
    assert "two tags" not in [a.title for a in _related(scene["page"], hides=muted).others]


def test_the_artwork_page_shows_related_work(client, scene):
    body = client.get(scene["page"].get_absolute_url()).content.decode()
    assert "ana again" in _section(body, "More by")
    related = _section(body, "Related work")
    assert "two tags" in related and "lookalike" in related
    assert "stranger" not in related and "assisted" not in related


def test_a_blocked_artists_work_leaves_a_members_related_work(client, scene, viewer):
    client.force_login(viewer)
    assert "lookalike" in _section(
        client.get(scene["page"].get_absolute_url()).content.decode(), "Related work"
    )
    block_set(blocker=viewer, blocked=scene["third"], blocking=True)
    related = _section(
        client.get(scene["page"].get_absolute_url()).content.decode(), "Related work"
    )
    assert "lookalike" not in related and "two tags" in related
    mute_artist_set(user=viewer, artist=scene["two_tags"].artist, muting=True)
    body = client.get(scene["page"].get_absolute_url()).content.decode()
    assert "Related work" not in body
    # An anonymous visitor still gets the shared block.
    client.logout()
    assert "lookalike" in client.get(scene["page"].get_absolute_url()).content.decode()


def test_a_related_post_hidden_later_leaves_the_cached_page(client, scene):
    url = scene["page"].get_absolute_url()
    assert "two tags" in client.get(url).content.decode()
    two_tags = scene["two_tags"]
    two_tags.status = Artwork.Status.HIDDEN
    two_tags.save()
    assert "two tags" not in client.get(url).content.decode()


def test_a_stale_etag_is_not_answered_after_related_work_changes(client, scene):
    url = scene["page"].get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    ArtworkFactory(artist=scene["third"], title="new sea").tags.set(["sea"])
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def _seed_related(page, artist, count: int) -> None:
    now = timezone.now()
    made = Artwork.objects.bulk_create(
        Artwork(
            artist=artist,
            title=f"seed {n}",
            label=Label.HUMAN,
            status=Artwork.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
        )
        for n in range(count)
    )
    tag_ids = list(
        TaggedArtwork.objects.filter(content_object=page).values_list("tag_id", flat=True)
    )
    TaggedArtwork.objects.bulk_create(
        TaggedArtwork(content_object=a, tag_id=tag_ids[n % len(tag_ids)])
        for n, a in enumerate(made)
    )


def test_related_work_runs_a_fixed_number_of_queries(client, scene, django_assert_num_queries):
    url = scene["page"].get_absolute_url()
    # Anonymous, cold: the artwork (artist, cover); images, tags, history (the page's own
    # parts); related: by the artist, tag candidates, look-alikes, the listed candidates; the
    # comment thread. Warm: the whole page from the cache, no query.
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    _seed_related(scene["page"], scene["third"], 3000)
    _seed_related(scene["page"], scene["page"].artist, 500)
    cache.clear()  # as cold as the first request
    with django_assert_num_queries(9):
        body = client.get(url).content.decode()
    assert body.count('class="art-card"') == explore.RELATED_BY_ARTIST + explore.RELATED_OTHERS


def test_the_artists_own_lookalikes_stay_in_more_by(scene, artist):
    own_twin = _with_hash(ArtworkFactory(artist=artist, title="own twin"), NEAR_HASH)
    related = _related(scene["page"])
    assert own_twin.pk not in [a.pk for a in related.others]
    assert own_twin.pk in [a.pk for a in related.by_artist]
