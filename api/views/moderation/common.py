"""What the moderation views share: the schema's error answers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from api.schema import errors
from api.serializers import ErrorSerializer

CONFLICT_DESCRIPTION = "The case or appeal is not in a state that allows this (see `detail`)."


def moderation_errors(*codes: int) -> dict:
    """``api.schema.errors`` plus 409 where the state can refuse the request."""
    out = errors(*(c for c in codes if c != 409))
    if 409 in codes:
        out[409] = OpenApiResponse(ErrorSerializer, description=CONFLICT_DESCRIPTION)
    return dict(sorted(out.items()))
