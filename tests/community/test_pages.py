"""The thread on the artwork page and the comment pages: rendering, no-JS paging, htmx
answers, double submits, refusals, and the anonymous page cache staying true."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Comment
from community.services import comment_create, comment_delete, comment_hide
from community.text import render_body
from tests.factories import UserFactory

Status = Comment.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def post(author, artwork, body="Lovely light.", parent=None):
    return comment_create(author=author, artwork=artwork, body=body, parent=parent).comment


def page(client, artwork, **extra):
    response = client.get(artwork.get_absolute_url(), **extra)
    assert response.status_code in (200, 304), response.status_code
    return response


def thread_html(response) -> str:
    text = response.content.decode()
    start = text.index('id="comments"')
    return text[start : text.index("</section>", start)]


def test_the_page_shows_the_thread_newest_first_with_replies_under_their_comment(
    client, viewer, other_artist, artwork
):
    older = post(viewer, artwork, body="First!")
    newer = post(other_artist, artwork, body="Second.")
    post(other_artist, artwork, body="A reply to the first.", parent=older)
    Comment.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    html = thread_html(page(client, artwork))
    assert html.index(f'id="comment-{newer.pk}"') < html.index(f'id="comment-{older.pk}"')
    replies = html[html.index(f'id="replies-{older.pk}"') :]
    assert "A reply to the first." in replies[: replies.index("</ol>")]
    assert "Comments <span" in html and "(3)" in html
    # Anonymous visitors get no forms, and a way to sign in.
    assert "<form" not in html and "Log in</a> to comment" in html


def test_a_deleted_comment_with_replies_reads_deleted_and_without_replies_is_gone(
    client, viewer, other_artist, artwork
):
    with_replies = post(viewer, artwork, body="Secret opinion")
    post(other_artist, artwork, body="I disagree", parent=with_replies)
    alone = post(viewer, artwork, body="Lonely remark")
    comment_delete(member=viewer, comment=with_replies)
    comment_delete(member=viewer, comment=alone)
    html = thread_html(page(client, artwork))
    assert "This comment was deleted." in html and "I disagree" in html
    assert "Secret opinion" not in html and "Lonely remark" not in html
    assert f'id="comment-{alone.pk}"' not in html


def test_hidden_comments_show_to_the_artist_and_author_only(
    client, viewer, other_artist, artist, artwork
):
    comment = post(viewer, artwork, body="Rude words")
    comment_hide(artist=artist, comment=comment)
    assert "Rude words" not in thread_html(page(client, artwork))
    client.force_login(other_artist)
    assert "Rude words" not in thread_html(page(client, artwork))
    client.force_login(viewer)
    assert "Hidden by the artist" in thread_html(page(client, artwork))
    client.force_login(artist)
    html = thread_html(page(client, artwork))
    assert "Rude words" in html and "Show again" in html


def test_edited_comments_say_so(client, viewer, artwork):
    from community.services import comment_edit

    comment = post(viewer, artwork)
    comment_edit(editor=viewer, comment=comment, body="Lovely light!")
    assert "· edited" in thread_html(page(client, artwork))


def test_comments_off_shows_a_notice_and_no_form(client, viewer, artist, artwork):
    from community.services import comments_enabled_set

    post(viewer, artwork, body="Before it closed")
    comments_enabled_set(artist=artist, artwork=artwork, enabled=False)
    client.force_login(viewer)
    html = thread_html(page(client, artwork))
    assert "turned comments off" in html and "Before it closed" in html
    assert 'id="comment-form"' not in html and "reply-box" not in html


def test_the_artist_sees_the_switch_and_turns_comments_off_without_javascript(
    client, artist, artwork
):
    client.force_login(artist)
    assert "Turn comments off" in thread_html(page(client, artwork))
    response = client.post(f"/comments/artworks/{artwork.pk}/settings/", {"enabled": "0"})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    artwork.refresh_from_db()
    assert not artwork.comments_enabled


def test_hostile_text_is_escaped_and_only_http_links_are_links(client, viewer, artwork):
    UserFactory(handle="cleo")
    body = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> javascript:alert(3) "
        '[x](javascript:alert(4)) https://example.com/a?b=1&c="><svg onload=alert(5)> '
        "data:text/html,<b>x</b> @cleo @ghost\nsecond line"
    )
    post(viewer, artwork, body=body)
    html = thread_html(page(client, artwork))
    assert "<script>" not in html and "<img src=x" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html.lower() and 'href="data' not in html.lower()
    links = re.findall(r'<a href="(https?://[^"]*)" rel="([^"]*)"', html)
    assert links == [("https://example.com/a?b=1&amp;c=", "nofollow ugc noopener")]
    assert "target=" not in html.split('class="comment-body"', 1)[1]
    assert '<a class="mention" href="/@cleo/">@cleo</a>' in html and "@ghost" in html
    assert "/@ghost/" not in html
    assert "second line" in html and "<br>second line" in html


def test_render_body_trims_sentence_punctuation_from_links():
    html = render_body("See (https://example.org/a_(b)) and https://example.org/x. Done")
    assert 'href="https://example.org/a_(b)"' in html and 'href="https://example.org/x"' in html


def test_more_comments_works_without_javascript(
    client, viewer, artwork, django_assert_max_num_queries
):
    Comment.objects.bulk_create(
        Comment(artwork=artwork, author=viewer, body=f"Comment number {i}") for i in range(25)
    )
    html = thread_html(page(client, artwork))
    assert html.count('class="comment-thread"') == 20
    link = re.search(r'<a class="button" href="(/comments/artworks/\d+/\?after=[^"]+)"', html)
    assert link, "a plain link to the next page"
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    text = second.content.decode()
    assert "<html" in text and text.count('class="comment-thread"') == 5
    assert "More comments" not in text
    # htmx asks the same address and gets the items only.
    partial = client.get(link.group(1).replace("&amp;", "&"), **HTMX)
    assert "<html" not in partial.content.decode()
    assert partial.content.decode().count('class="comment-thread"') == 5


def test_a_tampered_cursor_is_a_400(client, artwork):
    assert client.get(f"/comments/artworks/{artwork.pk}/?after=bm90LWEtY3Vyc29y").status_code == 400


def test_more_replies_page_lists_them_all_oldest_first(client, viewer, other_artist, artwork):
    top = post(viewer, artwork)
    Comment.objects.bulk_create(
        Comment(artwork=artwork, author=other_artist, parent=top, body=f"Reply {i:02d}")
        for i in range(6)
    )
    html = thread_html(page(client, artwork))
    assert "3 more replies" in html and "Reply 03" not in html
    response = client.get(f"/comments/{top.pk}/replies/")
    text = response.content.decode()
    assert response.status_code == 200
    assert [f"Reply {i:02d}" for i in range(6)] == re.findall(r"Reply \d\d", text)


def test_posting_without_javascript_redirects_to_the_new_comment(client, viewer, artwork):
    client.force_login(viewer)
    response = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "Nice!"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{artwork.get_absolute_url()}#comment-{comment.pk}"


def test_a_double_submit_from_the_page_makes_one_comment(client, viewer, artwork):
    client.force_login(viewer)
    first = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "Nice!"}, **HTMX)
    second = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "Nice!"}, **HTMX)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Comment.objects.count() == 1
    assert 'id="comment-form"' in second.content.decode()
    assert "Nice!" not in second.content.decode()  # nothing appended twice
    artwork.refresh_from_db()
    assert artwork.comment_count == 1


def test_htmx_gets_the_comment_and_a_fresh_form(client, viewer, artwork):
    client.force_login(viewer)
    response = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "Nice!"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 201
    assert 'class="comment-thread"' in text and "Nice!" in text
    assert 'id="comment-form"' in text and 'hx-swap-oob="true"' in text


def test_a_reply_from_the_page(client, viewer, other_artist, artwork):
    top = post(viewer, artwork)
    client.force_login(other_artist)
    html = thread_html(page(client, artwork))
    assert f'id="reply-form-{top.pk}"' in html
    response = client.post(
        f"/comments/artworks/{artwork.pk}/", {"body": "Agreed", "parent": top.pk}, **HTMX
    )
    assert response.status_code == 201 and f'id="reply-form-{top.pk}"' in response.content.decode()
    assert Comment.objects.get(body="Agreed").parent_id == top.pk


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_refused_text_shows_the_message_beside_the_form(client, viewer, artwork, body):
    client.force_login(viewer)
    plain = client.post(f"/comments/artworks/{artwork.pk}/", {"body": body})
    assert plain.status_code == 400 and 'class="errors"' in plain.content.decode()
    htmx = client.post(f"/comments/artworks/{artwork.pk}/", {"body": body}, **HTMX)
    assert htmx.status_code == 400
    assert htmx["HX-Retarget"] == "#comment-form" and htmx["HX-Reswap"] == "outerHTML"
    assert not Comment.objects.exists()


def test_a_nul_byte_in_the_body_is_refused_clearly(client, viewer, artwork):
    client.force_login(viewer)
    response = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "a\x00b"})
    assert response.status_code == 400 and "Null characters" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_rate_limit_shows_its_message_and_retry_after(client, viewer, artwork, settings):
    settings.COMMENT_RATE = "1/h"
    client.force_login(viewer)
    client.post(f"/comments/artworks/{artwork.pk}/", {"body": "one"})
    response = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "two"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 3000
    assert "faster than the site allows" in response.content.decode()
    htmx = client.post(f"/comments/artworks/{artwork.pk}/", {"body": "three"}, **HTMX)
    assert htmx.status_code == 429 and "faster than the site allows" in htmx.content.decode()


def test_edit_page_saves_and_refuses_after_the_window(client, viewer, artwork):
    comment = post(viewer, artwork)
    client.force_login(viewer)
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 200
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Better words"})
    assert response.status_code == 302
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    late = client.post(f"/comments/{comment.pk}/edit/", {"body": "Too late"})
    assert late.status_code == 400 and "15 minutes" in late.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Better words"


def test_delete_confirms_then_deletes(client, viewer, artwork):
    comment = post(viewer, artwork)
    client.force_login(viewer)
    assert "Delete your comment?" in client.get(f"/comments/{comment.pk}/delete/").content.decode()
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.DELETED


def test_hide_with_htmx_answers_the_comment(client, viewer, artist, artwork):
    comment = post(viewer, artwork)
    client.force_login(artist)
    response = client.post(f"/comments/{comment.pk}/hide/", **HTMX)
    assert response.status_code == 200 and "Show again" in response.content.decode()
    assert client.post(f"/comments/{comment.pk}/unhide/").status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.VISIBLE


# --- The anonymous page cache -------------------------------------------------------------------


def test_a_new_or_hidden_comment_reaches_anonymous_visitors_at_once(
    client, viewer, artist, artwork
):
    first = page(client, artwork)
    etag = first["ETag"]
    assert "No comments yet" in thread_html(first)
    comment = post(viewer, artwork, body="Fresh words")
    # A revalidation with the old ETag gets the new page, not a 304.
    again = page(client, artwork, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and "Fresh words" in thread_html(again)
    assert again["ETag"] != etag
    assert page(client, artwork, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    comment_hide(artist=artist, comment=comment)
    assert "Fresh words" not in thread_html(page(client, artwork, HTTP_IF_NONE_MATCH=again["ETag"]))


def test_edits_deletes_and_comments_off_reach_anonymous_visitors_at_once(
    client, viewer, artist, artwork
):
    from community.services import comment_edit, comments_enabled_set

    comment = post(viewer, artwork, body="Draft words")
    assert "Draft words" in thread_html(page(client, artwork))
    comment_edit(editor=viewer, comment=comment, body="Final words")
    assert "Final words" in thread_html(page(client, artwork))
    comments_enabled_set(artist=artist, artwork=artwork, enabled=False)
    assert "turned comments off" in thread_html(page(client, artwork))
    comment_delete(member=viewer, comment=comment)
    assert "Final words" not in thread_html(page(client, artwork))


def test_a_warm_anonymous_page_reads_no_comment_rows(
    client, viewer, artwork, django_assert_num_queries
):
    post(viewer, artwork)
    page(client, artwork)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page(client, artwork)
    assert not [q for q in queries.captured_queries if "community_comment" in q["sql"]]


def test_an_author_rename_reaches_the_cached_thread(client, viewer, artwork):
    post(viewer, artwork)
    page(client, artwork)
    viewer.display_name = "Victoria Renamed"
    viewer.save()
    assert "Victoria Renamed" in thread_html(page(client, artwork))


def test_an_anonymous_page_with_comments_sets_no_cookie(client, viewer, artwork):
    post(viewer, artwork)
    response = page(client, artwork)
    assert not response.cookies
    assert response["Cache-Control"].startswith("public, max-age=")


def test_cards_show_the_comment_count_once_there_is_one(client, viewer, artwork):
    body = client.get("/").content.decode()
    assert "Harbour at dusk" in body and "comment" not in body.split("Harbour at dusk", 1)[1][:400]
    post(viewer, artwork)
    body = client.get("/").content.decode()
    assert 'aria-label="1 comment"' in body
