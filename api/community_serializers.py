"""What the comment endpoints send and accept.

The request serializers describe the input's shape for the schema; the rules on the text and
their messages are ``community.text.clean_body``'s, applied by the services.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import ArtistBriefSerializer, PageParams, absolute
from community.models import Comment, CommentStatus
from community.text import MAX_LENGTH, render_body


class CommentSerializer(serializers.Serializer):
    """One comment as the caller may see it. A comment nobody may read any more (deleted,
    hidden, taken down) that still has visible replies comes with ``body`` and ``author`` null
    and ``placeholder`` saying why, as the site shows it."""

    id = serializers.IntegerField()
    artwork = serializers.IntegerField(source="artwork_id")
    parent = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text="The top-level comment this replies to."
    )
    status = serializers.ChoiceField(choices=CommentStatus.choices)
    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField(help_text="The text as typed (plain text).")
    body_html = serializers.SerializerMethodField(
        help_text="The text as the site shows it: escaped, with http(s) links and @mentions "
        "of members as links, and <br> for line breaks. Safe to insert as HTML."
    )
    placeholder = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The comment on the artwork's page.")
    can_edit = serializers.BooleanField(help_text="The caller may edit it now.")
    can_delete = serializers.BooleanField()
    can_hide = serializers.BooleanField(
        help_text="The caller is the post's artist and may hide it."
    )
    can_unhide = serializers.BooleanField()

    def _readable(self, comment: Comment) -> bool:
        # ``readable`` is set by community.selectors for this viewer: a deleted comment kept
        # for its replies, or one hidden from them, still appears as a placeholder with no
        # author and no text, so the thread keeps its shape without leaking either.
        return comment.readable

    @extend_schema_field(ArtistBriefSerializer(allow_null=True))
    def get_author(self, comment: Comment) -> dict | None:
        if not self._readable(comment):
            return None
        return ArtistBriefSerializer(comment.author, context=self.context).data

    @extend_schema_field({"type": "string", "nullable": True})
    def get_body(self, comment: Comment) -> str | None:
        return comment.body if self._readable(comment) else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_body_html(self, comment: Comment) -> str | None:
        if not self._readable(comment):
            return None
        # The same escaping and linking as the page (community.text), so an API client that
        # shows body_html shows exactly what the site does; ``members`` are the mentioned
        # handles that exist, read once for the whole page by the view.
        return str(render_body(comment.body, members=self.context.get("members", frozenset())))

    def get_placeholder(self, comment: Comment) -> str:
        return comment.placeholder

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, comment: Comment) -> str:
        # The anchor the page gives every comment (templates/community/_comment.html).
        path = f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"
        return absolute(self.context["request"], path)


class ThreadCommentSerializer(CommentSerializer):
    """A top-level comment with its first replies."""

    replies = serializers.SerializerMethodField(help_text="The first replies, oldest first.")
    more_replies = serializers.IntegerField(
        help_text="Replies beyond `replies`: list them with GET /api/v1/comments/{id}/replies/."
    )

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment: Comment) -> list[dict]:
        return CommentSerializer(comment.shown_replies, many=True, context=self.context).data


class CommentPageSerializer(serializers.Serializer):
    results = ThreadCommentSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class ReplyPageSerializer(serializers.Serializer):
    results = CommentSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class CommentParams(PageParams):
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class CommentCreate(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"Plain text, at most {MAX_LENGTH} characters; stored as typed.",
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Reply to this comment (a reply to a reply joins its top-level comment).",
    )


class CommentUpdate(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class CommentsEnabled(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="Whether new comments are accepted.")
