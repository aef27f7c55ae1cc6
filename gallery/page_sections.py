"""Sections that apps to gallery's right add under an artwork's page: community's comments.

gallery never imports those apps (the import order is accounts ← gallery ← community ←
moderation ← api). They register a ``Section`` here from their ``AppConfig.ready()``, and
``gallery.views.artworks.artwork_detail`` renders each one below the work.

A section lives outside the page's cached fragments (those are keyed on the post's and its
artist's versions, and must not re-render on every comment). Its ``scopes`` are
``gallery.listing_cache`` scopes whose versions join the page's ETag, so an anonymous visitor's
revalidation sees a change at once; the section caches its own markup as it sees fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from gallery.models import Artwork


@dataclass(frozen=True)
class Section:
    # A unique name: registering it again (a second ready(), tests) replaces it.
    name: str
    # The cache scopes its markup reads for this artwork (e.g. ``comments:<id>``).
    scopes: Callable[[Artwork], list[str]]
    # Its markup for this request: called only when the page is rendered (not for a 304).
    render: Callable[[HttpRequest, Artwork], str]


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.name] = section


def sections() -> list[Section]:
    return list(_SECTIONS.values())


def scopes(artwork: Artwork) -> list[str]:
    return [scope for section in _SECTIONS.values() for scope in section.scopes(artwork)]
