"""The site's one mapping of the services' typed refusals (config.errors), and the rule that
no view tells refusals apart by reading their message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms

from config.errors import Conflict, Invalid, NotAllowed, RateLimited, form_error

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.fixture
def raising_site(settings):
    settings.ROOT_URLCONF = "tests.config.domain_error_urls"


@pytest.mark.parametrize(
    ("path", "status", "shown"),
    [
        ("/raise/not-allowed/", 403, "another moderator must decide it"),
        ("/raise/conflict/", 409, "This case has already been decided."),
        ("/raise/invalid/", 400, "Choose an action."),
    ],
)
def test_a_refusal_escaping_a_view_is_the_page_for_its_status(
    client, raising_site, path, status, shown
):
    response = client.get(path)
    assert response.status_code == status
    assert shown in response.content.decode()


def test_not_found_is_the_sites_404_page(client, raising_site):
    response = client.get("/raise/not-found/")
    assert response.status_code == 404
    assert "errors/404.html" in [t.name for t in response.templates]


def test_rate_limited_is_the_slow_down_page_with_its_retry_after(client, raising_site):
    response = client.get("/raise/rate-limited/")
    assert response.status_code == 429
    assert response["Retry-After"] == "321"
    assert "errors/429.html" in [t.name for t in response.templates]


class _Upload(forms.Form):
    images = forms.CharField(required=False)


def test_form_error_puts_field_errors_on_their_fields_and_returns_the_status():
    form = _Upload({})
    assert form.is_valid()
    status = form_error(form, Invalid("x", field_errors={"images": ["a.png: bad"], "nope": ["n"]}))
    assert status == 400
    assert form.errors == {"images": ["a.png: bad"], "__all__": ["n"]}


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (Conflict("Already appealed."), 400),
        (NotAllowed("Only the artist can appeal."), 403),
        (RateLimited("Wait.", retry_after=5), 429),
    ],
)
def test_form_error_shows_other_refusals_above_the_form(exc, status):
    form = _Upload({})
    assert form.is_valid()
    assert form_error(form, exc) == status
    assert form.non_field_errors() == [exc.message]


# A view or an API module that compares an error's text to decide what to answer: the rule
# lives in the error's type (config.errors), and a reworded message must not change a status.
MESSAGE_SNIFFING = [
    re.compile(r"""["'][^"'\n]*["']\s+(?:not\s+)?in\s+(?:str\(\s*\w+\s*\)|\w+\.messages?\b)"""),
    re.compile(r"""(?:str\(\s*\w+\s*\)|\b\w+\.messages?\b(?:\[\d+\])?)\s*(?:==|!=)"""),
    re.compile(r"""(?:str\(\s*\w+\s*\)|\b\w+\.message\b)\.(?:startswith|endswith)\("""),
]


def _view_and_api_modules() -> list[Path]:
    found = set(ROOT.glob("api/**/*.py")) | set(ROOT.glob("*/views/**/*.py"))
    found |= set(ROOT.glob("*/views.py"))
    return sorted(p for p in found if ".venv" not in p.parts and "tests" not in p.parts)


def test_the_scan_sees_the_views_and_the_api():
    names = {str(p.relative_to(ROOT)) for p in _view_and_api_modules()}
    assert {
        "api/views/moderation/cases.py",
        "moderation/views/appeals.py",
        "accounts/views.py",
    } <= names


def test_no_view_or_api_module_matches_on_an_error_message():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _view_and_api_modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(pattern.search(line) for pattern in MESSAGE_SNIFFING)
    ]
    assert offenders == []


def test_the_scan_catches_the_old_sniffing():
    old = 'if "many reports" in str(exc):'
    assert any(pattern.search(old) for pattern in MESSAGE_SNIFFING)
    assert any(p.search("if exc.messages[0] == 'x':") for p in MESSAGE_SNIFFING)


def test_access_policy_is_not_in_a_views_module():
    assert not (ROOT / "gallery/views/access.py").exists()
    old = "gallery.views" + ".access"  # split, so this file does not name it
    apps = ("accounts", "api", "config", "gallery", "moderation", "imaging", "tests")
    importers = [
        str(p.relative_to(ROOT))
        for app in apps
        for p in (ROOT / app).rglob("*.py")
        if old in p.read_text()
    ]
    assert importers == []
