"""A fixed number of queries for a thread, whatever its size: 10,000 comment rows on one
post (seeded with bulk_create), read at the top and deep down, on the page, the no-JS pages,
htmx and the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Comment
from community.selectors import THREAD_PAGE
from tests.api.clients import token_client
from tests.factories import UserFactory

TOP, REPLIES_EACH = 2000, 4  # 2,000 top-level comments with 4 replies each: 10,000 rows


@pytest.fixture
def big_thread(artwork, viewer, other_artist):
    authors = [viewer, other_artist, *(UserFactory(handle=f"fan{i}") for i in range(8))]
    start = timezone.now() - timedelta(days=30)
    tops = Comment.objects.bulk_create(
        Comment(
            artwork=artwork,
            author=authors[i % len(authors)],
            # Mentions in every comment: the members query must stay one query per page.
            body=f"Comment {i} for @fan{i % 8} and @nobody",
        )
        for i in range(TOP)
    )
    # bulk_create stamps every row "now": spread them so the order is by time, not by id alone.
    for index, comment in enumerate(tops):
        comment.created_at = start + timedelta(minutes=index)
    Comment.objects.bulk_update(tops, ["created_at"], batch_size=1000)
    Comment.objects.bulk_create(
        Comment(artwork=artwork, author=authors[(i + j) % len(authors)], parent=top,
                body=f"Reply {j} to {i}")
        for i, top in enumerate(tops)
        for j in range(REPLIES_EACH)
    )  # fmt: skip
    assert Comment.objects.filter(artwork=artwork).count() == TOP * (1 + REPLIES_EACH)
    type(artwork).objects.filter(pk=artwork.pk).update(comment_count=TOP * (1 + REPLIES_EACH))
    return tops


def _next_link(html: str) -> str | None:
    found = re.search(r'href="(/comments/artworks/\d+/\?after=[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_thread_costs_the_same_at_the_top_and_deep_down(
    client, artwork, viewer, big_thread, django_assert_num_queries
):
    # Anonymous, cold: the page's own five queries, then blocks cost nothing (anonymous), the
    # page of comments, its first replies, and the members the mentions name.
    with django_assert_num_queries(8):
        body = client.get(artwork.get_absolute_url()).content.decode()
    assert body.count('class="comment-thread"') == THREAD_PAGE
    assert "Comment 1999 for" in body and "1 more reply" in body
    # Warm: the whole page comes from the cache (listing_cache.whole_page), thread included.
    with django_assert_num_queries(0):
        client.get(artwork.get_absolute_url())
    # The no-JS pages, 40 pages deep: the artwork, the page, the replies, the members.
    url = _next_link(body)
    for _ in range(40):
        with django_assert_num_queries(4):
            html = client.get(url).content.decode()
        url = _next_link(html)
    assert "Comment 1180 for" in html and "Comment 1179 for" not in html
    # A member: user with the moderator check and the notifications count, the artwork with
    # their marks, then the thread's page, replies and members (the session and the member's
    # blocks come from the cache).
    client.force_login(viewer)
    with django_assert_num_queries(6):
        body = client.get(artwork.get_absolute_url()).content.decode()
    assert body.count('class="reply-box"') == THREAD_PAGE
    # Its htmx "More comments" request: the same, with the artwork read before the session.
    with django_assert_num_queries(6):
        client.get(url, HTTP_HX_REQUEST="true")


def test_the_api_costs_the_same_at_the_top_and_deep_down(
    artwork, viewer, big_thread, django_assert_num_queries, django_assert_max_num_queries
):
    api = token_client(viewer)
    # The token, the artwork, the caller's moderator check (their role on the post), their
    # blocks, the page, the replies, the members.
    first = api.get(f"/api/v1/artworks/{artwork.pk}/comments/?page_size=50").json()
    url = first["next"]
    for _ in range(30):
        with django_assert_num_queries(7):
            data = api.get(url).json()
        url = data["next"]
    assert len(data["results"]) == 50 and all(len(c["replies"]) == 3 for c in data["results"])
    replies = f"/api/v1/comments/{big_thread[5].pk}/replies/"
    # The token, the comment with its post and author, permissions, blocks (twice: the
    # comment's author, then the replies), the replies; they mention nobody.
    with django_assert_max_num_queries(8):
        assert len(api.get(replies).json()["results"]) == REPLIES_EACH
