"""Demo and load-test content.

``demo_load()`` makes a few artists with generated images across all three labels, through the
real upload service and pipeline (used by ``make run``). ``bulk_seed()`` inserts many artworks
fast for load tests, sharing a handful of tiny derivative files instead of real images.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from taggit.models import Tag

import imaging
from accounts.banners import banner_render
from accounts.models import User
from gallery import seeding
from gallery.models import AiStage, Artwork, ArtworkImage, Label, Medium, TaggedArtwork
from gallery.services import portfolio
from gallery.services.upload import IncomingImage, artwork_create
from gallery.storage import with_public_url

DEMO_PASSWORD = "atelier-demo-2026"  # noqa: S105 - printed in the README; demo accounts only

ARTISTS = [
    ("mira", "Mira Okafor", "Watercolour landscapes and quiet harbours.", ["landscape", "sea"]),
    ("tomasz", "Tomasz Wilk", "Character design, ink and a lot of coffee.", ["character", "ink"]),
    ("yuki", "Yuki Tanabe", "Pixel art and small animated worlds.", ["pixelart", "retro"]),
    ("rafa", "Rafa Souza", "Concept art; AI for references, and I say so.", ["concept", "scifi"]),
]  # fmt: skip

PALETTES = [
    ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51"],
    ["#0b132b", "#1c2541", "#3a506b", "#5bc0be", "#f7f7ff"],
    ["#3d405b", "#e07a5f", "#f4f1de", "#81b29a", "#f2cc8f"],
    ["#582f0e", "#7f4f24", "#936639", "#a68a64", "#c2c5aa"],
    ["#03045e", "#0077b6", "#00b4d8", "#90e0ef", "#caf0f8"],
    ["#6d597a", "#b56576", "#e56b6f", "#eaac8b", "#355070"],
]

TITLES = [
    "Harbour at dusk", "Study in blue", "The long field", "Morning fog", "Lantern keeper",
    "Orchard, late August", "Signal tower", "Quiet tide", "Red kite", "Station at night",
    "Salt marsh", "North window", "Copper hills", "Afterglow", "The cartographer",
    "Low sun over dunes",
]  # fmt: skip


MISMATCH_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
    b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
)


def painting(seed: int, size: tuple[int, int] = (1600, 1200), *, xmp: bytes = b"") -> bytes:
    """A soft abstract landscape as JPEG bytes: layered hills, a sun and a little grain."""
    rng = random.Random(seed)
    palette = PALETTES[seed % len(PALETTES)]
    w, h = size
    sky = Image.linear_gradient("L").resize((w, h), Image.Resampling.BICUBIC)
    img = ImageOps.colorize(sky, palette[4], palette[3])
    draw = ImageDraw.Draw(img)
    sun = (rng.randint(w // 5, 4 * w // 5), rng.randint(h // 8, h // 3))
    r = rng.randint(h // 14, h // 8)
    draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=palette[2])
    for layer in range(4):
        base = int(h * (0.45 + layer * 0.13))
        points = [(0, h)]
        x = 0
        while x <= w:
            points.append((x, base + int(rng.gauss(0, h * 0.03))))
            x += w // 12
        points.append((w, h))
        draw.polygon(points, fill=palette[layer % 4])
        img = img.filter(ImageFilter.GaussianBlur(radius=3 - layer * 0.6))
        draw = ImageDraw.Draw(img)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, **({"xmp": xmp} if xmp else {}))
    return out.getvalue()


# Demo members joined long ago: a fresh date_joined made every demo case score "new account".
DEMO_JOINED_DAYS_AGO = 400


def _ensure_user(handle: str, name: str, bio: str, **extra) -> User:
    joined = timezone.now() - timedelta(days=DEMO_JOINED_DAYS_AGO)
    user, created = User.objects.get_or_create(
        handle=handle,
        defaults={
            "email": f"{handle}@atelier.example",
            "display_name": name,
            "bio": bio,
            "date_joined": joined,
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_load(*, stdout=None) -> int:
    """Idempotently create the demo artists, moderator and artworks; returns artworks created."""
    moderator = _ensure_user("moderator", "Mod Team", "Keeps labels honest.", trust_level=4)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    # A second moderator: an appeal must be decided by someone other than the one who decided.
    second = _ensure_user("moderator2", "Mod Team (appeals)", "Decides appeals.", trust_level=4)
    second.groups.add(Group.objects.get(name="Moderators"))
    _ensure_user("viewer", "Vera Viewer", "Here for the art.", trust_level=3)
    created = 0
    seed = 0
    for handle, name, bio, tags in ARTISTS:
        artist = _ensure_user(handle, name, bio, trust_level=2)
        if artist.artworks.exists():
            seed += 4
            continue
        for i in range(4):
            seed += 1
            label = Label.HUMAN
            stages: list[str] = []
            if handle == "rafa":
                label = [Label.ASSISTED, Label.ASSISTED, Label.GENERATED, Label.HUMAN][i]
                stages = [AiStage.REFERENCE] if i == 0 else [AiStage.BACKGROUND, AiStage.TEXTURE]
            data = painting(seed, (1600, 1200) if i % 2 else (1200, 1500))
            upload = SimpleUploadedFile("demo.jpg", data, content_type="image/jpeg")
            probe = imaging.probe(upload, max_bytes=len(data) + 1, max_pixels=10**8, max_frames=1)
            upload.seek(0)
            artwork_create(
                artist=artist,
                title=TITLES[(seed - 1) % len(TITLES)],
                description=f"{bio} Piece {i + 1} of a small demo series.",
                medium=[
                    Medium.DIGITAL_PAINTING,
                    Medium.TRADITIONAL,
                    Medium.ILLUSTRATION,
                    Medium.CONCEPT_ART,
                ][i],
                tags=tags + (["study"] if i % 2 else []),
                label=label,
                ai_stages=stages,
                ai_note="",
                images=[
                    IncomingImage(
                        file=upload,
                        probe=probe,
                        alt_text=f"Abstract landscape "
                        f"in {['warm', 'cool', 'earthy', 'bright'][i]} colours",
                        kind=ArtworkImage.Kind.FINAL,
                    )
                ],
            )
            created += 1
            if stdout:
                stdout.write(f"  {handle}: {TITLES[(seed - 1) % len(TITLES)]} ({label})\n")
    created += _demo_mismatch(stdout)
    _demo_portfolio(stdout)
    return created


def _demo_portfolio(stdout) -> None:
    """Mira's portfolio: a banner, commissions on a waitlist, two pinned works and a section,
    through the portfolio's own services. Only works already published can be pinned: with a
    worker that has not processed them yet, the next ``seed_demo`` run adds the portfolio."""
    artist = User.objects.get(handle="mira")
    if artist.portfolio_pins.exists():
        return
    works = list(
        artist.artworks.filter(status=Artwork.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(works) < 3:
        return
    if not artist.banner:
        # The banner's own renderer (no metadata, 1500 x 500); the demo skips the worker hop.
        data = banner_render(io.BytesIO(painting(7, (1800, 700))))
        artist.banner = default_storage.save("banners/demo-mira.webp", ContentFile(data))
        artist.save(update_fields=["banner"])
    if not artist.links:
        artist.links = ["https://mira.example/", "https://social.example/@mira"]
        artist.save(update_fields=["links"])
    portfolio.commission_set(artist=artist, status="waitlist", note="Two landscape slots in spring")
    portfolio.pins_set(artist=artist, artwork_ids=[works[2], works[0]])
    portfolio.section_create(artist=artist, title="Harbours and tides", artwork_ids=works[:3])
    if stdout:
        stdout.write("  mira: a portfolio (banner, waitlist, two pinned works, a section)\n")


def _demo_mismatch(stdout) -> int:
    """A post labeled human-made whose file says generative AI: the moderation queue's demo."""
    artist = User.objects.get(handle="tomasz")
    if artist.artworks.filter(title="Night market").exists():
        return 0
    data = painting(99, (1200, 900), xmp=MISMATCH_XMP)
    upload = SimpleUploadedFile("night.jpg", data, content_type="image/jpeg")
    probe = imaging.probe(upload, max_bytes=len(data) + 1, max_pixels=10**8, max_frames=1)
    upload.seek(0)
    artwork_create(
        artist=artist, title="Night market", description="Lanterns over a street market.",
        medium=Medium.ILLUSTRATION, tags=["city", "night"], label=Label.HUMAN, ai_stages=[],
        ai_note="", images=[IncomingImage(file=upload, probe=probe, alt_text="A lantern-lit "
                                          "street market at night", kind=ArtworkImage.Kind.FINAL)],
    )  # fmt: skip
    if stdout:
        stdout.write("  tomasz: Night market (human-made, but the file says AI: a case)\n")
    return 1


def _shared_derivatives() -> list[list[dict]]:
    """Render a few tiny images once and store them; bulk artworks point at these."""
    sets = []
    for seed in range(6):
        rendered = imaging.render(io.BytesIO(painting(seed, (640, 480))), widths=(320, 640))
        entries = []
        for d in rendered.derivatives:
            ext = "jpg" if d.format == "jpeg" else d.format
            name = f"seed/{seed}/{d.width}.{ext}"
            if not default_storage.exists(name):
                default_storage.save(name, ContentFile(d.data))
            entries.append(
                with_public_url(
                    {
                        "name": name,
                        "width": d.width,
                        "height": d.height,
                        "format": d.format,
                        "bytes": len(d.data),
                    }
                )
            )
        sets.append((entries, rendered.placeholder, rendered.phash))
    return sets


SEED_SPAN = timedelta(days=3650)


def _seed_draws(rng: random.Random, now, numbers: range, artworks: int) -> list[tuple]:
    """Per seeded artwork ``n`` in ``numbers``, oldest first (n = 0 is ``SEED_SPAN`` ago): its
    date, its label (about 70% human-made, 20% AI-assisted, 10% AI-generated) and its like
    count, drawn from ``rng`` in this order."""
    span = SEED_SPAN.total_seconds()
    draws = []
    for n in numbers:
        when = now - timedelta(seconds=span * (1 - n / max(artworks, 1)))
        roll = rng.random()
        label = Label.HUMAN if roll < 0.7 else Label.ASSISTED if roll < 0.9 else Label.GENERATED
        draws.append((when, label, rng.randint(0, 50)))
    return draws


def _seed_artwork(n: int, artist_id: int, when, label: str, likes: int) -> Artwork:
    """The ``n``-th seeded artwork as an instance: ``bulk_seed``'s SQLite rows, and the rows its
    PostgreSQL ``CopyTemplate`` must write (tests compare the two)."""
    return Artwork(
        artist_id=artist_id,
        title=f"{TITLES[n % len(TITLES)]} {n}",
        description="Seeded artwork for load tests.",
        medium=Medium.values[n % len(Medium.values)],
        label=label,
        ai_stages=[AiStage.REFERENCE] if label == Label.ASSISTED else [],
        ai_minor_only=label == Label.ASSISTED and n % 2 == 0,
        status=Artwork.Status.PUBLISHED,
        published_at=when,
        image_count=1,
        like_count=likes,
    )


def _seed_image(n: int, artwork_id: int | None, shared) -> ArtworkImage:
    """The ``n``-th seeded artwork's cover, pointing at one of the shared derivative sets."""
    entries, placeholder, phash = shared[n % len(shared)]
    return ArtworkImage(
        artwork_id=artwork_id, original=f"seed/{n % len(shared)}.jpg", format="JPEG", bytes=1,
        sha256="0" * 64, width=640, height=480, phash=phash, placeholder=placeholder,
        derivatives=entries, state=ArtworkImage.State.READY,
    )  # fmt: skip


def _seed_tags(n: int, tags: list[Tag], rare: Tag) -> list[Tag]:
    """One common tag each; the rare tag on the 50 oldest too."""
    return [tags[n % len(tags)], rare] if n < 50 else [tags[n % len(tags)]]


# Artworks per transaction; bench/feeds.py resumes a stopped seed on a multiple of it.
SEED_BATCH = 5000


def bulk_seed(
    *, artworks: int, artists: int, batch: int = SEED_BATCH, stdout=None, start: int = 0
) -> None:
    """Insert ``artworks`` published artworks spread over ``artists`` artists and ten years.

    PostgreSQL: rows go in through ``COPY`` (gallery.seeding's ``CopyTemplate``), ``batch``
    artworks per transaction; SQLite: ``bulk_create``. ``stdout`` gets a progress bar.

    About 70% human-made, 20% AI-assisted, 10% AI-generated; about 30 common tags plus a rare
    tag (``rare-old``) carried only by the 50 oldest artworks, for the index tests.

    ``start``: the number already seeded by an earlier run of the same size that was stopped
    (every batch commits on its own): the seed goes on from there instead of starting again
    (titles, dates, artists and tags as an uninterrupted run's; labels and like counts drawn
    afresh from the same distribution).
    """
    rng = random.Random(42)
    now = timezone.now()
    existing = User.objects.filter(handle__startswith="seed").count()
    users = [
        User(handle=f"seed{n}", email=f"seed{n}@seed.example", display_name=f"Seed Artist {n}",
             password="!", artwork_count=0)  # noqa: S106 - unusable password
        for n in range(existing, artists)
    ]  # fmt: skip
    User.objects.bulk_create(users, batch_size=1000)
    artist_ids = list(
        User.objects.filter(handle__startswith="seed")
        .order_by("pk")
        .values_list("pk", flat=True)[:artists]
    )
    tags = [Tag.objects.get_or_create(name=f"tag{n}", slug=f"tag{n}")[0] for n in range(30)]
    rare, _ = Tag.objects.get_or_create(name="rare-old", slug="rare-old")
    shared = _shared_derivatives()
    made = start
    copier = _SeedCopier(now, artist_ids, shared) if connection.vendor == "postgresql" else None
    progress = seeding.Progress(artworks, stdout) if stdout else None
    while made < artworks:
        count = min(batch, artworks - made)
        draws = _seed_draws(rng, now, range(made, made + count), artworks)
        with transaction.atomic():
            if copier:
                copier.batch(made, draws, tags, rare)
            else:
                _create_batch(made, draws, artist_ids, shared, tags, rare)
        made += count
        if progress:
            progress.update(made)
    # One grouped count and one UPDATE: a count query per artist took seconds at 1,000 artists.
    counts = dict(
        Artwork.objects.filter(artist_id__in=artist_ids)
        .values_list("artist_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    User.objects.bulk_update(
        [User(pk=pk, artwork_count=counts.get(pk, 0)) for pk in artist_ids],
        ["artwork_count"],
        batch_size=1000,
    )


def _create_batch(made, draws, artist_ids, shared, tags, rare) -> None:
    """One batch through ``bulk_create`` (SQLite: no COPY)."""
    rows = [
        _seed_artwork(n, artist_ids[n % len(artist_ids)], when, label, likes)
        for n, (when, label, likes) in enumerate(draws, start=made)
    ]
    Artwork.objects.bulk_create(rows, batch_size=1000)
    images = [_seed_image(n, art.pk, shared) for n, art in enumerate(rows, start=made)]
    ArtworkImage.objects.bulk_create(images, batch_size=1000)
    through = []
    for n, (art, image) in enumerate(zip(rows, images, strict=True), start=made):
        art.cover_id = image.pk
        through += [
            TaggedArtwork(content_object_id=art.pk, tag=tag) for tag in _seed_tags(n, tags, rare)
        ]
    Artwork.objects.bulk_update(rows, ["cover"], batch_size=1000)
    TaggedArtwork.objects.bulk_create(through, batch_size=2000)


class _SeedCopier:
    """``bulk_seed``'s batches through ``COPY`` (PostgreSQL), a line of text per row.

    The columns every seeded row shares come from a prototype instance (``_seed_artwork``,
    ``_seed_image``), prepared once by ``gallery.seeding.CopyTemplate``; the texts of values
    that repeat (mediums, labels, the shared image sets, artist and tag keys) are made once
    too, so a row costs one ``str.format`` and the few values that are its own.
    """

    def __init__(self, now, artist_ids: list[int], shared) -> None:
        self.artworks = seeding.CopyTemplate(
            Artwork,
            _seed_artwork(0, artist_ids[0], now, Label.HUMAN, 0),
            ["id", "artist", "title", "medium", "label", "ai_stages", "ai_minor_only",
             "published_at", "like_count", "cover"],
            now=now,
        )  # fmt: skip
        self.images = seeding.CopyTemplate(
            ArtworkImage,
            _seed_image(0, None, shared),
            ["id", "artwork", "original", "phash", "placeholder", "derivatives", "derivative_key"],
            now=now,
        )
        self.tagged = seeding.CopyTemplate(
            TaggedArtwork, TaggedArtwork(), ["id", "tag", "content_object"], now=now
        )
        art = self.artworks.value
        self.artist_texts = [str(pk) for pk in artist_ids]
        self.medium_texts = [art("medium", medium) for medium in Medium.values]
        # Per label: its text, its AI stages' JSON, and ai_minor_only for even and odd n.
        self.label_texts = {}
        for label in Label.values:
            sample = _seed_artwork(0, artist_ids[0], now, label, 0)
            odd = _seed_artwork(1, artist_ids[0], now, label, 0)
            self.label_texts[label] = (
                art("label", sample.label),
                art("ai_stages", sample.ai_stages),
                (
                    art("ai_minor_only", sample.ai_minor_only),
                    art("ai_minor_only", odd.ai_minor_only),
                ),
            )
        self.shared_texts = [
            tuple(
                self.images.value(name, getattr(_seed_image(n, None, shared), name))
                for name in ("original", "phash", "placeholder", "derivatives")
            )
            for n in range(len(shared))
        ]

    def batch(self, made: int, draws, tags: list[Tag], rare: Tag) -> None:
        """COPY one batch: its artworks, their covers and their tags, linked by reserved keys.

        Each table's lines are made as ``COPY`` reads them (generators), so formatting them
        overlaps the server's work on the lines sent before.
        """
        count = len(draws)
        # Keys first, so covers and tags link before the rows exist (gallery.seeding).
        art_ids = seeding.reserve_ids(Artwork, count)
        image_ids = seeding.reserve_ids(ArtworkImage, count)
        tagged = [
            (tag.pk, art_ids[n - made])
            for n in range(made, made + count)
            for tag in _seed_tags(n, tags, rare)
        ]
        tagged_ids = seeding.reserve_ids(TaggedArtwork, len(tagged))
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: artworks pointing at covers
        # not yet copied are checked at this transaction's commit.
        self.artworks.copy(self._artwork_lines(made, draws, art_ids, image_ids))
        self.images.copy(self._image_lines(made, art_ids, image_ids))
        line = self.tagged.line
        self.tagged.copy(
            line(str(pk), str(tag_pk), str(art_pk))
            for pk, (tag_pk, art_pk) in zip(tagged_ids, tagged, strict=True)
        )

    def _artwork_lines(self, made: int, draws, art_ids: range, image_ids: range):
        line, value = self.artworks.line, self.artworks.value
        artists, mediums, labels = self.artist_texts, self.medium_texts, self.label_texts
        for k, (when, label, likes) in enumerate(draws):
            n = made + k
            label_text, stages_text, minor_texts = labels[label]
            yield line(
                str(art_ids[k]),
                artists[n % len(artists)],
                value("title", f"{TITLES[n % len(TITLES)]} {n}"),
                mediums[n % len(mediums)],
                label_text,
                stages_text,
                minor_texts[n % 2],
                value("published_at", when),
                str(likes),
                str(image_ids[k]),
            )

    def _image_lines(self, made: int, art_ids: range, image_ids: range):
        line, value, shared = self.images.line, self.images.value, self.shared_texts
        for k, pk in enumerate(image_ids):
            yield line(
                str(pk),
                str(art_ids[k]),
                *shared[(made + k) % len(shared)],
                value("derivative_key", f"seed{pk}"),
            )
