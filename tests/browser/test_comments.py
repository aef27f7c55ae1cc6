"""Comments in a real browser: posting with htmx (the comment appears, the form empties),
a refusal shown beside the form, a reply, "More comments", and no CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.models import Comment
from tests.factories import ArtworkFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_post_refuse_reply_and_page_with_htmx(page, log_in, artist, viewer, settings):
    artwork = ArtworkFactory(artist=artist, title="Harbour")
    Comment.objects.bulk_create(
        Comment(artwork=artwork, author=artist, body=f"Old note {i}") for i in range(21)
    )
    log_in(viewer)
    page.goto(artwork.get_absolute_url())
    form = page.locator("#comment-form")
    # Whitespace only: the server refuses it and htmx puts the message beside the field.
    form.locator("textarea").fill("   ")
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-form .errors")).to_contain_text("cannot be empty")
    page.locator("#comment-form textarea").fill("What brushes did you use?")
    page.locator("#comment-form").get_by_role("button", name="Post comment").click()
    first = page.locator("#comment-list > li").first
    expect(first).to_contain_text("What brushes did you use?")
    expect(page.locator("#comment-form textarea")).to_have_value("")
    assert Comment.objects.filter(author=viewer).count() == 1
    # A reply, from the <details> under the new comment.
    first.locator("summary", has_text="Reply").click()
    first.locator("textarea").fill("Also: which paper?")
    first.get_by_role("button", name="Reply").click()
    expect(first.locator(".replies")).to_contain_text("Also: which paper?")
    # 21 old comments fill a page of 20 (plus the new one on top): "More comments" brings
    # the last one in place.
    expect(page.locator("#comment-list > li.comment-thread")).to_have_count(21)
    page.get_by_role("link", name="More comments").click()
    expect(page.locator("#comment-list > li.comment-thread")).to_have_count(22)
    assert page.url.endswith(artwork.get_absolute_url())
