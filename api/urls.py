from django.urls import include, path, re_path

from api.views import (
    artists,
    artworks,
    auth,
    blocks,
    collections,
    comments,
    explore,
    meta,
    moderation,
    notifications,
    portfolio,
    posting,
    privacy,
)

app_name = "api"
v1 = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("auth/token/current/", auth.TokenRevokeView.as_view(), name="token_current"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("me/exports/", privacy.ExportListView.as_view(), name="exports"),
    path("me/exports/<int:pk>/", privacy.ExportDetailView.as_view(), name="export"),
    path("me/deletion/", privacy.DeletionView.as_view(), name="deletion"),
    path("me/deletion/cancel/", privacy.DeletionCancelView.as_view(), name="deletion_cancel"),
    path("me/drafts/", posting.DraftListView.as_view(), name="drafts"),
    path("me/portfolio/", portfolio.MyPortfolioView.as_view(), name="my_portfolio"),
    path("me/portfolio/pins/", portfolio.MyPinsView.as_view(), name="my_portfolio_pins"),
    path(
        "me/portfolio/sections/", portfolio.MySectionsView.as_view(), name="my_portfolio_sections"
    ),
    path(
        "me/portfolio/sections/order/",
        portfolio.MySectionsOrderView.as_view(),
        name="my_portfolio_sections_order",
    ),
    path(
        "me/portfolio/sections/<int:section_id>/",
        portfolio.MySectionView.as_view(),
        name="my_portfolio_section",
    ),
    path("artworks/", artworks.ArtworkListView.as_view(), name="artworks"),
    path("artworks/<int:pk>/", artworks.ArtworkDetailView.as_view(), name="artwork"),
    path("artworks/<int:pk>/like/", artworks.ArtworkLikeView.as_view(), name="artwork_like"),
    path("artworks/<int:pk>/images/", posting.ArtworkImagesView.as_view(), name="artwork_images"),
    path(
        "artworks/<int:pk>/images/order/",
        posting.ArtworkImagesOrderView.as_view(),
        name="artwork_images_order",
    ),
    path(
        "artworks/<int:pk>/images/<int:image_id>/",
        posting.ArtworkImageView.as_view(),
        name="artwork_image",
    ),
    path("artworks/<int:pk>/cover/", posting.ArtworkCoverView.as_view(), name="artwork_cover"),
    path(
        "artworks/<int:pk>/publish/", posting.ArtworkPublishView.as_view(), name="artwork_publish"
    ),
    path("artworks/<int:pk>/flags/", moderation.ArtworkFlagView.as_view(), name="artwork_flags"),
    path("comments/<int:pk>/flags/", moderation.CommentFlagView.as_view(), name="comment_flags"),
    path("artworks/<int:pk>/related/", explore.RelatedView.as_view(), name="artwork_related"),
    path("artworks/<int:pk>/pick/", explore.StaffPickView.as_view(), name="artwork_pick"),
    path("explore/<str:feed>/", explore.ExploreView.as_view(), name="explore"),
    path("tags/", explore.TagIndexView.as_view(), name="tags"),
    path("artists/", explore.ArtistSearchView.as_view(), name="artists"),
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
        "artists/<str:handle>/portfolio/",
        portfolio.ArtistPortfolioView.as_view(),
        name="artist_portfolio",
    ),
    path(
        "artists/<str:handle>/artworks/",
        artists.ArtistArtworksView.as_view(),
        name="artist_artworks",
    ),
    path("artists/<str:handle>/follow/", artists.ArtistFollowView.as_view(), name="artist_follow"),
    path("artists/<str:handle>/block/", blocks.ArtistBlockView.as_view(), name="artist_block"),
    path("artists/<str:handle>/mute/", blocks.ArtistMuteView.as_view(), name="artist_mute"),
    path(
        "artists/<str:handle>/followers/",
        blocks.ArtistFollowersView.as_view(),
        name="artist_followers",
    ),
    path(
        "artists/<str:handle>/following/",
        blocks.ArtistFollowingView.as_view(),
        name="artist_following",
    ),
    path("tags/<slug:slug>/mute/", blocks.TagMuteView.as_view(), name="tag_mute"),
    path("me/blocks/", blocks.MyBlocksView.as_view(), name="me_blocks"),
    path("me/mutes/", blocks.MyMutesView.as_view(), name="me_mutes"),
    path(
        "artists/<str:handle>/collections/",
        collections.ArtistCollectionsView.as_view(),
        name="artist_collections",
    ),
    path("collections/", collections.CollectionCreateView.as_view(), name="collections"),
    path("collections/<int:pk>/", collections.CollectionDetailView.as_view(), name="collection"),
    path(
        "collections/<int:pk>/items/",
        collections.CollectionItemsView.as_view(),
        name="collection_items",
    ),
    path(
        "collections/<int:pk>/items/<int:artwork_id>/",
        collections.CollectionItemView.as_view(),
        name="collection_item",
    ),
    path(
        "collections/<int:pk>/flags/",
        moderation.CollectionFlagView.as_view(),
        name="collection_flags",
    ),
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
        "notifications/settings/",
        notifications.NotificationSettingsView.as_view(),
        name="notification_settings",
    ),
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
