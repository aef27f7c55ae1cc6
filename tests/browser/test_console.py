"""Every main page loads in a real browser without console errors or CSP violations."""

from __future__ import annotations

import pytest

from gallery.models import Label

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _visit_all(page, urls: list[str]) -> None:
    for url in urls:
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status == 200, url
        # Bring lazy images and the infinite-scroll trigger into view too.
        page.mouse.wheel(0, 20_000)
        page.wait_for_load_state("networkidle")


def test_main_pages_have_no_console_errors_or_csp_violations(
    page, console, artist, viewer, publish, log_in
):
    publish(artist, title="Harbour lights", images=2, tags=["harbour"])
    artwork = publish(artist, title="Harbour fog", label=Label.ASSISTED)
    urls = ["/", artwork.get_absolute_url(), f"/@{artist.handle}/", "/search/?q=harbour"]

    _visit_all(page, urls)
    log_in(viewer)
    _visit_all(page, [*urls, "/upload/"])

    assert console.errors == []
