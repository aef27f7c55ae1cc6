"""The evidence loop in a real browser: a moderator asks, the artist answers through the notice
with two WIP images and a PSD, the moderator sees them on the case page and decides."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from gallery.demo import painting
from gallery.models import Artwork
from moderation.models import Case, CaseEvidence
from moderation.services.flags import flag_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PSD = b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + b"\x00\x00\x00\x04" * 2 + b"\x00\x08\x00\x03"


def test_moderator_asks_artist_sends_wip_and_psd_moderator_decides(
    browser, live_server, publish, artist, viewer, moderator
):
    from tests.browser.conftest import log_in_as

    artwork = publish(artist, title="Lighthouse")
    case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case

    mod = browser.new_context(base_url=live_server.url)
    log_in_as(mod, live_server.url, moderator)
    page = mod.new_page()
    page.goto(f"/moderation/cases/{case.pk}/")
    page.get_by_role("button", name="Claim this case").click()
    expect(page.locator("body")).to_contain_text("You have claimed this case")
    page.get_by_label("What should the artist show?").fill("Please show your sketches.")
    page.get_by_role("button", name="Request evidence").click()
    expect(page.locator("#process-evidence")).to_contain_text("due")

    art = browser.new_context(base_url=live_server.url)
    log_in_as(art, live_server.url, artist)
    page_a = art.new_page()
    page_a.goto(artwork.get_absolute_url())
    notice = page_a.locator("#evidence-due")
    expect(notice).to_contain_text("Evidence due by")
    notice.get_by_role("link", name="Add WIP images or your layered file").click()
    expect(page_a).to_have_url(re.compile(rf"/moderation/evidence/{artwork.pk}/$"))
    page_a.set_input_files(
        "#id_files",
        [
            {"name": "wip-1.jpg", "mimeType": "image/jpeg", "buffer": painting(3, (300, 200))},
            {"name": "wip-2.jpg", "mimeType": "image/jpeg", "buffer": painting(4, (300, 200))},
            {"name": "layers.psd", "mimeType": "image/vnd.adobe.photoshop", "buffer": PSD},
        ],
    )
    page_a.get_by_role("button", name="Send to the moderators").click()
    expect(page_a.locator(".messages")).to_contain_text("the moderators can see your files")
    assert CaseEvidence.objects.filter(case=case).count() == 3

    page.reload()
    listed = page.locator(".evidence-list")
    for name in ("wip-1.jpg", "wip-2.jpg", "layers.psd"):
        expect(listed).to_contain_text(name)
    with page.expect_download() as download:
        listed.get_by_role("link", name="layers.psd").click()
    assert open(download.value.path(), "rb").read() == PSD  # noqa: SIM115
    # Asking for evidence released the claim: claim the case again to decide it.
    page.get_by_role("button", name="Claim this case").click()
    expect(page.locator("body")).to_contain_text("You have claimed this case")
    page.locator("label.field-check", has_text="Dismiss").click()
    page.get_by_label("Reason").fill("The sketches and layers show the process.")
    page.get_by_role("button", name="Decide").click()
    expect(page.locator(".messages")).to_contain_text("Decided")

    case.refresh_from_db()
    artwork = Artwork.objects.get(pk=artwork.pk)
    assert case.status == Case.Status.CLOSED
    assert not artwork.held and artwork.evidence_due is None
    # Another member never reaches the files.
    other = Client()
    other.force_login(viewer)
    item = CaseEvidence.objects.filter(case=case).first()
    assert other.get(f"/moderation/evidence-files/{item.pk}/").status_code == 404
    mod.close()
    art.close()
