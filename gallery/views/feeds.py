"""Listings: latest, following, tag, medium, artist, search. All honour the label preference."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST
from taggit.models import Tag

from accounts import services as account_services
from accounts.access import member_required
from accounts.models import FeedPreference, Follow, MaturePreference
from accounts.redirects import safe_next_url
from gallery import selectors, state
from gallery.models import Medium


def _listing(request, *, template: str, context: dict, **filters):
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    qs = selectors.artworks_for_listing(preference=preference, mature_preference=mature, **filters)
    page = selectors.keyset_page(qs, request.GET.get("after"))
    context = {
        **context,
        "page": page,
        "page_after": bool(request.GET.get("after")),
        "preference": preference,
        "preference_choices": FeedPreference.choices,
        "mature_preference": mature,
        "mature_choices": MaturePreference.choices,
    }
    if request.htmx and request.GET.get("after"):
        return render(request, "gallery/_artwork_cards.html", context)
    return render(request, template, context)


def home(request):
    return _listing(request, template="gallery/feed_latest.html", context={"heading": "Latest"})


@member_required(allow_suspended=True)
def following(request):
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": "Following", "following_page": True},
        following_of=request.user.pk,
    )


def tag(request, slug: str):
    tag_obj = get_object_or_404(Tag, slug=slug)
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": f"#{tag_obj.name}", "tag": tag_obj},
        tag_id=tag_obj.pk,
    )


def medium(request, medium: str):
    if medium not in Medium.values:
        raise Http404("No such medium.")
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": Medium(medium).label, "medium": medium},
        medium=medium,
    )


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    if not query:
        return render(
            request,
            "gallery/feed_latest.html",
            {"heading": "Search", "search_page": True, "query": "", "page": None},
        )
    return _listing(
        request,
        template="gallery/feed_latest.html",
        context={"heading": f"Results for “{query}”", "search_page": True, "query": query},
        search=query,
    )


def artist(request, handle: str):
    user_model = get_user_model()
    person = get_object_or_404(user_model, handle__iexact=handle, is_active=True)
    is_following = (
        request.user.is_authenticated
        and Follow.objects.filter(follower_id=request.user.pk, artist=person).exists()
    )
    own = request.user.is_authenticated and request.user.pk == person.pk
    context = {"artist": person, "is_following": is_following, "own": own}
    if own and not request.GET.get("after"):
        context["not_public"] = list(selectors.artworks_not_public_of(artist_id=person.pk))
    response = _listing(
        request,
        template="gallery/artist_detail.html",
        context=context,
        artist_id=person.pk,
        own=own,
    )
    response.ai_training_allowed = not person.ai_training_opt_out
    return response


@require_POST
def preference_set(request):
    """Change the label preference from any listing; members keep it, others get a cookie."""
    value = request.POST.get("preference", FeedPreference.HUMAN)
    if value not in FeedPreference.values:
        value = FeedPreference.HUMAN
    response = HttpResponseRedirect(safe_next_url(request, default="/"))
    if request.user.is_authenticated:
        account_services.preference_set(user=request.user, preference=value)
    else:
        response.set_cookie(
            selectors.PREFERENCE_COOKIE,
            value,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


@require_POST
def mature_preference_set(request):
    """Change the mature preference from any listing: members keep it on their account,
    anonymous viewers get the ``atelier_mature`` cookie (read by state.mature_preference)."""
    value = request.POST.get("mature", MaturePreference.BLUR)
    if value not in MaturePreference.values:
        value = MaturePreference.BLUR
    response = HttpResponseRedirect(safe_next_url(request, default="/"))
    if request.user.is_authenticated:
        account_services.mature_preference_set(user=request.user, preference=value)
    else:
        response.set_cookie(
            state.MATURE_COOKIE,
            value,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


@require_POST
@member_required
def follow(request, handle: str):
    person = get_object_or_404(get_user_model(), handle__iexact=handle, is_active=True)
    following_now = request.POST.get("following") == "1"
    count = account_services.follow_set(
        follower=request.user, artist=person, following=following_now
    )
    if request.htmx:
        return render(
            request,
            "gallery/_follow_button.html",
            {"artist": person, "is_following": following_now, "count": count},
        )
    return HttpResponseRedirect(person.get_absolute_url())
