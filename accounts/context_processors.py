from django.conf import settings


def site(request) -> dict:
    return {
        "SITE_URL": settings.SITE_URL,
        "ALLOW_AI_GENERATED": settings.ATELIER_ALLOW_AI_GENERATED,
    }
