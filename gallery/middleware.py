"""Reserve artists' rights against AI training on every response, unless the artist opts in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

X_ROBOTS = "noai, noimageai"


class AiTrainingOptOutMiddleware:
    """Add ``X-Robots-Tag: noai, noimageai`` and TDMRep's ``tdm-reservation: 1``.

    Pages and media of an artist who switched the opt-out off set
    ``response.ai_training_allowed = True`` and get neither header.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = f"{settings.SITE_URL}/about/labels/#ai-training"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, "ai_training_allowed", False):
            response.headers.setdefault("X-Robots-Tag", X_ROBOTS)
            response.headers.setdefault("tdm-reservation", "1")
            response.headers.setdefault("tdm-policy", self.policy)
        return response
