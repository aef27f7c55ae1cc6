"""The tag index: counts computed by the beat task per label preference, cached, muted tags
left out, a fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from accounts.services import mute_tag_set
from gallery import explore
from gallery.models import Artwork, Label, TaggedArtwork, TagStat
from gallery.services import explore as ranking
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(artist):
    for n in range(3):
        ArtworkFactory(artist=artist, title=f"sea {n}").tags.set(["sea"])
    ArtworkFactory(artist=artist, title="boat").tags.set(["boat", "sea"])
    ArtworkFactory(artist=artist, title="ai", label=Label.ASSISTED).tags.set(["prompted"])
    ArtworkFactory(artist=artist, title="held", held=True).tags.set(["held-only"])
    ArtworkFactory(artist=artist, title="hidden", status=Artwork.Status.HIDDEN).tags.set(["gone"])
    ranking.tag_stats_compute()


def test_counts_per_preference_leave_out_unlisted_posts(tagged):
    human = {t["slug"]: t["count"] for t in explore.tag_index(preference="human")}
    assert human == {"sea": 4, "boat": 1}
    everything = {t["slug"]: t["count"] for t in explore.tag_index(preference="all")}
    # A held post is listed under "everything" (the badge says it is under review).
    assert everything == {"sea": 4, "boat": 1, "prompted": 1, "held-only": 1}
    assert [t["slug"] for t in explore.tag_index(preference="human")] == ["sea", "boat"]


def test_recounting_is_idempotent_and_drops_tags_no_longer_used(tagged, artist):
    before = set(TagStat.objects.values_list("tag__slug", "preference", "count"))
    ranking.tag_stats_compute()
    assert set(TagStat.objects.values_list("tag__slug", "preference", "count")) == before
    Artwork.objects.get(title="boat").tags.set(["sea"])
    ranking.tag_stats_compute(span=1)  # one artwork per range: the sums across ranges hold
    human = {t["slug"]: t["count"] for t in explore.tag_index(preference="human")}
    assert human == {"sea": 4}


def test_the_index_page_links_each_tag_and_follows_the_preference(client, tagged):
    body = client.get("/tags/").content.decode()
    assert 'href="/tags/sea/"' in body and "#sea" in body and "· 4" in body
    assert "#prompted" not in body
    client.cookies["atelier_feed"] = "assisted"
    assert "#prompted" in client.get("/tags/").content.decode()


def test_a_members_muted_tags_are_left_out(client, tagged, viewer):
    mute_tag_set(user=viewer, tag=Tag.objects.get(slug="boat"), muting=True)
    client.force_login(viewer)
    body = client.get("/tags/").content.decode()
    assert "#sea" in body and "#boat" not in body
    client.logout()
    assert "#boat" in client.get("/tags/").content.decode()


def test_an_empty_index_says_so(client, db):
    body = client.get("/tags/").content.decode()
    assert "No tags yet" in body


def test_the_index_is_cached_until_the_next_count(client, tagged, artist):
    first = client.get("/tags/")
    assert client.get("/tags/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    ArtworkFactory(artist=artist, title="new").tags.set(["new-tag"])
    assert "#new-tag" not in client.get("/tags/").content.decode()  # counted by the task only
    ranking.tag_stats_compute()
    assert "#new-tag" in client.get("/tags/").content.decode()


def test_the_tag_index_runs_a_fixed_number_of_queries(
    client, artist, viewer, django_assert_num_queries
):
    now = timezone.now()
    tags = [Tag.objects.create(name=f"t{n}", slug=f"t{n}") for n in range(150)]
    made = Artwork.objects.bulk_create(
        Artwork(
            artist=artist,
            title=f"seed {n}",
            label=Label.HUMAN,
            status=Artwork.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n),
        )
        for n in range(3000)
    )
    TaggedArtwork.objects.bulk_create(
        TaggedArtwork(content_object=a, tag=tags[n % len(tags)]) for n, a in enumerate(made)
    )
    ranking.tag_stats_compute()
    with django_assert_num_queries(1):  # the counts with their tags
        body = client.get("/tags/").content.decode()
    assert body.count('class="chip" href="/tags/t') == explore.TAG_INDEX_SIZE
    with django_assert_num_queries(0):
        assert client.get("/tags/").status_code == 200
    client.force_login(viewer)
    # User with the moderator check and the notifications count (the session comes from the
    # cache; a member who never blocked or muted reads no filters).
    with django_assert_num_queries(1):
        assert client.get("/tags/").status_code == 200
