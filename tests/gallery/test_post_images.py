"""Images added to, removed from and reordered on a published post, and its cover (issue 17.6)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from gallery.models import Artwork, ArtworkImage
from gallery.services.posting import artwork_images_reorder
from gallery.services.upload_keys import upload_key_issue
from gallery.storage import private_storage
from moderation.models import Case, Flag, FlagSource
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory
from tests.gallery import provenance_files as pf
from tests.gallery.posting import add_images, photo, upload

pytestmark = pytest.mark.django_db

Kind = ArtworkImage.Kind
AI_JPEG = pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia"))


@pytest.fixture
def posted(client, artist, django_capture_on_commit_callbacks) -> Artwork:
    return upload(client, artist, django_capture_on_commit_callbacks)


def _finals(artwork) -> list[ArtworkImage]:
    return list(artwork.images.filter(kind=Kind.FINAL).order_by("position", "id"))


def test_added_images_run_the_pipeline_and_appear_on_the_post(
    client, posted, django_capture_on_commit_callbacks
):
    response = add_images(
        client, posted, django_capture_on_commit_callbacks, finals=[photo(2)], process=[photo(3)]
    )
    assert response.status_code == 302 and response.url.endswith("#images")
    posted.refresh_from_db()
    assert posted.status == Artwork.Status.PUBLISHED and posted.image_count == 2
    new = posted.images.exclude(pk=posted.cover_id)
    assert {i.state for i in new} == {ArtworkImage.State.READY}
    assert {(i.kind, i.position) for i in new} == {(Kind.FINAL, 1), (Kind.PROCESS, 0)}
    assert all(i.derivatives and i.provenance is not None for i in new)
    # Checked by moderation's intake as an upload's images are; nothing found here.
    assert all(i.intake_done for i in posted.images.all())
    assert not posted.handoff_pending and not Flag.objects.exists()
    client.logout()
    page = client.get(posted.get_absolute_url()).content.decode()
    assert all(i.best_url() in page for i in new)


def test_an_ai_marked_image_added_to_a_human_made_post_opens_a_case(
    client, posted, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, process=[AI_JPEG])
    posted.refresh_from_db()
    assert posted.label_mismatch and posted.provenance_verdict == "ai-generated"
    flag = Flag.objects.get(artwork=posted, source=FlagSource.PROVENANCE)
    assert flag.reason == "undisclosed-ai" and flag.evidence
    assert Case.objects.filter(artwork=posted, status=Case.Status.OPEN).exists()
    # Out of the human-only feed at once, exactly like an upload with that file.
    client.logout()
    assert posted.title not in client.get("/").content.decode()


def test_a_near_duplicate_added_later_is_checked_like_an_upload(
    client, artist, other_artist, django_capture_on_commit_callbacks
):
    upload(client, other_artist, django_capture_on_commit_callbacks, data=photo(40))
    mine = upload(client, artist, django_capture_on_commit_callbacks, data=photo(41))
    assert not Flag.objects.exists()
    copy = io.BytesIO()
    Image.open(io.BytesIO(photo(40))).resize((500, 375)).save(copy, "JPEG", quality=70)
    add_images(client, mine, django_capture_on_commit_callbacks, finals=[copy.getvalue()])
    flag = Flag.objects.get(source=FlagSource.DUPLICATE)
    assert flag.artwork_id == mine.pk and flag.reason == "stolen"


def test_a_bad_file_is_refused_with_its_name_and_nothing_is_stored(
    client, posted, django_capture_on_commit_callbacks
):
    response = add_images(
        client,
        posted,
        django_capture_on_commit_callbacks,
        finals=[photo(2), b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"],
    )
    assert response.status_code == 400
    assert "f1.jpg" in response.content.decode()
    assert posted.images.count() == 1


def test_the_per_post_count_limit_counts_existing_images(
    client, posted, settings, django_capture_on_commit_callbacks
):
    settings.ATELIER_MAX_IMAGES_PER_POST = 2
    response = add_images(
        client, posted, django_capture_on_commit_callbacks, finals=[photo(2)], process=[photo(3)]
    )
    assert response.status_code == 400 and "At most 2 images" in response.content.decode()
    assert posted.images.count() == 1


def test_a_double_submit_of_the_add_form_adds_once(
    client, posted, django_capture_on_commit_callbacks
):
    key = upload_key_issue()
    for _ in range(2):
        response = add_images(
            client, posted, django_capture_on_commit_callbacks,
            finals=[photo(2)], idempotency_key=key,
        )  # fmt: skip
        assert response.status_code == 302
    assert posted.images.count() == 2


def test_the_api_add_with_the_same_idempotency_key_adds_once(
    posted, django_capture_on_commit_callbacks
):
    from tests.api.clients import token_client
    from tests.gallery.posting import jpeg_file

    api = token_client(posted.artist)
    url = reverse("api:artwork_images", args=[posted.pk])
    codes = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                url, {"images": [jpeg_file(photo(5))]}, HTTP_IDEMPOTENCY_KEY="add-1"
            )
        codes.append(response.status_code)
    assert codes == [201, 200]
    assert posted.images.count() == 2
    assert len(response.json()["images"]) == 2


def test_the_last_final_image_cannot_be_removed(client, posted):
    response = client.post(reverse("gallery:image_remove", args=[posted.pk, posted.cover_id]))
    assert response.status_code == 400
    assert "at least one final image" in response.content.decode()
    assert posted.images.count() == 1


def test_removing_the_cover_falls_back_and_deletes_its_files(
    client, posted, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)])
    first, second = _finals(posted)
    names = [d["name"] for d in first.derivatives]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gallery:image_remove", args=[posted.pk, first.pk]))
    assert response.status_code == 302
    posted.refresh_from_db()
    assert posted.cover_id == second.pk and posted.image_count == 1
    assert list(posted.images.values_list("position", flat=True)) == [0]
    assert not any(default_storage.exists(n) for n in names)
    assert not private_storage().exists(first.original.name)


def test_the_remove_link_asks_for_confirmation_first(client, posted):
    response = client.get(reverse("gallery:image_remove", args=[posted.pk, posted.cover_id]))
    assert response.status_code == 200
    assert "Remove the image" in response.content.decode()
    assert posted.images.count() == 1


def test_the_flagged_image_of_an_open_ai_case_cannot_be_removed(
    client, posted, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[AI_JPEG])
    flagged = _finals(posted)[1]
    response = client.post(reverse("gallery:image_remove", args=[posted.pk, flagged.pk]))
    assert response.status_code == 409
    assert "Moderators are reviewing this post" in response.content.decode()
    assert ArtworkImage.objects.filter(pk=flagged.pk).exists()
    assert Case.objects.filter(artwork=posted, status=Case.Status.OPEN).exists()
    # The edit page says so rather than offering the button.
    page = client.get(reverse("gallery:artwork_edit", args=[posted.pk])).content.decode()
    assert 'id="images-locked"' in page
    assert reverse("gallery:image_remove", args=[posted.pk, flagged.pk]) not in page


def test_up_and_down_buttons_reorder_without_javascript(
    client, posted, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2), photo(3)])
    a, b, c = _finals(posted)
    client.post(reverse("gallery:image_move", args=[posted.pk]), {"image": c.pk, "direction": "up"})
    assert [i.pk for i in _finals(posted)] == [a.pk, c.pk, b.pk]
    client.post(
        reverse("gallery:image_move", args=[posted.pk]), {"image": a.pk, "direction": "up"}
    )  # already first: nothing moves
    assert [i.pk for i in _finals(posted)] == [a.pk, c.pk, b.pk]


def test_reordering_with_a_foreign_id_is_refused_and_changes_nothing(
    client, posted, other_artist, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)])
    a, b = _finals(posted)
    foreign = ArtworkFactory(artist=other_artist).cover_id
    for order in ([b.pk, foreign], [b.pk, a.pk, foreign], [b.pk, b.pk], [b.pk]):
        response = client.post(
            reverse("gallery:image_move", args=[posted.pk]), {"kind": "final", "order": order}
        )
        assert response.status_code == 400, order
    assert [i.pk for i in _finals(posted)] == [a.pk, b.pk]
    response = client.post(
        reverse("gallery:image_move", args=[posted.pk]), {"kind": "final", "order": [b.pk, a.pk]}
    )
    assert response.status_code == 302 and [i.pk for i in _finals(posted)] == [b.pk, a.pk]


def test_the_cover_must_be_a_ready_final_image_of_the_post(
    client, posted, other_artist, django_capture_on_commit_callbacks
):
    add_images(
        client, posted, django_capture_on_commit_callbacks, finals=[photo(2)], process=[photo(3)]
    )
    second = _finals(posted)[1]
    process = posted.images.get(kind=Kind.PROCESS)
    foreign = ArtworkFactory(artist=other_artist).cover_id
    for image_id in (process.pk, foreign, "x"):
        response = client.post(reverse("gallery:cover_set", args=[posted.pk]), {"image": image_id})
        assert response.status_code == 400
    response = client.post(reverse("gallery:cover_set", args=[posted.pk]), {"image": second.pk})
    assert response.status_code == 302
    posted.refresh_from_db()
    assert posted.cover_id == second.pk


def test_the_post_never_breaks_while_new_images_process(
    client, posted, django_capture_on_commit_callbacks
):
    # The tasks are not run: the new images stay pending, as on a busy worker.
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)], execute=False)
    pending = posted.images.get(state=ArtworkImage.State.PENDING)
    assert client.get(reverse("gallery:artwork_edit", args=[posted.pk])).status_code == 200
    owner_api = client.get(reverse("api:artwork", args=[posted.pk])).json()
    states = {i["id"]: i["state"] for i in owner_api["processing"]["images"]}
    assert states[pending.pk] == "pending" and len(owner_api["images"]) == 1
    client.logout()
    page = client.get(posted.get_absolute_url())
    assert page.status_code == 200 and "still being processed" not in page.content.decode()
    assert client.get(reverse("api:artwork", args=[posted.pk])).status_code == 200
    assert client.get("/").status_code == 200
    posted.refresh_from_db()
    assert posted.status == Artwork.Status.PUBLISHED


def test_a_failed_new_image_leaves_the_post_up(client, posted, django_capture_on_commit_callbacks):
    from gallery.services.pipeline import image_fail

    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)], execute=False)
    pending = posted.images.get(state=ArtworkImage.State.PENDING)
    image_fail(image_id=pending.pk, reason="Could not read it.")
    posted.refresh_from_db()
    assert posted.status == Artwork.Status.PUBLISHED
    page = client.get(reverse("gallery:artwork_edit", args=[posted.pk])).content.decode()
    assert "Could not read it." in page
    # The artist removes it; the post is as before.
    client.post(reverse("gallery:image_remove", args=[posted.pk, pending.pk]))
    assert posted.images.count() == 1


def test_anonymous_cached_pages_follow_add_reorder_remove_and_cover_at_once(
    client, posted, django_capture_on_commit_callbacks
):
    anonymous = Client()
    url = posted.get_absolute_url()
    first_cover = posted.cover.best_url()
    assert first_cover in anonymous.get(url).content.decode()
    assert first_cover in anonymous.get("/").content.decode()  # the feed's cached card

    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)])
    second = _finals(posted)[1]
    assert second.best_url() in anonymous.get(url).content.decode()

    client.post(
        reverse("gallery:image_move", args=[posted.pk]), {"image": second.pk, "direction": "up"}
    )
    images = anonymous.get(url).content.decode().split('class="artwork-images', 1)[1]
    assert images.index(second.best_url()) < images.index(first_cover)

    client.post(reverse("gallery:cover_set", args=[posted.pk]), {"image": second.pk})
    feed = anonymous.get("/").content.decode()
    assert second.best_url() in feed and first_cover not in feed

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:image_remove", args=[posted.pk, second.pk]))
    page = anonymous.get(url).content.decode()
    assert second.best_url() not in page and first_cover in page
    assert first_cover in anonymous.get("/").content.decode()


def test_an_artist_whose_uploads_are_held_cannot_add_images(
    client, posted, django_capture_on_commit_callbacks
):
    type(posted.artist).objects.filter(pk=posted.artist_id).update(
        uploads_held_until=timezone.now() + timedelta(days=3)
    )
    response = add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)])
    assert response.status_code == 403
    assert posted.images.count() == 1


# --- Who may do what ----------------------------------------------------------------------------

ROLES = ["anonymous", "member", "trusted", "moderator", "owner", "suspended-owner"]
# What each role gets from each image action: the owner's success code, and otherwise a redirect
# to the login page (anonymous), a 404 that does not reveal the post (others, moderators) or
# the suspended member's 403 page.
EXPECTED = {
    "anonymous": 302, "member": 404, "trusted": 404, "moderator": 404, "suspended-owner": 403
}  # fmt: skip


def _as(client, role, posted):
    if role == "anonymous":
        return client
    if role in ("owner", "suspended-owner"):
        user = posted.artist
        if role == "suspended-owner":
            type(user).objects.filter(pk=user.pk).update(
                suspended_until=timezone.now() + timedelta(days=3)
            )
    elif role == "moderator":
        user = ModeratorFactory(handle="mods")
    elif role == "trusted":
        user = UserFactory(handle="trusty", trust_level=3)
    else:
        user = UserFactory(handle="someone")
    client.force_login(user)
    return client


ACTIONS = {
    "add": (lambda p: reverse("gallery:images_add", args=[p.pk]), lambda p: {}, 400),
    "remove": (
        lambda p: reverse("gallery:image_remove", args=[p.pk, p.cover_id]),
        lambda p: {},
        400,
    ),
    "move": (
        lambda p: reverse("gallery:image_move", args=[p.pk]),
        lambda p: {"image": p.cover_id, "direction": "down"},
        302,
    ),
    "cover": (
        lambda p: reverse("gallery:cover_set", args=[p.pk]),
        lambda p: {"image": p.cover_id},
        302,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_image_actions_for_every_role(client, artist, role, action):
    posted = ArtworkFactory(artist=artist)
    url, data, owner_code = ACTIONS[action]
    client.logout()
    response = _as(client, role, posted).post(url(posted), data(posted))
    expected = owner_code if role == "owner" else EXPECTED[role]
    assert response.status_code == expected, (role, action)
    if role == "anonymous":
        assert "/accounts/login/" in response.url
    assert posted.images.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_api_image_endpoints_for_every_role(client, artist, role):
    from tests.api.clients import token_client

    posted = ArtworkFactory(artist=artist)
    if role == "suspended-owner":
        type(artist).objects.filter(pk=artist.pk).update(
            suspended_until=timezone.now() + timedelta(days=3)
        )
    user = {
        "anonymous": None,
        "member": UserFactory(handle="someone"),
        "trusted": UserFactory(handle="trusty", trust_level=3),
        "moderator": ModeratorFactory(handle="mods"),
        "owner": artist,
        "suspended-owner": artist,
    }[role]
    api = token_client(user) if user is not None else APIClient()
    calls = [
        ("put", reverse("api:artwork_cover", args=[posted.pk]), {"image": posted.cover_id}),
        (
            "put",
            reverse("api:artwork_images_order", args=[posted.pk]),
            {"kind": "final", "order": [posted.cover_id]},
        ),
        ("delete", reverse("api:artwork_image", args=[posted.pk, posted.cover_id]), None),
    ]
    expected = {
        "anonymous": [401, 401, 401],
        "member": [404, 404, 404],
        "trusted": [404, 404, 404],
        "moderator": [404, 404, 404],
        "owner": [200, 200, 400],  # the last final image stays
        "suspended-owner": [403, 403, 403],
    }[role]
    got = [
        getattr(api, method)(url, data, format="json").status_code for method, url, data in calls
    ]
    assert got == expected
    assert posted.images.count() == 1


def test_api_reorder_refuses_foreign_ids(artist, other_artist):
    from tests.api.clients import token_client

    posted = ArtworkFactory(artist=artist)
    foreign = ArtworkFactory(artist=other_artist).cover_id
    api = token_client(artist)
    response = api.put(
        reverse("api:artwork_images_order", args=[posted.pk]),
        {"kind": "final", "order": [posted.cover_id, foreign]},
        format="json",
    )
    assert response.status_code == 400 and "order" in response.json()["errors"]


def test_reorder_service_refuses_another_artists_post(artist, other_artist):
    from config.errors import NotFound

    posted = ArtworkFactory(artist=artist)
    with pytest.raises(NotFound):
        artwork_images_reorder(
            artwork=posted, artist=other_artist, kind="final", order=[posted.cover_id]
        )


def test_hostile_ids_are_refused_without_a_server_error(artist):
    from tests.api.clients import token_client

    posted = ArtworkFactory(artist=artist)
    api = token_client(artist)
    huge = 2**70
    assert api.delete(reverse("api:artwork_image", args=[posted.pk, huge])).status_code == 404
    cover = api.put(reverse("api:artwork_cover", args=[posted.pk]), {"image": huge}, format="json")
    assert cover.status_code == 400
    order = api.put(
        reverse("api:artwork_images_order", args=[posted.pk]),
        {"kind": "final", "order": [posted.cover_id, *range(1, 5000)]},
        format="json",
    )
    assert order.status_code == 400
    site = Client()
    site.force_login(artist)
    for data in ({"image": "9" * 40}, {"image": "-1"}, {"kind": "final", "order": ["x"]}):
        response = site.post(reverse("gallery:image_move", args=[posted.pk]), data)
        assert response.status_code == 400, data
    assert posted.images.count() == 1


def test_the_edit_page_offers_every_image_action_without_javascript(
    client, posted, django_capture_on_commit_callbacks
):
    add_images(client, posted, django_capture_on_commit_callbacks, finals=[photo(2)])
    second = _finals(posted)[1]
    page = client.get(reverse("gallery:artwork_edit", args=[posted.pk])).content.decode()
    assert 'id="images"' in page and 'name="images"' in page and 'name="process_images"' in page
    assert reverse("gallery:image_remove", args=[posted.pk, second.pk]) in page
    assert reverse("gallery:cover_set", args=[posted.pk]) in page
    assert 'name="direction" value="up"' in page and 'name="direction" value="down"' in page
    assert 'name="visibility"' in page
