"""Drafts: processed, kept for the artist alone, published later through the upload's path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gallery.models import Artwork
from gallery.signals import artwork_published
from moderation.models import Case, Flag, FlagSource
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory
from tests.gallery import provenance_files as pf
from tests.gallery.posting import add_images, jpeg_file, photo, upload

pytestmark = pytest.mark.django_db

AI_JPEG = pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia"))


@pytest.fixture
def draft(client, artist, django_capture_on_commit_callbacks) -> Artwork:
    return upload(client, artist, django_capture_on_commit_callbacks, title="Secret", draft="1")


def _everywhere(client: Client, artwork: Artwork) -> dict[str, bool]:
    """Whether ``artwork`` shows on each surface for the client's viewer (a listing shows it
    when it links to it: the search page repeats the query, so titles are no proof)."""
    link = f'href="/artworks/{artwork.pk}/'

    def lists(url, params=None) -> bool:
        return link in client.get(url, params or {}).content.decode()

    atom = client.get(reverse("gallery:tag_feed", args=["sea"])).content.decode()
    api_list = client.get(reverse("api:artworks"), {"show": "all"}).json()["results"]
    return {
        "page": client.get(reverse("gallery:artwork_short", args=[artwork.pk])).status_code != 404,
        "api-detail": client.get(reverse("api:artwork", args=[artwork.pk])).status_code == 200,
        "feed": lists("/"),
        "tag": lists(reverse("gallery:tag", args=["sea"])),
        "medium": lists(reverse("gallery:medium", args=["drawing"])),
        "search": lists(reverse("gallery:search"), {"q": artwork.title}),
        "artist": lists(reverse("gallery:artist", args=[artwork.artist.handle])),
        "atom": f"/artworks/{artwork.pk}/" in atom,
        "api-list": any(card["id"] == artwork.pk for card in api_list),
    }


def test_save_as_draft_processes_but_does_not_publish(draft):
    assert draft.status == Artwork.Status.DRAFT
    assert draft.published_at is None and not draft.handoff_pending
    assert draft.images.get().state == "ready"
    draft.artist.refresh_from_db()
    assert draft.artist.artwork_count == 0


@pytest.mark.parametrize("role", ["anonymous", "member", "moderator"])
def test_a_draft_is_on_no_surface_for_anyone_else(draft, role):
    client = Client()
    if role == "member":
        client.force_login(UserFactory(handle="someone"))
    elif role == "moderator":
        client.force_login(ModeratorFactory(handle="mods"))
    assert not any(_everywhere(client, draft).values())


def test_the_owner_sees_the_draft_on_the_drafts_page_and_profile(client, draft):
    drafts_page = client.get(reverse("gallery:drafts"))
    assert drafts_page.status_code == 200 and "Secret" in drafts_page.content.decode()
    profile = client.get(reverse("gallery:artist", args=[draft.artist.handle])).content.decode()
    assert 'id="drafts"' in profile and "Secret" in profile
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'id="draft"' in page and reverse("gallery:artwork_publish", args=[draft.pk]) in page
    api = token_client(draft.artist).get(reverse("api:drafts")).json()
    assert [card["id"] for card in api] == [draft.pk]


def test_nobody_else_gets_the_drafts_list(client, draft, viewer):
    client.force_login(viewer)
    assert "Secret" not in client.get(reverse("gallery:drafts")).content.decode()
    assert token_client(viewer).get(reverse("api:drafts")).json() == []
    assert APIClient().get(reverse("api:drafts")).status_code == 401
    anonymous = Client().get(reverse("gallery:drafts"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


def test_publishing_goes_through_the_upload_path(client, draft, django_capture_on_commit_callbacks):
    sent = []

    def receiver(sender, artwork_id, **kwargs):
        sent.append(artwork_id)

    artwork_published.connect(receiver, sender=Artwork, dispatch_uid="test-drafts")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    finally:
        artwork_published.disconnect(dispatch_uid="test-drafts", sender=Artwork)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.PUBLISHED and draft.published_at is not None
    assert not draft.handoff_pending  # moderation's intake ran and cleared it
    assert all(i.intake_done for i in draft.images.all())
    assert sent == [draft.pk]
    draft.artist.refresh_from_db()
    assert draft.artist.artwork_count == 1
    anonymous = _everywhere(Client(), draft)
    assert all(anonymous.values()), anonymous
    # A second click changes nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    draft.artist.refresh_from_db()
    assert draft.artist.artwork_count == 1 and sent == [draft.pk]


def test_a_mismatched_draft_opens_its_case_only_when_published(
    client, artist, django_capture_on_commit_callbacks
):
    draft = upload(client, artist, django_capture_on_commit_callbacks, data=AI_JPEG, draft="1")
    assert draft.status == Artwork.Status.DRAFT and draft.label_mismatch
    assert not Flag.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    assert Flag.objects.filter(artwork=draft, source=FlagSource.PROVENANCE).exists()
    assert Case.objects.filter(artwork=draft, status=Case.Status.OPEN).exists()


def test_a_relabeled_draft_is_judged_on_its_new_label(
    client, artist, django_capture_on_commit_callbacks
):
    draft = upload(client, artist, django_capture_on_commit_callbacks, data=AI_JPEG, draft="1")
    client.post(
        reverse("gallery:artwork_edit", args=[draft.pk]),
        {"title": "Honest", "medium": "drawing", "label": "ai-generated", "visibility": "public"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.PUBLISHED and not draft.label_mismatch
    assert not Flag.objects.filter(source=FlagSource.PROVENANCE).exists()


def test_a_draft_published_by_an_artist_whose_uploads_are_held_waits_for_approval(
    client, draft, django_capture_on_commit_callbacks
):
    type(draft.artist).objects.filter(pk=draft.artist_id).update(
        uploads_held_until=timezone.now() + timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.AWAITING_APPROVAL
    assert not any(_everywhere(Client(), draft).values())


def test_a_draft_published_while_processing_goes_live_when_ready(
    client, artist, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        client.post(
            reverse("gallery:upload"),
            {"title": "Later", "medium": "drawing", "label": "human-made", "draft": "1",
             "images": [jpeg_file(photo(7))]},
        )  # fmt: skip
    draft = Artwork.objects.get(title="Later")
    assert draft.status == Artwork.Status.PROCESSING
    assert "Later" in client.get(reverse("gallery:drafts")).content.decode()
    client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        for callback in pending:
            callback()
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.PUBLISHED


def test_images_added_to_a_draft_stay_private_until_it_is_published(
    client, draft, django_capture_on_commit_callbacks
):
    add_images(client, draft, django_capture_on_commit_callbacks, finals=[AI_JPEG])
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.DRAFT and draft.label_mismatch
    assert not Flag.objects.exists() and not draft.handoff_pending


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("member", 404), ("moderator", 404), ("suspended-owner", 403)],
)
def test_only_the_owner_publishes(draft, role, expected):
    client = Client()
    if role == "member":
        client.force_login(UserFactory(handle="someone"))
    elif role == "moderator":
        client.force_login(ModeratorFactory(handle="mods"))
    elif role == "suspended-owner":
        type(draft.artist).objects.filter(pk=draft.artist_id).update(
            suspended_until=timezone.now() + timedelta(days=3)
        )
        client.force_login(draft.artist)
    response = client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    assert response.status_code == expected
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.DRAFT


def test_api_upload_as_draft_and_publish(artist, django_capture_on_commit_callbacks):
    api = token_client(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:artworks"),
            {"title": "Api draft", "medium": "drawing", "label": "human-made", "draft": "true",
             "images": [jpeg_file(photo(8))]},
        )  # fmt: skip
    assert response.status_code == 201
    pk = response.json()["id"]
    assert Artwork.objects.get(pk=pk).status == Artwork.Status.DRAFT
    assert APIClient().get(reverse("api:artwork", args=[pk])).status_code == 404
    other = token_client(UserFactory(handle="someone"))
    assert other.post(reverse("api:artwork_publish", args=[pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:artwork_publish", args=[pk]))
    assert response.status_code == 200 and response.json()["published_at"]
    assert APIClient().get(reverse("api:artwork", args=[pk])).status_code == 200
    bad = api.post(
        reverse("api:artworks"),
        {"title": "x", "medium": "drawing", "label": "human-made", "draft": "maybe",
         "images": [jpeg_file(photo(9))]},
    )  # fmt: skip
    assert bad.status_code == 400 and "draft" in bad.json()["errors"]


def test_the_upload_form_offers_draft_and_visibility(client, artist):
    client.force_login(artist)
    page = client.get(reverse("gallery:upload")).content.decode()
    assert 'name="draft" value="1"' in page and "Save as draft" in page
    assert 'name="visibility" value="unlisted"' in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_drafts_lists_cost_the_same_queries_whatever_their_length(
    client, artist, django_assert_num_queries
):
    client.force_login(artist)
    api = token_client(artist)
    page, api_url = reverse("gallery:drafts"), reverse("api:drafts")
    ArtworkFactory(artist=artist, status=Artwork.Status.DRAFT, published_at=None).tags.add("a")
    api.get(api_url)  # the token's first use is written down once
    one_page, one_api = _queries(client, page), _queries(api, api_url)
    for i in range(5):
        draft = ArtworkFactory(artist=artist, status=Artwork.Status.DRAFT, published_at=None)
        draft.tags.add(f"t{i}")
    with django_assert_num_queries(one_page):
        client.get(page)
    with django_assert_num_queries(one_api):
        assert len(api.get(api_url).json()) == 6


def test_an_ai_marked_image_can_leave_a_draft_before_it_is_published(
    client, draft, django_capture_on_commit_callbacks
):
    add_images(client, draft, django_capture_on_commit_callbacks, finals=[AI_JPEG])
    marked = draft.images.order_by("-pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gallery:image_remove", args=[draft.pk, marked.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.label_mismatch and draft.images.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Artwork.Status.PUBLISHED and not draft.label_mismatch
    assert not Flag.objects.exists()
