from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Comments, collections and what members build around the work (issue 16).

    Its place in the import order is accounts ← gallery ← community ← moderation ← api: it
    reads artworks and members, and moderation reads its comments to decide cases on them.
    """

    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community import views
        from gallery import page_sections

        # The thread under every artwork page: gallery renders it without importing us.
        page_sections.register(
            page_sections.Section(
                name="comments", scopes=views.thread_scopes, render=views.render_thread
            )
        )
