"""The notifications page's "Mark all read" in a real browser: htmx swaps the list and the
header's unread badge without a full page load, the change is stored (a reload agrees), and it
works from the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def member(db):
    member = UserFactory(handle="nora", display_name="Nora")
    for n in range(3):
        Notification.objects.create(
            user=member, kind=NotificationKind.FOLLOW, title=f"Follower {n} followed you"
        )
    # One already read: it stays in the list, without the "new" badge.
    Notification.objects.create(
        user=member, kind=NotificationKind.LIKE, title="An old like", read_at="2026-01-01T00:00Z"
    )
    return member


def _open(page, log_in, member):
    log_in(member)
    page.goto("/notifications/")
    expect(page.get_by_role("link", name="Notifications, 3 unread")).to_be_visible()
    expect(page.locator("#notifications .badge", has_text="new")).to_have_count(3)
    # A full page load would lose this: the swap must keep the same document.
    page.evaluate("window.__sameDocument = true")


def _check_marked(page, member):
    expect(page.locator("#notifications .badge", has_text="new")).to_have_count(0)
    expect(page.locator("#notifications li")).to_have_count(4)
    expect(page.locator("#notifications-link")).to_have_attribute("aria-label", "Notifications")
    expect(page.locator("#notifications-link .count")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    # Stored: a reload (a new document) shows the same.
    page.reload()
    assert page.evaluate("window.__sameDocument === undefined")
    expect(page.locator("#notifications li")).to_have_count(4)
    expect(page.locator("#notifications .badge", has_text="new")).to_have_count(0)
    expect(page.locator("#notifications-link")).to_have_attribute("aria-label", "Notifications")
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)


def test_mark_all_read_swaps_the_list_and_the_badge_in_place(page, log_in, member):
    _open(page, log_in, member)
    page.get_by_role("button", name="Mark all read").click()
    _check_marked(page, member)


def test_mark_all_read_from_the_keyboard(page, log_in, member):
    _open(page, log_in, member)
    button = page.get_by_role("button", name="Mark all read")
    # Tab from the top of the page until the button has the focus (skip link, header, …).
    for _ in range(40):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Mark all read button")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    _check_marked(page, member)
