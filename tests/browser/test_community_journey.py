"""Issue 16's journey in a real browser, four people in four windows: a member comments with a
mention, the artist reads the notification and hides the comment; a third member reports
another comment, a moderator removes it, and the audit log shows the removal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.models import Comment, CommentStatus
from moderation.models import Case
from tests.browser.conftest import log_in_as
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _window(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    log_in_as(context, live_server.url, user)
    return context, context.new_page()


def test_comment_mention_hide_report_and_remove(browser, live_server, artist, viewer):
    artwork = ArtworkFactory(artist=artist, title="Harbour at dusk")
    friend = UserFactory(handle="friend", display_name="Friend")
    reporter = UserFactory(handle="carol", display_name="Carol")
    moderator = ModeratorFactory(handle="mo", display_name="Mo")
    # Another member's comment, the one Carol will report.
    spam = Comment.objects.create(artwork=artwork, author=friend, body="Buy followers cheap!!")
    contexts = []
    try:
        # 1. The member comments, mentioning their friend.
        context, page = _window(browser, live_server, viewer)
        contexts.append(context)
        page.goto(artwork.get_absolute_url())
        page.locator("#comment-form textarea").fill("Lovely light, look at this @friend")
        page.locator("#comment-form").get_by_role("button", name="Post comment").click()
        mine = page.locator("#comment-list > li").first
        expect(mine).to_contain_text("Lovely light, look at this")
        expect(mine.get_by_role("link", name="@friend")).to_be_visible()
        comment = Comment.objects.get(author=viewer)

        # 2. The artist sees the notification, follows it to the post and hides the comment.
        context, page = _window(browser, live_server, artist)
        contexts.append(context)
        page.goto("/")
        expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
        page.get_by_role("link", name="Notifications, 1 unread").click()
        expect(page.locator("main")).to_contain_text("Harbour at dusk")
        page.goto(artwork.get_absolute_url())
        own = page.locator(f"#comment-{comment.pk}")
        own.get_by_role("button", name="Hide").click()
        expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("Show again")
        comment.refresh_from_db()
        assert comment.status == CommentStatus.HIDDEN

        # The mentioned friend was told too.
        assert friend.notifications.filter(kind="mention").count() == 1

        # 3. A third member reports the other comment as spam.
        context, page = _window(browser, live_server, reporter)
        contexts.append(context)
        page.goto(artwork.get_absolute_url())
        expect(page.locator(f"#comment-{comment.pk}")).to_have_count(0)  # hidden for others
        page.locator(f"#comment-{spam.pk}").get_by_role("link", name="Report").click()
        page.get_by_label("Spam").check()
        page.get_by_role("button", name="Send report").click()
        case = Case.objects.get(comment=spam)

        # 4. A moderator removes it from the case page; the audit log says so.
        context, page = _window(browser, live_server, moderator)
        contexts.append(context)
        page.goto(f"/moderation/cases/{case.pk}/")
        expect(page.locator("main")).to_contain_text("Buy followers cheap!!")
        page.get_by_label("Remove the comment").check()
        page.get_by_label("Reason").fill("Spam link")
        page.get_by_role("button", name="Decide").click()
        spam.refresh_from_db()
        assert spam.status == CommentStatus.REMOVED
        page.goto("/moderation/audit/")
        expect(page.locator("main")).to_contain_text("Buy followers cheap")
        expect(page.locator("main")).to_contain_text("Spam link")

        # The removed comment is gone for everyone else at once (the thread's cache too).
        contexts[2].pages[0].goto(artwork.get_absolute_url())
        expect(contexts[2].pages[0].locator(f"#comment-{spam.pk}")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
