from django.urls import path

from community import views

app_name = "community"
# Mounted under /comments/ (config.urls); each write is a POST that also answers htmx.
urlpatterns = [
    path("artworks/<int:artwork_id>/", views.artwork_comments, name="artwork_comments"),
    path("artworks/<int:artwork_id>/settings/", views.comments_settings, name="settings"),
    path("<int:pk>/replies/", views.comment_replies, name="replies"),
    path("<int:pk>/edit/", views.comment_edit_view, name="edit"),
    path("<int:pk>/delete/", views.comment_delete_view, name="delete"),
    path("<int:pk>/hide/", views.comment_hide_view, name="hide"),
    path("<int:pk>/unhide/", views.comment_unhide_view, name="unhide"),
]
