"""Query parameters are validated once per distinct query (api.views.common.query): the same
valid query gives the same answer without a new serializer, a bad one is refused every time,
and no caller can change what the next one gets."""

from __future__ import annotations

import pytest
from rest_framework.test import APIRequestFactory

from api.serializers import ArtworkListParams
from api.views.common import _valid_query, query

pytestmark = pytest.mark.django_db


def _request(path: str):
    from rest_framework.request import Request

    return Request(APIRequestFactory().get(path))


def test_a_valid_query_is_validated_once_and_each_caller_gets_its_own_copy():
    _valid_query.cache_clear()
    first = query(_request("/api/v1/artworks/?page_size=5&tag=sea"), ArtworkListParams)
    assert first["page_size"] == 5
    first["page_size"] = 99  # a caller that edits its answer
    # The same parameters in another order: one entry, and the edit did not reach it.
    second = query(_request("/api/v1/artworks/?tag=sea&page_size=5"), ArtworkListParams)
    assert second["page_size"] == 5
    assert _valid_query.cache_info().hits == 1 and _valid_query.cache_info().misses == 1


@pytest.mark.parametrize("size", ["abc", "0", "101"])
def test_a_bad_query_is_refused_every_time(client, size):
    for _ in range(2):
        response = client.get(f"/api/v1/artworks/?page_size={size}")
        assert response.status_code == 400
        assert "page_size" in response.json()["errors"]
