from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from accounts.views import notifications, unsubscribe_view
from config import health
from gallery.views.media import public_media
from moderation.views.reports import transparency

# The admin's own login form has no brute-force limit: send it through allauth's login, whose
# rate limits (ACCOUNT_RATE_LIMITS, per client IP and per login) then cover staff too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("settings/", include("privacy.urls")),
    path("moderation/", include("moderation.urls")),
    path("transparency/", transparency, name="transparency"),
    path("notifications/", notifications, name="notifications"),
    path("unsubscribe/<str:token>/", unsubscribe_view, name="unsubscribe"),
    path("api/", include("api.urls")),
    path("", include("community.collection_urls")),
    # Under its own prefix: "artworks/<id>/comments/" would be an artwork slug to gallery.
    path("comments/", include("community.urls")),
    path("", include("gallery.urls")),
]

if settings.SERVE_MEDIA:
    # Public derivatives and avatars only: originals live in a separate, unserved folder.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            public_media,
        )
    ]

handler403 = "gallery.views.errors.permission_denied"
handler404 = "gallery.views.errors.page_not_found"
handler500 = "gallery.views.errors.server_error"
