"""Moderation in the API: flags from members, the moderators' cases and appeals, artists'
appeals and community review, one module per subject.

The same services and selectors as the site's moderation pages (moderation.services,
moderation.selectors), the same forms for the input (moderation.forms) and the same rules for
who may do what (``api.permissions``, the services' own checks). The services' refusals are
typed (``moderation.services``): the views let them through and ``api.exceptions`` answers
400, 403, 404, 409 or 429 by their type.
"""

from api.views.moderation.appeals import AppealDecideView, AppealListView, DecisionAppealView
from api.views.moderation.cases import (
    CaseClaimView,
    CaseDecideView,
    CaseDetailView,
    CaseListView,
)
from api.views.moderation.flags import ArtworkFlagView, CollectionFlagView, CommentFlagView
from api.views.moderation.review import ReviewListView, ReviewVoteView

__all__ = [
    "AppealDecideView",
    "AppealListView",
    "ArtworkFlagView",
    "CaseClaimView",
    "CaseDecideView",
    "CaseDetailView",
    "CaseListView",
    "CollectionFlagView",
    "CommentFlagView",
    "DecisionAppealView",
    "ReviewListView",
    "ReviewVoteView",
]
