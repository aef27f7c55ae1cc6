"""One-line fields refuse control characters (config.text), on the site and in the API; log
lines escape them (config.logformat), so user text can forge neither an email header nor a log
line."""

from __future__ import annotations

import logging
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.forms import ApiTokenForm, ProfileForm
from accounts.models import ApiToken
from config.logformat import EscapingFormatter
from config.text import SINGLE_LINE_MESSAGE
from gallery.forms import ArtworkEditForm, UploadForm
from gallery.models import Artwork
from moderation.forms import UnsuspendForm
from tests.api.clients import token_client
from tests.factories import PASSWORD, ArtworkFactory, image_bytes

FORGED = "Spring\r\nBcc: everyone@example.com"
ARTWORK = {"title": "Harbour", "medium": "drawing", "label": "human-made", "tags": "sea"}


def _jpeg():
    return SimpleUploadedFile("art.jpg", image_bytes("JPEG"), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("form_class", "field", "data", "kwargs"),
    [
        (UploadForm, "title", ARTWORK, {"files_present": 1}),
        (UploadForm, "tags", ARTWORK, {"files_present": 1}),
        (UploadForm, "ai_note", ARTWORK, {"files_present": 1}),
        (ArtworkEditForm, "title", ARTWORK, {}),
        (ArtworkEditForm, "reason", ARTWORK, {}),
        (ApiTokenForm, "name", {"name": "script", "scope": "read"}, {}),
        (UnsuspendForm, "reason", {"reason": "appeal upheld"}, {}),
    ],
)
@pytest.mark.parametrize("bad", [FORGED, "tab\there", "nul\x00", "line\u2028separator", "del\x7f"])
def test_single_line_form_fields_refuse_control_characters(form_class, field, data, kwargs, bad):
    assert form_class(data, **kwargs).is_valid()
    form = form_class({**data, field: bad}, **kwargs)
    assert not form.is_valid()
    # (NUL also gets Django's own "Null characters are not allowed.")
    assert SINGLE_LINE_MESSAGE in form.errors[field]


@pytest.mark.django_db
def test_display_name_refuses_a_line_break(artist):
    data = {"display_name": "Ana\nAdmin", "bio": "Line one\nline two", "feed_preference": "human"}
    form = ProfileForm(data, instance=artist)
    assert not form.is_valid()
    assert form.errors == {"display_name": [SINGLE_LINE_MESSAGE]}
    # Multi-line fields keep their line breaks.
    assert ProfileForm({**data, "display_name": "Ana"}, instance=artist).is_valid()


@pytest.mark.django_db
def test_site_upload_refuses_a_title_forging_an_email_header(client, artist):
    client.force_login(artist)
    response = client.post(
        reverse("gallery:upload"), {**ARTWORK, "title": FORGED, "images": [_jpeg()]}
    )
    assert response.status_code == 400
    assert SINGLE_LINE_MESSAGE in response.content.decode()
    assert not Artwork.objects.exists()


@pytest.mark.django_db
def test_site_upload_and_edit_refuse_multi_line_alt_text(client, artist):
    client.force_login(artist)
    response = client.post(
        reverse("gallery:upload"), {**ARTWORK, "images": [_jpeg()], "alt_text": ["a\r\nb"]}
    )
    assert response.status_code == 400
    assert "Alt text: " + SINGLE_LINE_MESSAGE in response.content.decode()
    assert not Artwork.objects.exists()

    artwork = ArtworkFactory(artist=artist)
    image = artwork.images.get()
    edit = reverse("gallery:artwork_edit", args=[artwork.pk])
    response = client.post(edit, {**ARTWORK, f"alt_{image.pk}": "a\nforged"})
    assert response.status_code == 400
    image.refresh_from_db()
    assert "forged" not in image.alt_text


@pytest.mark.django_db
def test_api_refuses_control_characters_in_title_alt_text_and_token_name(artist):
    api = token_client(artist)
    response = api.post(
        "/api/v1/artworks/", {**ARTWORK, "title": FORGED, "images": [_jpeg()]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == [SINGLE_LINE_MESSAGE]
    response = api.post(
        "/api/v1/artworks/",
        {**ARTWORK, "images": [_jpeg()], "alt_text": ["x\ry"]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["alt_text"] == ["Alt text: " + SINGLE_LINE_MESSAGE]
    assert not Artwork.objects.exists()

    tokens = ApiToken.objects.count()
    response = Client().post(
        "/api/v1/auth/token/",
        {"login": "ana", "password": PASSWORD, "name": "sync\nscript"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == [SINGLE_LINE_MESSAGE]
    assert ApiToken.objects.count() == tokens


# --- logs ---------------------------------------------------------------------------------------


def _configured_formatter() -> logging.Formatter:
    """The formatter the settings' LOGGING gives the console handler."""
    conf = settings.LOGGING["formatters"][settings.LOGGING["handlers"]["console"]["formatter"]]
    return import_string(conf["class"])(conf["format"])


def test_settings_log_through_the_escaping_formatter():
    assert isinstance(_configured_formatter(), EscapingFormatter)
    assert any(isinstance(h.formatter, EscapingFormatter) for h in logging.getLogger().handlers)


def test_a_message_with_crlf_is_logged_on_one_line():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad Request: %s",
        ("/t\r\n2026-01-01 00:00:00,000 INFO accounts admin logged in\x1b[0m",), None,
    )  # fmt: skip
    line = _configured_formatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert line.endswith(
        "Bad Request: /t\\r\\n2026-01-01 00:00:00,000 INFO accounts admin logged in\\x1b[0m"
    )


def test_tracebacks_stay_multi_line_while_the_message_is_escaped():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "gallery", logging.ERROR, __file__, 1, "failed for %s", ("a\nb",), sys.exc_info()
        )
    text = _configured_formatter().format(record)
    first, *rest = text.splitlines()
    assert first.endswith("failed for a\\nb")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: boom"
