"""The portfolio (issue 17 item 4): the artist's own "Edit portfolio" page and the public CV.

The artist page itself (gallery.views.feeds.artist) shows the banner, commission status,
links, pinned works and sections. Every write here calls gallery.services.portfolio (or
accounts.services.banner_update), the same services the API calls. The edit page works without
JavaScript: each move, pin or removal is a small POST form with a button, so keyboard users get
the same controls as everyone else.

Who may edit: only the signed-in artist, on their own portfolio (no URL names anyone else's, so
moderators have no way in); suspended members get the suspension page (member_required).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from accounts.banners import BannerRejected
from accounts.services import banner_update
from config.errors import DomainError, Invalid, RateLimited
from gallery import listing_cache, selectors, state
from gallery.forms import PortfolioForm
from gallery.models import Artwork, PortfolioPin, PortfolioSection, Visibility
from gallery.services import portfolio as services
from gallery.views.feeds import blocked_profile

# The works offered for pinning and sections on the edit page: the newest public ones.
CANDIDATES = 60


def artist_cv(request, handle: str):
    """``/@handle/cv/``: a compact, printable CV: name, bio, commission status, links, pinned
    works and sections as a dense list with year and medium (the latest works when the artist
    has not arranged a portfolio). The viewer's label filter and mature choice apply, as on
    every listing. Bare anonymous visitors share one cached page, keyed on the artist's scope
    (every portfolio change and every change to one of the artist's works bumps it)."""
    person = get_object_or_404(get_user_model().objects.by_handle(handle), is_active=True)
    blocked_view = blocked_profile(request, person)
    if blocked_view is not None:
        return blocked_view
    own = request.user.is_authenticated and request.user.pk == person.pk
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    current = None if own else listing_cache.versions([f"artist:{person.pk}"])
    key = current and listing_cache.listing_cache_key(
        surface="portfolio-cv", argument=person.pk, preference=preference, mature=mature,
        cursor=None, part="page", versions=current,
    )  # fmt: skip
    anonymous = not request.user.is_authenticated
    etag = listing_cache.etag_for(key) if key and anonymous else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag)

    def render_page(extra: dict):
        portfolio = selectors.portfolio_of(
            artist_id=person.pk, preference=preference, mature_preference=mature, own=own
        )
        latest = []
        if not portfolio:
            latest = list(
                selectors.artworks_for_listing(
                    preference=preference,
                    mature_preference=mature,
                    artist_id=person.pk,
                    own=own,
                    columns=selectors.PORTFOLIO_COLUMNS,
                )[:12]
            )
        context = {
            "artist": person,
            "own": own,
            "portfolio": portfolio,
            "latest": latest,
            "site_url": request.build_absolute_uri(person.get_absolute_url()),
            **selectors.viewing_choices(preference=preference, mature=mature),
            **extra,
        }
        return render(request, "gallery/artist_cv.html", context)

    response = listing_cache.whole_page(request, key and f"{key}:whole", render_page)
    response.ai_training_allowed = not person.ai_training_opt_out
    return listing_cache.cacheable(request, response, etag)


def _edit_context(request, form: PortfolioForm | None = None) -> dict:
    artist = request.user
    pins = list(
        PortfolioPin.objects.filter(artist_id=artist.pk)
        .select_related("artwork", "artwork__cover", "artwork__artist")
        .order_by("position")
    )
    sections = list(
        PortfolioSection.objects.filter(artist_id=artist.pk)
        .prefetch_related("items__artwork__cover", "items__artwork__artist")
        .order_by("position", "id")
    )
    candidates = list(
        Artwork.objects.filter(
            artist_id=artist.pk, status=Artwork.Status.PUBLISHED, visibility=Visibility.PUBLIC
        )
        .select_related("cover", "artist")
        .order_by("-published_at", "-id")[:CANDIDATES]
    )
    pinned_ids = {p.artwork_id for p in pins}
    if form is None:
        form = PortfolioForm(
            initial={
                "commission_status": artist.commission_status,
                "commission_note": artist.commission_note,
            }
        )
    if not artist.banner:
        form.fields.pop("remove_banner", None)
    return {
        "form": form,
        "pins": pins,
        "sections": sections,
        "candidates": candidates,
        "pinned_ids": pinned_ids,
        "max_pins": services.MAX_PINS,
        "max_sections": services.MAX_SECTIONS,
        "pins_full": len(pins) >= services.MAX_PINS,
    }


def _refused(request, exc: DomainError):
    """The edit page again, saying why (the service's sentence), with the error's status."""
    context = _edit_context(request)
    context["error"] = exc.messages
    response = render(request, "gallery/portfolio_edit.html", context, status=exc.status)
    for header, value in exc.headers.items():
        response[header] = value
    return response


def _back(request, anchor: str, message: str):
    messages.success(request, message)
    return redirect(reverse("gallery:portfolio_edit") + anchor)


@require_http_methods(["GET", "POST"])
@member_required
def portfolio_edit(request):
    """The artist's own portfolio page: commission status, banner, pinned works, sections."""
    if request.method == "GET":
        return render(request, "gallery/portfolio_edit.html", _edit_context(request))
    form = PortfolioForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.commission_set(
                artist=request.user,
                status=data["commission_status"] or "",
                note=data["commission_note"],
            )
            banner_update(
                user=request.user,
                banner=data["banner_file"],
                remove=bool(data.get("remove_banner")),
            )
        except BannerRejected as exc:
            form.add_error("banner_file", str(exc))
        except RateLimited as exc:
            form.add_error("banner_file", exc.message)
            status = 429
        except Invalid as exc:
            for field, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.field_errors:
                form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            request.user.refresh_from_db(fields=["banner", "banner_pending", "banner_error"])
            if request.user.banner_pending:
                messages.info(request, "Your new banner is being processed.")
            return _back(request, "", "Your portfolio is saved.")
    return render(
        request, "gallery/portfolio_edit.html", _edit_context(request, form), status=status
    )


@require_POST
@member_required
def portfolio_pins(request):
    """Pin, unpin, or move a pinned work up or down (``action`` and ``artwork``)."""
    action = request.POST.get("action", "")
    artwork_id = request.POST.get("artwork", "")
    try:
        if action == "pin":
            services.pin_add(artist=request.user, artwork_id=artwork_id)
            message = "Pinned."
        elif action == "unpin":
            services.pin_remove(artist=request.user, artwork_id=artwork_id)
            message = "Unpinned."
        elif action in (services.UP, services.DOWN):
            services.pin_move(artist=request.user, artwork_id=artwork_id, direction=action)
            message = f"Moved {action}."
        else:
            raise Invalid("Choose pin, unpin, up or down.")
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request, "#pinned", message)


@require_POST
@member_required
def portfolio_section_create(request):
    try:
        services.section_create(artist=request.user, title=request.POST.get("title", ""))
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request, "#sections", "Section added.")


@require_POST
@member_required
def portfolio_section(request, pk: int):
    """One section's controls: rename, delete, move, add a work, remove or move a work."""
    action = request.POST.get("action", "")
    artwork_id = request.POST.get("artwork", "")
    try:
        section = services.section_get(artist=request.user, section_id=pk)
        if action == "rename":
            services.section_rename(
                artist=request.user, section=section, title=request.POST.get("title", "")
            )
            message = "Section renamed."
        elif action == "delete":
            services.section_delete(artist=request.user, section=section)
            message = "Section deleted."
        elif action in (services.UP, services.DOWN):
            services.section_move(artist=request.user, section=section, direction=action)
            message = f"Section moved {action}."
        elif action == "add":
            services.section_add(artist=request.user, section=section, artwork_id=artwork_id)
            message = f"Added to {section.title}."
        elif action == "remove":
            services.section_remove(artist=request.user, section=section, artwork_id=artwork_id)
            message = f"Removed from {section.title}."
        elif action in ("work-up", "work-down"):
            services.section_work_move(
                artist=request.user,
                section=section,
                artwork_id=artwork_id,
                direction=action.removeprefix("work-"),
            )
            message = "Moved."
        else:
            raise Invalid("Choose what to do with the section.")
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request, f"#section-{pk}" if action != "delete" else "#sections", message)


@require_POST
@member_required
def portfolio_section_add(request):
    """The "Add to section" form beside each work: the section comes from a select in the form."""
    section_id = request.POST.get("section", "")
    try:
        section = services.section_get(artist=request.user, section_id=section_id)
        services.section_add(
            artist=request.user, section=section, artwork_id=request.POST.get("artwork", "")
        )
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request, f"#section-{section.pk}", f"Added to {section.title}.")
