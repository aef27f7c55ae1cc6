"""Collections' pages (namespace ``collections``), included by config/urls.py.

A module of its own, not ``community/urls.py`` (the comments' URLs).
"""

from django.urls import path

from community import collection_views as views
from community.collection_feeds import CollectionFeed

app_name = "collections"
# Under the owner's handle, beside gallery's "@<handle>/" pages: a collection's address reads
# as its owner's, and the slug is only unique per owner (community_collection_slug).
urlpatterns = [
    path("collections/new/", views.collection_new, name="new"),
    path("artworks/<int:pk>/save/", views.artwork_save, name="artwork_save"),
    path("@<str:handle>/collections/", views.collection_list, name="list"),
    path("@<str:handle>/collections/<str:slug>/", views.collection_detail, name="detail"),
    path("@<str:handle>/collections/<str:slug>/feed.atom", CollectionFeed(), name="feed"),
    path("@<str:handle>/collections/<str:slug>/edit/", views.collection_edit_view, name="edit"),
    path(
        "@<str:handle>/collections/<str:slug>/delete/", views.collection_delete_view, name="delete"
    ),
    path("@<str:handle>/collections/<str:slug>/prune/", views.collection_prune_view, name="prune"),
]
