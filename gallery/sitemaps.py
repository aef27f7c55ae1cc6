"""The sitemap: ``/sitemap.xml``, an index of paginated sections for search engines.

Sections: ``/sitemap-artworks.xml?p=N`` (human-made works) and ``/sitemap-artists.xml?p=N``
(their artists). The issue asks for human-only: a work is in the sitemap when the human-only
listing shows it (``state.listing_q`` with the human preset: published, public visibility, an
active account, labeled human-made, nothing disputing the label) and its artist is neither
suspended nor closing their account. Drafts, unlisted, held, mismatched, hidden, removed and
processing posts and every AI-assisted or AI-generated one stay out. An artist is in it when
at least one of their works is. Mature works are listed (their pages are public, blurred for
visitors who did not opt in) but without an ``<image:image>``, as their pages carry no
``og:image``: an image search would show them plainly.

Pages are ranges of ids, not offsets: page N holds the listed rows with ids in
``((N-1)*size, N*size]``, read in one query through the primary key however deep the page
(an OFFSET at 1,000,000 rows would walk every row before it). A page holds at most ``size``
URLs (``SITEMAP_PAGE_SIZE``) and may hold fewer; the index lists only the pages that hold
any, with their newest ``lastmod``, in one grouping query per section.

Measured on 300,000 seeded artworks by 3,000 artists (2 shared cores at a load of about 8, so
upper bounds): an artwork page of 10,000 ids 0.1 s of SQL and 0.7-1.8 s in all (the covers'
JSON and the slugs; written out without a template, which alone took 1.7 s); the artworks
index query 1.3 s (it reads every listed row: about 4 s at 1,000,000, once per cache period);
the artists' 0.2 s. Not measured at 1,000,000.

Every document is cached for ``SITEMAP_CACHE_SECONDS`` under a key holding the host (links
follow it when ``SITE_URL`` is unset) and the ``all`` listing version (gallery.listing_cache:
suspensions, closed accounts and renames retire it at once). Other changes reach the sitemap
within the TTL: re-reading a whole section on every like or edit would cost more than the
lag is worth, and the pages themselves answer for what they are (a removed work's page is
gone, a hidden or unlisted one says noindex). Responses are the same for everyone, set no
cookie, and are public with an ETag.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_safe

from accounts.models import FeedPreference
from config.urls_abs import absolute_url, site_base
from gallery import listing_cache, state
from gallery.models import Artwork, artwork_slug, public_best

# Sitemaps name image files in <image:image>; the cover's size matches the artwork page's.
IMAGE_WIDTH = 1280
# A page number beyond this is refused before it reaches SQL (a bigint would overflow).
MAX_PAGE = 10**9
# What ``public_best`` reads of the cover.
IMAGE_COLUMNS = ("cover__derivatives", "cover__public_files")
PAGE_RE = re.compile(r"[0-9]{1,10}")
# Bumped when the documents' markup (index_document, urlset_document) changes: the cache
# keys and ETags start afresh.
FORMAT = "2"
CONTENT_TYPE = "application/xml; charset=utf-8"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"


def _not_suspended(prefix: str, now) -> Q:
    return Q(**{f"{prefix}suspended_until__isnull": True}) | Q(
        **{f"{prefix}suspended_until__lte": now}
    )


def listed_artworks(now=None) -> QuerySet[Artwork]:
    """Every work the sitemap lists (the module's docstring says which), unordered."""
    now = now or timezone.now()
    return Artwork.objects.filter(
        state.listing_q(FeedPreference.HUMAN, now=now),
        _not_suspended("artist__", now),
        artist__deletion_requested_at__isnull=True,
    )


def listed_artists(now=None) -> QuerySet:
    """Every artist the sitemap lists, annotated with ``lastmod``: their newest listed work's
    publication (found through the ``gallery_artwork_feed_artist`` index)."""
    now = now or timezone.now()
    newest = (
        listed_artworks(now)
        .filter(artist_id=OuterRef("pk"))
        .order_by("-published_at", "-id")
        .values("published_at")[:1]
    )
    return (
        get_user_model()
        .objects.filter(_not_suspended("", now), is_active=True, deletion_requested_at__isnull=True)
        .annotate(lastmod=Subquery(newest))
        .filter(lastmod__isnull=False)
    )


PK_MARK, SLUG_MARK = 987654321, "sitemap-slug-mark"


def _path_maker(name: str, **kwargs):
    """``reverse(name)`` once, with marks where the values go; the returned function fills
    them in (the URLconf still decides the shape, at a string replace per row)."""
    template = reverse(name, kwargs=kwargs)
    if PK_MARK in kwargs.values():

        def path(pk: int, text: str) -> str:
            return template.replace(str(PK_MARK), str(pk)).replace(SLUG_MARK, text)

        return path
    return lambda text: template.replace(SLUG_MARK, text)


class Section(ABC):
    """One kind of sitemap document (artworks, artists): what it lists, which column dates
    it, and how one id-range page is written; ``pages`` is shared."""

    name = ""

    @abstractmethod
    def rows(self) -> QuerySet:
        """Every listed row of this section, unordered."""

    @abstractmethod
    def lastmod_field(self) -> str:
        """The column a row's ``lastmod`` comes from."""

    def pages(self, size: int) -> list[tuple[int, datetime]]:
        """(page number, newest lastmod) of every page holding a row: one query."""
        found = (
            self.rows()
            .annotate(bucket=(F("id") - 1) / size + 1)
            .values("bucket")
            .annotate(newest=Max(self.lastmod_field()))
            .order_by("bucket")
            .values_list("bucket", "newest")
        )
        return list(found)

    @abstractmethod
    def page(self, number: int, size: int) -> list[dict]:
        """The entries of page ``number`` (ids in ``((number-1)*size, number*size]``)."""


class ArtworkSection(Section):
    name = "artworks"

    def rows(self) -> QuerySet:
        return listed_artworks()

    def lastmod_field(self) -> str:
        return "updated_at"

    def page(self, number: int, size: int) -> list[dict]:
        """The page's URLs with lastmod and, unless mature, the cover: one query, values
        rather than rows (10,000 model instances and ``reverse`` calls cost seconds)."""
        works = (
            self.rows()
            .filter(id__gt=(number - 1) * size, id__lte=number * size)
            .order_by("id")
            .values_list("id", "title", "updated_at", "mature", *IMAGE_COLUMNS)
        )
        path = _path_maker("gallery:artwork", pk=PK_MARK, slug=SLUG_MARK)
        entries = []
        for pk, title, updated_at, mature, derivatives, public_files in works:
            image = None
            if derivatives and not mature:
                chosen = public_best(derivatives, public_files, "jpeg", IMAGE_WIDTH)
                image = absolute_url(None, chosen["url"]) if chosen else None
            entries.append(
                {
                    "location": absolute_url(None, path(pk, artwork_slug(title))),
                    "lastmod": updated_at,
                    "image": image,
                }
            )
        return entries


class ArtistSection(Section):
    name = "artists"

    def rows(self) -> QuerySet:
        return listed_artists()

    def lastmod_field(self) -> str:
        return "lastmod"

    def page(self, number: int, size: int) -> list[dict]:
        people = (
            self.rows()
            .filter(id__gt=(number - 1) * size, id__lte=number * size)
            .order_by("id")
            .values_list("handle", "lastmod")
        )
        path = _path_maker("gallery:artist", handle=SLUG_MARK)
        return [
            {"location": absolute_url(None, path(handle)), "lastmod": lastmod, "image": None}
            for handle, lastmod in people
        ]


SECTIONS = {section.name: section for section in (ArtworkSection(), ArtistSection())}


def _w3c(moment: datetime | None) -> str:
    """A lastmod as W3C Datetime in UTC, to the second."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _page_number(request) -> int:
    """``?p=N`` (1 when absent); anything else than a whole number from 1 is a 404, as
    Django's sitemap answers a page that does not exist."""
    raw = request.GET.get("p", "1")
    if not PAGE_RE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise Http404("No such sitemap page.")
    return int(raw)


def _respond(request, part: str, render) -> HttpResponse:
    """The document ``render()`` builds, cached with its ETag (see the module docstring)."""
    size = settings.SITEMAP_PAGE_SIZE
    versions = listing_cache.versions([])
    stored = None
    key = None
    if versions is not None:
        raw = "\x1f".join((FORMAT, site_base(), part, str(size), versions))
        key = "sm:" + hashlib.sha256(raw.encode()).hexdigest()
        stored = cache.get(key)
    if stored is None:
        body = render(size)
        if body is None:
            raise Http404("No such sitemap page.")
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
        stored = (etag, body)
        if key is not None:
            cache.set(key, stored, settings.SITEMAP_CACHE_SECONDS)
    etag, body = stored
    asked = request.headers.get("If-None-Match", "")
    sent = [t.strip().removeprefix("W/") for t in asked.split(",")]
    response = HttpResponseNotModified() if etag in sent else HttpResponse(body, CONTENT_TYPE)
    response["ETag"] = etag
    response["Cache-Control"] = (
        f"public, max-age={listing_cache.PUBLIC_MAX_AGE}, "
        f"stale-while-revalidate={listing_cache.STALE_WHILE_REVALIDATE}"
    )
    # A sitemap is for crawlers to read, not a page to show in results.
    response["X-Robots-Tag"] = "noindex, noai, noimageai"
    return response


def _element(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def index_document(entries: list[dict]) -> str:
    """The index's XML (written out, not through a template: a template costs about 0.25 ms
    per entry, seconds for a page of 10,000)."""
    rows = [
        f"<sitemap>{_element('loc', e['location'])}{_element('lastmod', e['lastmod'])}</sitemap>\n"
        for e in entries
    ]
    return f'{XML_HEAD}<sitemapindex xmlns="{SITEMAP_NS}">\n{"".join(rows)}</sitemapindex>\n'


def urlset_document(entries: list[dict]) -> str:
    """A section page's XML: each URL, its lastmod and its image, every value escaped."""
    rows = []
    for e in entries:
        image = e["image"]
        image = f"<image:image>{_element('image:loc', image)}</image:image>" if image else ""
        loc, lastmod = _element("loc", e["location"]), _element("lastmod", _w3c(e["lastmod"]))
        rows.append(f"<url>{loc}{lastmod}{image}</url>\n")
    return (
        f'{XML_HEAD}<urlset xmlns="{SITEMAP_NS}" xmlns:image="{IMAGE_NS}">\n'
        f"{''.join(rows)}</urlset>\n"
    )


@require_safe
def sitemap_index(request) -> HttpResponse:
    def render(size: int) -> str:
        entries = []
        for section in SECTIONS.values():
            # An empty section still has its first page, so the index is never empty.
            pages = section.pages(size) or [(1, None)]
            base = absolute_url(None, f"/sitemap-{section.name}.xml")
            entries += [{"location": f"{base}?p={n}", "lastmod": _w3c(m)} for n, m in pages]
        return index_document(entries)

    return _respond(request, "index", render)


def _section_view(section: Section):
    @require_safe
    def view(request) -> HttpResponse:
        number = _page_number(request)

        def render(size: int) -> str | None:
            entries = section.page(number, size)
            if not entries and number > 1:
                return None
            return urlset_document(entries)

        return _respond(request, f"{section.name}:{number}", render)

    view.__name__ = f"sitemap_{section.name}"
    return view


sitemap_artworks = _section_view(SECTIONS["artworks"])
sitemap_artists = _section_view(SECTIONS["artists"])
