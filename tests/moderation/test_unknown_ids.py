"""Every moderation URL that takes an id answers 404 for an id that does not exist, on the
site and in the API, whatever the method: never a 500, never a redirect to a page that is
itself a 404.

The URLs are read from the URLconfs, so a new URL with an id is covered without editing this
file."""

import pytest
from django.urls import URLPattern, reverse

from api import urls as api_urls
from api.views import moderation as api_moderation
from moderation import urls as moderation_urls
from moderation.models import Appeal, Case, Decision
from tests.api.clients import token_client

pytestmark = pytest.mark.django_db

UNKNOWN = {"int": 999999, "string": "nobody-by-that-name"}
# Valid for every moderation form, so a form error cannot hide a missing row.
PAYLOAD = {
    "action": "dismiss",
    "reason": "undisclosed-ai",
    "response": "Reasons.",
    "outcome": "uphold",
    "statement": "Mine.",
    "vote": "human",
    "note": "",
}


def _with_ids(patterns, *, view_module=None) -> list[tuple[str, dict]]:
    out = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern) or not pattern.pattern.converters:
            continue
        view = getattr(pattern.callback, "view_class", pattern.callback)
        # The module or, for a package, any module inside it.
        inside = (
            f"{view.__module__}.".startswith(f"{view_module.__name__}.") if view_module else True
        )
        if not inside:
            continue
        kwargs = {
            name: UNKNOWN[type(conv).__name__.removesuffix("Converter").lower()]
            for name, conv in pattern.pattern.converters.items()
        }
        out.append((pattern.name, kwargs))
    return out


SITE = _with_ids(moderation_urls.urlpatterns)
API = _with_ids(api_urls.v1, view_module=api_moderation)


def test_every_url_with_an_id_is_covered():
    names = {name for name, _ in SITE}
    assert {"case", "claim", "release", "decide", "request_evidence", "unsuspend"} <= names
    assert {"appeal", "appeal_decide", "appeal_file", "decision", "review_case"} <= names
    assert {"case", "case_claim", "case_decide", "appeal_decide"} <= {n for n, _ in API}


@pytest.mark.parametrize(("name", "kwargs"), SITE, ids=[name for name, _ in SITE])
def test_site_moderation_url_with_unknown_id_is_404(client, moderator, name, kwargs):
    client.force_login(moderator)
    url = reverse(f"moderation:{name}", kwargs=kwargs)
    answers = {client.get(url).status_code, client.post(url, PAYLOAD).status_code}
    assert answers <= {404, 405} and 404 in answers, (url, answers)
    assert not Case.objects.exists() and not Decision.objects.exists()
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(("name", "kwargs"), API, ids=[name for name, _ in API])
def test_api_moderation_url_with_unknown_id_is_404(moderator, name, kwargs):
    client = token_client(moderator)
    url = reverse(f"api:{name}", kwargs=kwargs)
    answers = {
        client.get(url).status_code,
        client.post(url, PAYLOAD, format="json").status_code,
    }
    assert answers <= {404, 405} and 404 in answers, (url, answers)
    assert not Case.objects.exists() and not Decision.objects.exists()
