from django.core.management.base import BaseCommand

from gallery.demo import DEMO_PASSWORD, bulk_seed, demo_load
from gallery.services.artworks import artwork_index_search


class Command(BaseCommand):
    help = (
        "Without options: idempotent demo content with real generated images (make run). "
        "With --artworks N --artists M: bulk-insert N published artworks for load tests."
    )

    def add_arguments(self, parser):
        parser.add_argument("--artworks", type=int, default=0)
        parser.add_argument("--artists", type=int, default=100)

    def handle(self, *args, artworks: int, artists: int, **options):
        if artworks:
            bulk_seed(artworks=artworks, artists=max(artists, 1), stdout=self.stdout)
            # COPY writes no search vectors: one UPDATE fills them, or search finds nothing.
            self.stdout.write("Indexing for search…")
            artwork_index_search()
            self.stdout.write(self.style.SUCCESS(f"Seeded {artworks} artworks."))
            return
        created = demo_load(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready ({created} new artworks). Log in as moderator / "
                f"{DEMO_PASSWORD} or viewer / {DEMO_PASSWORD}."
            )
        )
