"""Small things people notice: counts and ages in words, the favicon, one line per 403."""

import logging

import pytest
from django.test import Client

from config.logformat import ExpectedRefusalFilter

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_with_a_long_cache(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert "max-age=31536000" in response["Cache-Control"]


def test_a_403_logs_one_line_without_a_traceback(viewer, caplog):
    client = Client()
    client.force_login(viewer)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/moderation/dashboard/")
    assert response.status_code == 403
    # Django attaches the PermissionDenied traceback; the console handler's filter (which runs
    # before pytest's own handler) dropped it.
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /moderation/dashboard/"
    assert record.exc_info is None and record.exc_text is None
    handler = logging.getLogger().handlers[0]
    assert any(isinstance(f, ExpectedRefusalFilter) for f in handler.filters)
    assert logging.getLogger("django").handlers == []  # not printed twice


def test_a_500_keeps_its_traceback():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
    )
    record.status_code = 500
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    ExpectedRefusalFilter().filter(record)
    assert record.exc_info is not None
