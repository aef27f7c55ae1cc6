"""The load-test seed through PostgreSQL COPY (gallery.seeding, gallery.demo.bulk_seed)."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from taggit.models import Tag

from accounts.models import User
from gallery import demo, seeding
from gallery.demo import bulk_seed
from gallery.models import AiStage, Artwork, ArtworkImage, Label, TaggedArtwork


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


CLOCK = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _rows(model, pks) -> list[dict]:
    return list(model.objects.filter(pk__in=list(pks)).order_by("pk").values())


def test_a_copy_template_writes_what_copy_rows_writes(db):
    artist = User.objects.create(handle="t1", email="t1@x.example")
    # Constants that need care as CSV and as a format string: quotes, commas, a newline,
    # braces and a percent sign; JSON; defaults and auto_now fields left to the template.
    prototype = Artwork(
        artist=artist,
        title="unused",
        description='Says "hi", {not a slot} at 50%\nsecond line',
        label=Label.ASSISTED,
        ai_stages=[AiStage.REFERENCE, "a {brace}"],
        status=Artwork.Status.PUBLISHED,
        published_at=CLOCK - timedelta(days=3),
        mature=True,
        image_count=2,
    )
    varying = [("Plain", 0, CLOCK), ('Quote " and, comma', 7, None), ("Ünïcode {0}", 50, CLOCK)]
    with mock.patch("gallery.seeding.timezone.now", return_value=CLOCK):
        template = seeding.CopyTemplate(
            Artwork, prototype, ["id", "title", "like_count", "evidence_due"]
        )
        fast = seeding.reserve_ids(Artwork, len(varying))
        sent = template.copy(
            template.line(
                str(pk),
                template.value("title", title),
                str(likes),
                template.value("evidence_due", due),
            )
            for pk, (title, likes, due) in zip(fast, varying, strict=True)
        )
        generic = seeding.reserve_ids(Artwork, len(varying))
        instances = []
        for pk, (title, likes, due) in zip(generic, varying, strict=True):
            row = Artwork(**{f.attname: getattr(prototype, f.attname) for f in template.fields})
            row.pk, row.title, row.like_count, row.evidence_due = pk, title, likes, due
            instances.append(row)
        seeding.copy_rows(Artwork, instances)
    assert sent == len(varying)
    written = [{**row, "id": None} for row in _rows(Artwork, fast)]
    assert written == [{**row, "id": None} for row in _rows(Artwork, generic)]
    assert written[0]["created_at"] == written[0]["updated_at"] == CLOCK
    assert written[1]["evidence_due"] is None
    assert written[2]["description"] == prototype.description


def test_a_copy_template_streams_many_chunks_and_checks_its_input(db):
    artist = User.objects.create(handle="t2", email="t2@x.example")
    prototype = Artwork(artist=artist, label=Label.HUMAN, description="x" * 2000)
    template = seeding.CopyTemplate(Artwork, prototype, ["id", "title"])
    pks = seeding.reserve_ids(Artwork, 300)  # 600 KB of lines: several reads by copy_expert
    assert template.copy(template.line(str(pk), f'"{pk}"') for pk in pks) == 300
    assert Artwork.objects.filter(pk__in=list(pks)).count() == 300
    with pytest.raises(ValueError, match="2 values expected"):
        template.line("1")
    with pytest.raises(ValueError, match="not copied"):
        seeding.CopyTemplate(Artwork, prototype, ["id", "tags"])
    bad = seeding.CopyTemplate(Artwork, prototype, ["id", "label"])
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.copy([bad.line(str(seeding.reserve_ids(Artwork, 1)[0]), '"not-a-label"')])


def test_bulk_seed_writes_the_rows_copy_rows_would_write_for_the_same_draws(db):
    # The fast path (bulk_seed's CopyTemplates) against the generic one: the instances the
    # SQLite path builds (demo._seed_artwork & co.) from the same random draws, through
    # copy_rows. Three batches, the last one short; the rare tag on the first 50.
    artworks, artists = 60, 7
    bulk_seed(artworks=artworks, artists=artists, batch=25)
    seeded = [
        _rows(model, model.objects.values_list("pk", flat=True))
        for model in (Artwork, ArtworkImage, TaggedArtwork)
    ]
    now = seeded[0][0]["created_at"]
    artist_ids = list(
        User.objects.filter(handle__startswith="seed").order_by("pk").values_list("pk", flat=True)
    )
    tags = [Tag.objects.get(slug=f"tag{n}") for n in range(30)]
    rare = Tag.objects.get(slug="rare-old")
    shared = demo._shared_derivatives()
    draws = demo._seed_draws(random.Random(42), now, range(artworks), artworks)
    art_pks = seeding.reserve_ids(Artwork, artworks)
    image_pks = seeding.reserve_ids(ArtworkImage, artworks)
    rows, images, through = [], [], []
    for n, (when, label, likes) in enumerate(draws):
        art = demo._seed_artwork(n, artist_ids[n % artists], when, label, likes)
        art.pk, art.cover_id = art_pks[n], image_pks[n]
        image = demo._seed_image(n, art.pk, shared)
        image.pk, image.derivative_key = image_pks[n], f"seed{image_pks[n]}"
        rows.append(art)
        images.append(image)
        through += [
            TaggedArtwork(content_object_id=art.pk, tag=tag)
            for tag in demo._seed_tags(n, tags, rare)
        ]
    for tagged, pk in zip(through, seeding.reserve_ids(TaggedArtwork, len(through)), strict=True):
        tagged.pk = pk
    with mock.patch("gallery.seeding.timezone.now", return_value=now):
        seeding.copy_rows(Artwork, rows)
        seeding.copy_rows(ArtworkImage, images)
        seeding.copy_rows(TaggedArtwork, through)
    generic = [
        _rows(Artwork, art_pks),
        _rows(ArtworkImage, image_pks),
        _rows(TaggedArtwork, (t.pk for t in through)),
    ]

    def positions(tables):
        # Keys as positions (the two sets have their own), every other column as written.
        arts = {row["id"]: k for k, row in enumerate(tables[0])}
        images = {row["id"]: k for k, row in enumerate(tables[1])}
        renamed = []
        for k, row in enumerate(tables[0]):
            renamed.append({**row, "id": k, "cover_id": images[row["cover_id"]]})
        for k, row in enumerate(tables[1]):
            own_key = row["derivative_key"] == f"seed{row['id']}"
            renamed.append(
                {**row, "id": k, "artwork_id": arts[row["artwork_id"]], "derivative_key": own_key}
            )
        for k, row in enumerate(tables[2]):
            renamed.append({**row, "id": k, "content_object_id": arts[row["content_object_id"]]})
        return renamed

    assert len(seeded[2]) == artworks + 50
    fast_rows, generic_rows = positions(seeded), positions(generic)
    assert len(fast_rows) == len(generic_rows) == 3 * artworks + 50
    for fast_row, generic_row in zip(fast_rows, generic_rows, strict=True):
        assert fast_row == generic_row
