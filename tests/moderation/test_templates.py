"""Shared templates: the form-field partial, the email base, readable moderation templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from moderation.forms import ARTWORK_REASON_CHOICES
from moderation.models import Flag
from tests.factories import ArtworkFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
KINDS = ("appeal", "decision", "evidence_request", "unsuspended")


def _context(user, **extra):
    return {
        "user": user,
        "SITE_URL": "https://atelier.example",
        "title": "Your post “Fox & Hen” was relabeled",
        "body": "First line\nSecond <line>",
        "url": "/moderation/decisions/1/",
        "evidence": ["IPTC says <trainedAlgorithmicMedia>"],
        "strike": False,
        "strike_days": 90,
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_each_email_extends_the_base_and_reads_the_same(kind, artist):
    for ext in ("txt", "html"):
        source = (TEMPLATES / "moderation" / "email" / f"{kind}.{ext}").read_text()
        assert source.startswith(f'{{% extends "moderation/email/base.{ext}" %}}')
    text = render_to_string(f"moderation/email/{kind}.txt", _context(artist))
    html = render_to_string(f"moderation/email/{kind}.html", _context(artist))
    # Plain text is not HTML: nothing is entity-escaped there.
    assert text.startswith(f"Hello {artist.name},\n\nYour post “Fox & Hen” was relabeled\n")
    assert "- IPTC says <trainedAlgorithmicMedia>\n" in text and "&amp;" not in text
    assert "See it on Atelier: https://atelier.example/moderation/decisions/1/" in text
    assert text.endswith("— The Atelier moderation team\n")
    assert "Fox &amp; Hen" in html and "Second &lt;line&gt;" in html
    assert "<li>IPTC says &lt;trainedAlgorithmicMedia&gt;</li>" in html
    assert '<a href="https://atelier.example/moderation/decisions/1/">' in html
    assert "strike" not in text and "strike" not in html


@pytest.mark.django_db
def test_only_the_decision_email_speaks_of_a_strike(artist):
    for kind in KINDS:
        text = render_to_string(f"moderation/email/{kind}.txt", _context(artist, strike=True))
        html = render_to_string(f"moderation/email/{kind}.html", _context(artist, strike=True))
        has = kind == "decision"
        assert ("Strikes expire after 90 days" in text) is has
        assert ("<strong>This decision carries a strike.</strong>" in html) is has
        # The strike paragraph sits between the evidence and the link, as before.
        if has:
            assert text.index("- IPTC") < text.index("Strikes expire") < text.index("See it on")


@pytest.mark.django_db
def test_a_one_day_strike_says_day(artist):
    context = _context(artist, strike=True, strike_days=1)
    assert "expire after 1 day;" in render_to_string("moderation/email/decision.txt", context)
    assert "expire after 1 day;" in render_to_string("moderation/email/decision.html", context)


@pytest.mark.django_db
def test_field_partial_links_help_and_errors_to_the_widget(viewer, other_artist):
    artwork = ArtworkFactory(artist=other_artist)
    client = Client()
    client.force_login(viewer)
    url = reverse("moderation:report", args=[artwork.pk])
    response = client.post(url, {"note": "x" * 2001})
    assert response.status_code == 400
    assert not Flag.objects.filter(artwork=artwork).exists()
    html = response.content.decode()
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert 'aria-describedby="id_note_helptext id_note_error"' in textarea
    assert 'aria-invalid="true"' in textarea
    assert '<p class="help" id="id_note_helptext">What did you notice?' in html
    assert 'id="id_note_error"' in html
    # A radio group is a fieldset: its legend names it and its errors describe it.
    fieldset = re.search(r'<fieldset class="field field-invalid"[^>]*>', html).group(0)
    assert 'data-field="reason"' in fieldset and 'aria-describedby="id_reason_error"' in fieldset
    assert "<legend>What is wrong?</legend>" in html
    assert html.count('<label class="field-check">') == len(ARTWORK_REASON_CHOICES)


BLOCK_TAG = re.compile(
    r"<(div|section|aside|ul|ol|li|dl|table|thead|tbody|tr|td|th|form|fieldset)\b"
)


def test_moderation_templates_are_one_element_per_line():
    # The case page was 84 lines of 9.5 KB and the dashboard had lines of 615 characters.
    for path in (TEMPLATES / "moderation").rglob("*.*"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert len(line) <= 200, f"{path.name}:{number} has {len(line)} characters"
            assert len(BLOCK_TAG.findall(line)) <= 2, f"{path.name}:{number} packs elements"
