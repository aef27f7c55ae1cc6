from django.conf import settings

from config.urls_abs import site_base


def site(request) -> dict:
    """Site-wide values; the unread count is one query on the partial index
    ``accounts_notification_unread`` (accounts.selectors.unread_count), and only for members."""
    from accounts.selectors import unread_count

    user = getattr(request, "user", None)
    unread = unread_count(user) if user is not None and user.is_authenticated else 0
    return {
        # The served address when SITE_URL is unset: templates write {{ SITE_URL }}{{ path }}.
        "SITE_URL": site_base(request),
        "ALLOW_AI_GENERATED": settings.ATELIER_ALLOW_AI_GENERATED,
        "unread_notifications": unread,
    }
