"""Errors are JSON, throttling answers 429 with Retry-After, and the schema and docs are served."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.clients import throttle_rates
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_are_json_404s(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No such API endpoint; see /api/docs/.", "errors": {}}


def test_unknown_api_paths_are_json_404s_for_posts_too(client_for):
    response = client_for("member").post("/api/v1/artworks/1/nothing/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such API endpoint; see /api/docs/."


def test_missing_trailing_slash_is_pointed_out(api):
    response = api.get("/api/v1/artworks")
    assert response.status_code == 404
    assert "/api/v1/artworks/ (with a slash)" in response.json()["detail"]


def test_method_not_allowed_is_json(client_for):
    response = client_for("member").put("/api/v1/artworks/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["detail"] == 'Method "PUT" not allowed.'
    assert response.json()["errors"] == {}


def test_each_token_has_its_own_budget_with_retry_after(client_for):
    with throttle_rates(client="3/hour"):
        first = client_for("member")
        statuses = [first.get("/api/v1/artworks/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = first.get("/api/v1/artworks/")
        assert limited.status_code == 429
        assert 0 < int(limited["Retry-After"]) <= 3600
        assert limited.json()["detail"].startswith("Too many requests: try again in ")
        # Another member's token is counted apart.
        assert client_for("owner").get("/api/v1/artworks/").status_code == 200


def test_anonymous_callers_are_limited_per_ip(api):
    with throttle_rates(anon="2/hour"):
        assert [api.get("/api/v1/artworks/").status_code for _ in range(3)] == [200, 200, 429]
        assert APIClient(REMOTE_ADDR="192.0.2.7").get("/api/v1/artworks/").status_code == 200


def test_throttling_counts_writes_too(client_for, artist):
    artwork = ArtworkFactory(artist=artist)
    with throttle_rates(client="2/hour"):
        client = client_for("member")
        url = f"/api/v1/artworks/{artwork.pk}/like/"
        assert [client.post(url).status_code for _ in range(3)] == [200, 200, 429]


def test_schema_is_served_as_openapi_3(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/v1/artworks/" in paths and "multipart/form-data" in str(
        paths["/api/v1/artworks/"]["post"]["requestBody"]["content"]
    )
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_page_serves_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "<style" not in page and "<script>" not in page  # nothing inline for the CSP to refuse
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    # The same strict policy as the rest of the site: no third-party origin at all.
    csp = response["Content-Security-Policy"]
    assert "http" not in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_api_responses_keep_the_ai_training_reservation(api):
    assert api.get("/api/v1/artworks/")["X-Robots-Tag"] == "noai, noimageai"
