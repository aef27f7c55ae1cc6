"""What the moderation endpoints send and accept.

As in api.serializers, the request serializers only describe the input for the schema: the
rules and their messages are the site's forms (moderation.forms), applied in the views.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import EvidenceSerializer, absolute
from community.models import Comment
from gallery.models import Artwork, Label
from moderation.forms import (
    ARTWORK_REASON_CHOICES,
    COLLECTION_REASON_CHOICES,
    COMMENT_REASON_CHOICES,
    DECISION_CHOICES,
    AppealDecideForm,
    CommentFlagForm,
    FlagForm,
)
from moderation.models import (
    Appeal,
    Case,
    CaseSubject,
    Decision,
    Flag,
    FlagReason,
    FlagSource,
    ReviewVote,
)
from moderation.selectors import AGES

EVIDENCE_FIELDS = ("source", "field", "value", "kind", "summary")


def handle_of(user) -> str | None:
    return user.handle if user is not None else None


class HandleField(serializers.CharField):
    """A user as their handle (null when there is none, or they were deleted)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return handle_of(super().get_attribute(instance))

    def to_representation(self, value):
        return value


# --- Flags -------------------------------------------------------------------------------------


class FlagCreate(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ARTWORK_REASON_CHOICES)
    note = serializers.CharField(
        max_length=FlagForm.base_fields["note"].max_length, required=False, allow_blank=True
    )
    original_url = serializers.URLField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Link to the original: kept only when the reason is `stolen`.",
    )


class CommentFlagCreate(serializers.Serializer):
    reason = serializers.ChoiceField(choices=COMMENT_REASON_CHOICES)
    note = serializers.CharField(
        max_length=CommentFlagForm.base_fields["note"].max_length, required=False, allow_blank=True
    )


class CollectionFlagCreate(serializers.Serializer):
    reason = serializers.ChoiceField(choices=COLLECTION_REASON_CHOICES)
    note = serializers.CharField(
        max_length=CommentFlagForm.base_fields["note"].max_length, required=False, allow_blank=True
    )


class FlagSerializer(serializers.Serializer):
    """The reporter's own flag: never anything about other reporters."""

    id = serializers.IntegerField()
    artwork = serializers.IntegerField(source="artwork_id", allow_null=True)
    comment = serializers.IntegerField(
        source="comment_id", allow_null=True, help_text="Set on a report about a comment."
    )
    collection = serializers.IntegerField(
        source="collection_id", allow_null=True, help_text="Set on a report about a collection."
    )
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField()
    original_url = serializers.CharField()
    status = serializers.ChoiceField(choices=Flag.Status.choices)
    created_at = serializers.DateTimeField()


# --- Cases -------------------------------------------------------------------------------------


class ModerationArtworkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    label = serializers.ChoiceField(choices=Label.choices)
    status = serializers.ChoiceField(choices=Artwork.Status.choices)
    artist = serializers.CharField(source="artist.handle")
    url = serializers.SerializerMethodField(help_text="The artwork's page on the site.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, artwork: Artwork) -> str:
        return absolute(self.context["request"], artwork.get_absolute_url())


class ModerationCommentSerializer(serializers.Serializer):
    """The comment a case is about, for moderators: its words whatever its status."""

    id = serializers.IntegerField()
    body = serializers.CharField()
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    author = serializers.CharField(source="author.handle")
    artwork = serializers.IntegerField(source="artwork_id", help_text="The post it is under.")
    artwork_title = serializers.CharField(source="artwork.title")
    parent = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text="The comment it answers, if a reply."
    )
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The comment under its post on the site.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, comment: Comment) -> str:
        path = f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"
        return absolute(self.context["request"], path)


class ModerationCollectionSerializer(serializers.Serializer):
    """The collection a case is about, for moderators: its words whatever its state."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    owner = HandleField()
    public = serializers.BooleanField()
    hidden = serializers.BooleanField(source="is_hidden", help_text="Hidden by moderators.")


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.ChoiceField(
        choices=CaseSubject.choices,
        help_text="What the case is about: a post, a comment or a collection.",
    )
    status = serializers.ChoiceField(choices=Case.Status.choices)
    reason = serializers.ChoiceField(choices=FlagReason.choices, help_text="The first flag's.")
    ai_question = serializers.BooleanField(help_text="About how the work was made (AI).")
    escalated = serializers.BooleanField()
    risk_score = serializers.FloatField()
    label_at_open = serializers.ChoiceField(choices=Label.choices, allow_blank=True)
    artwork = ModerationArtworkSerializer(
        allow_null=True, help_text="The post a post's case is about; null if it was deleted, "
        "and on a comment case.",
    )  # fmt: skip
    comment = ModerationCommentSerializer(
        allow_null=True, help_text="The comment a comment case is about; null otherwise."
    )
    collection = ModerationCollectionSerializer(
        allow_null=True, help_text="The collection a collection case is about; null otherwise."
    )
    claimed_by = HandleField()
    claimed_until = serializers.DateTimeField(allow_null=True)
    evidence_due = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The case page on the site.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case: Case) -> str:
        return absolute(self.context["request"], case.get_absolute_url())


class CaseRowSerializer(CaseSerializer):
    flag_count = serializers.IntegerField()


class CasePageSerializer(serializers.Serializer):
    results = CaseRowSerializer(many=True)
    next = serializers.URLField(
        allow_null=True, help_text="The next page, or null on the last one."
    )


class CaseFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.ChoiceField(choices=FlagSource.choices)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    reporter = HandleField(help_text="The reporter's handle; null for system flags.")
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField()
    original_url = serializers.CharField()
    evidence = serializers.ListField(
        child=serializers.DictField(), help_text="What the scan or duplicate check found."
    )
    status = serializers.ChoiceField(choices=Flag.Status.choices)
    created_at = serializers.DateTimeField()


class TallySerializer(serializers.Serializer):
    human = serializers.FloatField()
    ai = serializers.FloatField()
    unsure = serializers.FloatField()


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    action = serializers.ChoiceField(choices=Decision.Action.choices)
    reason = serializers.CharField()
    new_label = serializers.ChoiceField(choices=Label.choices, allow_blank=True)
    strike = serializers.BooleanField()
    suspend_days = serializers.IntegerField(allow_null=True)
    moderator = HandleField(help_text="Null for a community decision.")
    by_community = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    reversed_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseSerializer):
    score_parts = serializers.DictField(
        child=serializers.FloatField(), help_text="What the risk score is made of."
    )
    flags = CaseFlagSerializer(many=True)
    evidence = EvidenceSerializer(many=True, help_text="What the files' own metadata says.")
    votes = TallySerializer(help_text="Community review votes, by answer (a count).")
    decision = DecisionSerializer(allow_null=True)


def case_detail_data(case: Case, detail: dict, decision: Decision | None, request) -> dict:
    evidence = [
        {f: str(item.get(f, "")) for f in EVIDENCE_FIELDS}
        for item in detail["evidence"]
        if isinstance(item, dict)
    ]
    data = CaseSerializer(case, context={"request": request}).data
    data.update(
        score_parts={str(k): float(v) for k, v in (case.score_parts or {}).items()},
        flags=CaseFlagSerializer(detail["flags"], many=True).data,
        evidence=evidence,
        votes=detail["tally"],
        decision=DecisionSerializer(decision).data if decision is not None else None,
    )
    return data


class CaseListParams(serializers.Serializer):
    subject = serializers.ChoiceField(
        choices=CaseSubject.choices,
        required=False,
        help_text="Only cases about posts (`artwork`), comments (`comment`) or collections "
        "(`collection`).",
    )
    reason = serializers.ChoiceField(choices=FlagReason.choices, required=False)
    age = serializers.ChoiceField(
        choices=list(AGES),
        required=False,
        help_text="`day` (opened in the last 24 hours), `week` (last 7 days) or `older`.",
    )
    after = serializers.CharField(
        required=False, max_length=200, help_text="The cursor from the previous page's `next`."
    )


class DecideRequest(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=DECISION_CHOICES,
        help_text="On a comment case only `dismiss`, `hide` (hide the comment), `remove`, "
        "`warn`, `strike` and `suspend` apply; on a collection case `dismiss`, `hide`, `warn`, "
        "`strike` and `suspend`; the others are a 400.",
    )
    reason = serializers.CharField(max_length=2000, help_text="The artist reads this.")
    new_label = serializers.ChoiceField(
        choices=Label.choices, required=False, allow_blank=True, help_text="For `relabel`."
    )
    strike = serializers.BooleanField(required=False, default=False)
    suspend_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=3650
    )


# --- Appeals -----------------------------------------------------------------------------------


class AppealCreate(serializers.Serializer):
    statement = serializers.CharField(
        max_length=5000, help_text="Why the decision is wrong; another moderator reads it."
    )


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Appeal.Status.choices)
    statement = serializers.CharField()
    response = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision = DecisionSerializer()


class AppealRowSerializer(AppealSerializer):
    appellant = HandleField()
    artwork = ModerationArtworkSerializer(source="decision.case.artwork", allow_null=True)
    comment = ModerationCommentSerializer(source="decision.case.comment", allow_null=True)
    own_decision = serializers.SerializerMethodField(
        help_text="You made the decision: another moderator must decide the appeal."
    )

    def get_own_decision(self, appeal: Appeal) -> bool:
        return appeal.decision.moderator_id == self.context["request"].user.pk


class AppealListSerializer(serializers.Serializer):
    results = AppealRowSerializer(many=True)


class AppealDecideRequest(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=AppealDecideForm.base_fields["outcome"].choices,
        help_text="`uphold` reverses the decision; `deny` keeps it.",
    )
    response = serializers.CharField(max_length=2000, help_text="The artist reads this.")


# --- Community review --------------------------------------------------------------------------


class ReviewArtworkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    label = serializers.ChoiceField(choices=Label.choices)
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, artwork: Artwork) -> str:
        return absolute(self.context["request"], artwork.get_absolute_url())


class ReviewCaseSerializer(serializers.Serializer):
    """An open AI-label case: no reporters, no notes, no original files."""

    id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    opened_at = serializers.DateTimeField()
    artwork = ReviewArtworkSerializer()


class ReviewListSerializer(serializers.Serializer):
    results = ReviewCaseSerializer(many=True)


class VoteRequest(serializers.Serializer):
    vote = serializers.ChoiceField(choices=ReviewVote.Vote.choices)


class VoteSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    vote = serializers.ChoiceField(choices=ReviewVote.Vote.choices)
    weight = serializers.FloatField(help_text="Twice your smoothed accuracy; a newcomer has 1.")
    tally = TallySerializer(help_text="The votes so far, weighted: shown once you have voted.")
