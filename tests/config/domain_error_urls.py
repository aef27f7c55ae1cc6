"""Views that raise each typed refusal, for the site mapping's tests (config.errors)."""

from django.urls import path

from config.errors import Conflict, Invalid, NotAllowed, NotFound, RateLimited
from config.urls import handler403, handler404, handler500  # noqa: F401 (the site's pages)
from config.urls import urlpatterns as site_urlpatterns

ERRORS = {
    "not-allowed": NotAllowed("This is your own appeal: another moderator must decide it."),
    "not-found": NotFound("There is no such case."),
    "conflict": Conflict("This case has already been decided."),
    "invalid": Invalid("Choose an action."),
    "rate-limited": RateLimited("Please wait.", retry_after=321),
}


def _raiser(name: str):
    def view(request):
        raise ERRORS[name]

    return view


# The site's own URLs stay: the error pages link to them.
urlpatterns = [path(f"raise/{name}/", _raiser(name)) for name in ERRORS] + site_urlpatterns
