"""Reserve artists' rights against AI training on every response, unless the artist opts in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from config.urls_abs import absolute_url

X_ROBOTS = "noai, noimageai"


class AiTrainingOptOutMiddleware:
    """Add ``X-Robots-Tag: noai, noimageai`` and TDMRep's ``tdm-reservation: 1``.

    Pages and media of an artist who switched the opt-out off set
    ``response.ai_training_allowed = True`` and get neither header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(response, "ai_training_allowed", False):
            response.headers.setdefault("X-Robots-Tag", X_ROBOTS)
            response.headers.setdefault("tdm-reservation", "1")
            # Per request: with SITE_URL unset the policy lives on the host that was asked.
            policy = absolute_url(request, "/about/labels/#ai-training")
            response.headers.setdefault("tdm-policy", policy)
        return response
