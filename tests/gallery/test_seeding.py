"""The load-test seed through PostgreSQL COPY (gallery.seeding, gallery.demo.bulk_seed)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from gallery import seeding
from gallery.demo import bulk_seed
from gallery.models import Artwork, ArtworkImage, Label, TaggedArtwork


def test_bulk_seed_copies_two_thousand_linked_rows(db):
    assert connection.vendor == "postgresql"
    out = io.StringIO()
    bulk_seed(artworks=2000, artists=20, batch=500, stdout=out)
    assert Artwork.objects.count() == 2000
    assert ArtworkImage.objects.count() == 2000
    assert User.objects.filter(handle__startswith="seed").count() == 20
    # Every artwork points at its own ready image, carries a tag, and is listed.
    assert not Artwork.objects.filter(cover__isnull=True).exists()
    assert Artwork.objects.exclude(cover__artwork_id=models_f("id")).count() == 0
    assert TaggedArtwork.objects.values("content_object_id").distinct().count() == 2000
    assert TaggedArtwork.objects.filter(tag__slug="rare-old").count() == 50
    assert set(Artwork.objects.values_list("status", flat=True)) == {"published"}
    assert Artwork.objects.filter(label=Label.HUMAN).count() > 1000
    assert sum(User.objects.values_list("artwork_count", flat=True)) == 2000
    # Python-side defaults and JSON went in as save() writes them.
    image = ArtworkImage.objects.first()
    assert image.derivatives and image.derivatives[0]["name"].startswith("seed/")
    assert Artwork.objects.filter(ai_stages=[]).exists()
    # The sequences moved past the copied keys: an ordinary insert still works.
    later = Artwork.objects.create(artist=User.objects.first(), title="after", label=Label.HUMAN)
    assert later.pk > Artwork.objects.exclude(pk=later.pk).order_by("-pk").first().pk
    assert "2,000/2,000 artworks (100%)" in out.getvalue()


def test_copy_rows_enforce_the_tables_constraints(db):
    artist = User.objects.create(handle="c1", email="c1@x.example")
    bad = Artwork(artist=artist, title="bad", label="not-a-label", status="published")
    bad.pk = seeding.reserve_ids(Artwork, 1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        seeding.copy_rows(Artwork, [bad])
    assert not Artwork.objects.filter(title="bad").exists()


def models_f(name: str):
    from django.db.models import F

    return F(name)


def test_seed_demo_with_artworks_leaves_them_searchable(db):
    # COPY skips the search vector: the command fills it, so a seeded site's search works.
    call_command("seed_demo", artworks=40, artists=4, stdout=io.StringIO())
    assert Artwork.objects.count() == 40
    assert not Artwork.objects.filter(search_vector__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_stopped_seed_goes_on_from_where_it_stopped():
    bulk_seed(artworks=10, artists=2, batch=5)
    complete = sorted(Artwork.objects.values_list("title", "published_at"))
    # As if the run had stopped after its first batch of five (each batch commits alone).
    newest = Artwork.objects.order_by("-published_at").values_list("pk", flat=True)[:5]
    Artwork.objects.filter(pk__in=list(newest)).delete()
    assert Artwork.objects.count() == 5
    bulk_seed(artworks=10, artists=2, batch=5, start=5)
    resumed = sorted(Artwork.objects.values_list("title", "published_at"))
    # The same ten titles, numbered 0 to 9 once each, in the same order of dates.
    assert [t for t, _ in resumed] == [t for t, _ in complete]
    by_date = [t for t, _ in sorted(resumed, key=lambda row: row[1])]
    assert [t.rsplit(" ", 1)[1] for t in by_date] == [str(n) for n in range(10)]
