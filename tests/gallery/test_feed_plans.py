"""Every listing reads an index on 100,000 artworks, on its first page and 10,000 artworks deep.

The plans are PostgreSQL's, for the exact query ``gallery.selectors.keyset_page`` sends (caught
on its way to the cursor, parameters and all). The seed (``gallery.demo.bulk_seed``) is made once
for the module inside a transaction that is rolled back at the end: ANALYZE counts the
transaction's own rows, and nothing is left for other tests to trip over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from gallery import selectors
from gallery.demo import bulk_seed
from gallery.models import TaggedArtwork

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.xdist_group("heavy")]

ARTWORKS = 100_000
ARTISTS = 500
DEEP = 10_000
# A plan that sorts every matching row costs tens of thousands; a walk down an index, a few
# hundred (23 to 510 here, at 100,000 and at 1,000,000 artworks).
MAX_FIRST_PAGE_COST = 1000
# Rows read from gallery_artwork for one page (24 + 1 rows). A tag carried by one artwork in 30
# reads about 750; the bad plans read 10,000 (a deep page filtered instead of sought) or the
# whole feed (a rare tag walked down the feed index).
MAX_ROWS_READ = 2500
MAX_RARE_TAG_MS = 50.0

TAG_INDEX = "an index of gallery_taggedartwork leading with tag_id"
LISTINGS = {
    # name: (artworks_for_listing arguments, indexes of which the plan must use at least one)
    "human": ({"preference": "human"}, {"gallery_artwork_feed_human"}),
    "assisted-minor": ({"preference": "assisted-minor"}, {"gallery_artwork_feed_assisted"}),
    "assisted": ({"preference": "assisted"}, {"gallery_artwork_feed_assisted"}),
    "all": ({"preference": "all"}, {"gallery_artwork_feed_all"}),
    "tag0": ({"preference": "human", "tag": "tag0"}, {"gallery_artwork_feed_human"}),
    # From the tag's own rows on the first page; deep down, the feed index again.
    "rare-old": (
        {"preference": "human", "tag": "rare-old"},
        {TAG_INDEX, "gallery_artwork_feed_human"},
    ),
    "artist": ({"preference": "human", "artist": "seed1"}, {"gallery_artwork_feed_artist"}),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[dict[str, int]]:
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("query plans are PostgreSQL's")
        outer = transaction.atomic()
        outer.__enter__()
        try:
            bulk_seed(artworks=ARTWORKS, artists=ARTISTS)
            with connection.cursor() as cursor:
                # Check the seed's deferred foreign keys now, once: left queued, every test's
                # savepoint rollback would re-queue them and its teardown check them again (6 s).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(
                    "ANALYZE gallery_artwork, gallery_artworkimage, gallery_taggedartwork, "
                    "taggit_tag, accounts_user"
                )
            from accounts.models import User

            yield {"seed1": User.objects.get(handle="seed1").pk}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def listing(name: str, seeded: dict[str, int]):
    arguments, _ = LISTINGS[name]
    arguments = dict(arguments)
    if "artist" in arguments:
        arguments["artist_id"] = seeded[arguments.pop("artist")]
    return selectors.artworks_for_listing(**arguments)


def deep_cursor(qs) -> str:
    """The cursor 10,000 artworks in, or as deep as still leaves a full page and one more."""
    total = qs.count()
    depth = min(DEEP, total - selectors.PAGE_SIZE - 1)
    assert depth > 0, f"only {total} artworks in this listing"
    item = qs.select_related(None).only("published_at")[depth - 1 : depth].get()
    return selectors.encode_cursor(item)


def page_and_query(qs, cursor: str | None) -> tuple[selectors.Page, str, tuple]:
    """Run keyset_page and catch the one query it sends, with its parameters."""
    sent: list[tuple[str, tuple]] = []

    def catch(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(catch):
        page = selectors.keyset_page(qs, cursor)
    assert len(sent) == 1, sent
    return page, *sent[0]


def explain(sql: str, params, *, analyze: bool = False) -> dict:
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        (document,) = cursor.fetchone()
    return (json.loads(document) if isinstance(document, str) else document)[0]


def nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def artwork_scans(plan: dict) -> list[dict]:
    return [n for n in nodes(plan["Plan"]) if n.get("Relation Name") == "gallery_artwork"]


def indexes_used(plan: dict) -> set[str]:
    """Index names in the plan; TAG_INDEX stands for gallery_tagged_tag_artwork and the like."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "gallery_taggedartwork")
    by_tag = {name for name, c in constraints.items() if c["index"] and c["columns"][0] == "tag_id"}
    used = {n["Index Name"] for n in nodes(plan["Plan"]) if "Index Name" in n}
    return used | ({TAG_INDEX} if used & by_tag else set())


def rows_read(plan: dict) -> int:
    """Rows taken from gallery_artwork: returned plus filtered out, over every loop."""
    total = 0.0
    for node in artwork_scans(plan):
        taken = sum(
            node.get(key, 0)
            for key in ("Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck")
        )
        total += taken * node["Actual Loops"]  # PostgreSQL shows per-loop averages
    return round(total)


def summary(plan: dict) -> str:
    lines = []

    def walk(node: dict, depth: int) -> None:
        where = " ".join(
            f"{key}={node[key]}"
            for key in ("Relation Name", "Index Name", "Index Cond", "Filter")
            if key in node
        )
        lines.append(f"{'  ' * depth}{node['Node Type']} {where} cost={node['Total Cost']}")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    return "\n".join(lines)


@pytest.mark.parametrize("depth", ["first", "deep"])
@pytest.mark.parametrize("name", list(LISTINGS))
def test_listing_page_walks_an_index_without_a_sequential_scan(seeded, name, depth):
    qs = listing(name, seeded)
    cursor = deep_cursor(qs) if depth == "deep" else None

    page, sql, params = page_and_query(qs, cursor)

    assert len(page.items) == selectors.PAGE_SIZE and page.next_cursor
    keys = [(item.published_at, item.pk) for item in page.items]
    assert keys == sorted(keys, reverse=True)
    if cursor:
        assert keys[0] < selectors.decode_cursor(cursor)
    plan = explain(sql, params)
    shown = summary(plan)
    assert not [n for n in artwork_scans(plan) if n["Node Type"] == "Seq Scan"], shown
    assert indexes_used(plan) & LISTINGS[name][1], shown
    if depth == "first":
        assert plan["Plan"]["Total Cost"] < MAX_FIRST_PAGE_COST, shown
    analyzed = explain(sql, params, analyze=True)
    assert rows_read(analyzed) < MAX_ROWS_READ, summary(analyzed)


def test_rare_tag_on_old_artworks_starts_from_the_tag_index(seeded):
    """The plan FACTS.md warns about: walking a whole index for 50 old rows took 110-350 ms."""
    qs = listing("rare-old", seeded)

    page, sql, params = page_and_query(qs, None)

    assert len(page.items) == selectors.PAGE_SIZE
    tagged = TaggedArtwork.objects.filter(tag__slug="rare-old", content_object__in=page.items)
    assert tagged.count() == selectors.PAGE_SIZE
    analyzed = explain(sql, params, analyze=True)
    shown = summary(analyzed)
    assert TAG_INDEX in indexes_used(analyzed), shown
    assert rows_read(analyzed) < 200, shown
    assert analyzed["Execution Time"] < MAX_RARE_TAG_MS, shown
