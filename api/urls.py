from django.urls import include, path, re_path

from api.views import artists, artworks, auth, comments, meta, moderation, notifications

app_name = "api"
v1 = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("auth/token/current/", auth.TokenRevokeView.as_view(), name="token_current"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("artworks/", artworks.ArtworkListView.as_view(), name="artworks"),
    path("artworks/<int:pk>/", artworks.ArtworkDetailView.as_view(), name="artwork"),
    path("artworks/<int:pk>/like/", artworks.ArtworkLikeView.as_view(), name="artwork_like"),
    path("artworks/<int:pk>/flags/", moderation.ArtworkFlagView.as_view(), name="artwork_flags"),
    path(
        "artworks/<int:pk>/comments/",
        comments.ArtworkCommentsView.as_view(),
        name="artwork_comments",
    ),
    path(
        "artworks/<int:pk>/comments/enabled/",
        comments.CommentsEnabledView.as_view(),
        name="artwork_comments_enabled",
    ),
    path("comments/<int:pk>/", comments.CommentDetailView.as_view(), name="comment"),
    path(
        "comments/<int:pk>/replies/", comments.CommentRepliesView.as_view(), name="comment_replies"
    ),
    path("comments/<int:pk>/hide/", comments.CommentHideView.as_view(), name="comment_hide"),
    path("comments/<int:pk>/unhide/", comments.CommentUnhideView.as_view(), name="comment_unhide"),
    path("artists/<str:handle>/", artists.ArtistDetailView.as_view(), name="artist"),
    path(
        "artists/<str:handle>/artworks/",
        artists.ArtistArtworksView.as_view(),
        name="artist_artworks",
    ),
    path("artists/<str:handle>/follow/", artists.ArtistFollowView.as_view(), name="artist_follow"),
    path("cases/", moderation.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>/", moderation.CaseDetailView.as_view(), name="case"),
    path("cases/<int:pk>/claim/", moderation.CaseClaimView.as_view(), name="case_claim"),
    path("cases/<int:pk>/decide/", moderation.CaseDecideView.as_view(), name="case_decide"),
    path("appeals/", moderation.AppealListView.as_view(), name="appeals"),
    path("appeals/<int:pk>/decide/", moderation.AppealDecideView.as_view(), name="appeal_decide"),
    path(
        "decisions/<int:pk>/appeal/",
        moderation.DecisionAppealView.as_view(),
        name="decision_appeal",
    ),
    path("review/", moderation.ReviewListView.as_view(), name="review"),
    path("review/<int:case_id>/vote/", moderation.ReviewVoteView.as_view(), name="review_vote"),
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        notifications.NotificationReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadView.as_view(),
        name="notification_read",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", meta.schema_view, name="schema"),
    path("docs/", meta.docs_view, name="docs"),
    # Last, so it only takes what nothing above matched: JSON 404s, never the site's HTML.
    re_path(r"^(?P<path>.*)$", meta.not_found),
]
