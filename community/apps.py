from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Comments, collections and what members build around the work (issue 16).

    Its place in the import order is accounts ← gallery ← community ← moderation ← api: it
    reads artworks and members, and moderation reads its comments to decide cases on them.
    """

    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from django.db.models import Count

        from community.models import CollectionItem
        from gallery.services.explore import register_saves_counter

        def saves(ids: list[int]) -> dict[int, int]:
            # Saves into public collections only: a private one is nobody else's signal.
            rows = (
                CollectionItem.objects.filter(
                    artwork_id__in=ids, collection__public=True, collection__hidden_at__isnull=True
                )
                .values("artwork_id")
                .annotate(n=Count("id"))
                .values_list("artwork_id", "n")
            )
            return dict(rows)

        # Explore's ranking counts saves through this (gallery cannot import community).
        register_saves_counter(saves)
        from community import views
        from gallery import page_sections

        # The thread under every artwork page: gallery renders it without importing us.
        page_sections.register(
            page_sections.Section(
                name="comments", scopes=views.thread_scopes, render=views.render_thread
            )
        )
