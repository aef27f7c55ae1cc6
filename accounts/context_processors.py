from django.conf import settings

from config.urls_abs import site_base


def site(request) -> dict:
    """Site-wide values; the unread count is one query on the partial index
    ``accounts_notification_unread`` (whose condition it repeats), and only for members."""
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True, in_site=True).count()
    return {
        # The served address when SITE_URL is unset: templates write {{ SITE_URL }}{{ path }}.
        "SITE_URL": site_base(request),
        "ALLOW_AI_GENERATED": settings.ATELIER_ALLOW_AI_GENERATED,
        "unread_notifications": unread,
    }
