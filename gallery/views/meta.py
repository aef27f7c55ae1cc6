"""Files for crawlers: robots.txt, ai.txt, TDMRep. Artists reserve AI-training rights by default."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control

from config.urls_abs import absolute_url

AI_CRAWLERS = (
    "GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended", "ClaudeBot",
    "Claude-Web", "anthropic-ai", "PerplexityBot", "Bytespider", "Amazonbot", "Applebot-Extended",
    "FacebookBot", "Meta-ExternalAgent", "Diffbot", "ImagesiftBot", "Omgilibot", "cohere-ai",
    "Timpibot", "YouBot", "img2dataset",
)  # fmt: skip


@cache_control(max_age=3600, public=True)
def robots_txt(request) -> HttpResponse:
    lines = []
    for bot in AI_CRAWLERS:
        lines += [f"User-agent: {bot}", "Disallow: /", ""]
    lines += [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /settings/",
        "Disallow: /moderation/",
        "Disallow: /originals/",
        "Allow: /",
        "",
        # Absolute, as the protocol requires: SITE_URL, or the host this was asked on.
        f"Sitemap: {absolute_url(request, reverse('gallery:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@cache_control(max_age=3600, public=True)
def ai_txt(request) -> HttpResponse:
    body = (
        "# Atelier's artists reserve the right to use their works for AI training.\n"
        "# https://site.spawning.ai/spawning-ai-txt\n"
        "User-Agent: *\n"
        "Disallowed: *.jpg\nDisallowed: *.jpeg\nDisallowed: *.png\nDisallowed: *.webp\n"
        "Disallowed: *.gif\nDisallowed: /\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@cache_control(max_age=3600, public=True)
def tdmrep_json(request) -> JsonResponse:
    """W3C TDMRep: text-and-data-mining rights reserved for every path, with our policy."""
    policy = absolute_url(request, "/about/labels/#ai-training")
    return JsonResponse([{"location": "/", "tdm-reservation": 1, "tdm-policy": policy}], safe=False)


# Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says; a year's cache
# because the icon changes about never (the <link> in base.html goes through hashed static).
@cache_control(max_age=365 * 24 * 3600, public=True, immutable=True)
def favicon(request) -> HttpResponse:
    path = finders.find("favicon.svg")
    if not path:
        raise Http404("no favicon")
    with open(path, "rb") as f:
        return HttpResponse(f.read(), content_type="image/svg+xml")
