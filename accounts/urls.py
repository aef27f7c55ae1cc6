from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("blocks/", views.blocks, name="blocks"),
    path("blocks/<str:handle>/", views.block, name="block"),
    path("mutes/artists/<str:handle>/", views.mute_artist, name="mute_artist"),
    path("mutes/tags/<slug:slug>/", views.mute_tag, name="mute_tag"),
]
