"""Issue 13, point 9: the moderation pages fit a 390 px phone without scrolling sideways."""

from __future__ import annotations

import pytest

from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from moderation.services.reports import reports_build_current
from tests.browser.conftest import log_in_as

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = ["/moderation/", "/moderation/audit/", "/moderation/dashboard/", "/moderation/appeals/",
         "/transparency/"]  # fmt: skip


def test_moderation_pages_fit_a_phone(browser, live_server, publish, artist, viewer, moderator):
    for n in range(3):
        artwork = publish(artist, title=f"Harbour {n}")
        case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
        if n == 0:
            case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="A reason.")
    reports_build_current()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    log_in_as(context, live_server.url, moderator)
    page = context.new_page()
    for url in PAGES:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide on a 390 px screen"
    context.close()
