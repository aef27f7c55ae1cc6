from django.urls import path
from django.views.generic import TemplateView

from gallery import sitemaps
from gallery.feeds import ArtistFeed, TagFeed
from gallery.views import artworks, explore, feeds, media, meta, people, posting, upload

app_name = "gallery"
urlpatterns = [
    path("", feeds.home, name="home"),
    path("following/", feeds.following, name="following"),
    path("search/", feeds.search, name="search"),
    path("explore/", explore.explore_view, name="explore"),
    path("explore/<slug:feed>/", explore.explore_view, name="explore_feed"),
    path("tags/", explore.tag_index_view, name="tag_index"),
    path("tags/<slug:slug>/", feeds.tag, name="tag"),
    path("tags/<slug:slug>/feed.atom", TagFeed(), name="tag_feed"),
    path("medium/<slug:medium>/", feeds.medium, name="medium"),
    path("preference/", feeds.preference_set, name="preference"),
    path("preference/mature/", feeds.mature_preference_set, name="mature_preference"),
    path("upload/", upload.upload, name="upload"),
    path("artworks/<int:pk>/", artworks.artwork_detail, name="artwork_short"),
    path("artworks/<int:pk>/status/", upload.artwork_status, name="artwork_status"),
    path("artworks/<int:pk>/retry/", upload.artwork_retry_view, name="artwork_retry"),
    path("artworks/<int:pk>/edit/", artworks.artwork_edit_view, name="artwork_edit"),
    path("artworks/<int:pk>/delete/", artworks.artwork_delete_view, name="artwork_delete"),
    path("artworks/<int:pk>/like/", artworks.like, name="like"),
    path("artworks/<int:pk>/images/add/", posting.images_add, name="images_add"),
    path("artworks/<int:pk>/images/move/", posting.image_move, name="image_move"),
    path(
        "artworks/<int:pk>/images/<int:image_id>/remove/",
        posting.image_remove,
        name="image_remove",
    ),
    path("artworks/<int:pk>/cover/", posting.cover_set, name="cover_set"),
    path("artworks/<int:pk>/publish/", posting.publish, name="artwork_publish"),
    path("drafts/", posting.drafts, name="drafts"),
    path("artworks/<int:pk>/pick/", explore.staff_pick, name="staff_pick"),
    path("artworks/<int:pk>/<slug:slug>/", artworks.artwork_detail, name="artwork"),
    path("originals/<int:pk>/", artworks.original, name="original"),
    path(
        "originals/<int:pk>/withdrawn/<str:filename>",
        media.withdrawn_media,
        name="withdrawn_media",
    ),
    path(
        "about/labels/",
        TemplateView.as_view(template_name="gallery/about_labels.html"),
        name="about_labels",
    ),
    path("robots.txt", meta.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-artworks.xml", sitemaps.sitemap_artworks, name="sitemap_artworks"),
    path("sitemap-artists.xml", sitemaps.sitemap_artists, name="sitemap_artists"),
    path("favicon.ico", meta.favicon, name="favicon"),
    path("ai.txt", meta.ai_txt, name="ai_txt"),
    path(".well-known/tdmrep.json", meta.tdmrep_json, name="tdmrep"),
    path("@<str:handle>/", feeds.artist, name="artist"),
    path("@<str:handle>/follow/", feeds.follow, name="follow"),
    path(
        "@<str:handle>/followers/",
        people.follow_list,
        {"direction": "followers"},
        name="followers",
    ),
    path(
        "@<str:handle>/following/",
        people.follow_list,
        {"direction": "following"},
        name="following_list",
    ),
    path("@<str:handle>/feed.atom", ArtistFeed(), name="artist_feed"),
]
