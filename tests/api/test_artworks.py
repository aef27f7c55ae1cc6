"""/api/v1/artworks/: listing, upload, one artwork (read, edit, delete), likes; every role."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, FeedPreference
from gallery.models import AiStage, Artwork, Label, LabelChange, Like
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

LIST = "/api/v1/artworks/"


def detail(pk: int) -> str:
    return f"/api/v1/artworks/{pk}/"


def _jpeg(name="art.jpg", **kwargs):
    return SimpleUploadedFile(name, image_bytes("JPEG", **kwargs), content_type="image/jpeg")


def _upload(client, files=None, **extra):
    data = {
        "title": "Harbour",
        "description": "Ink and wash.",
        "medium": "drawing",
        "tags": "Sea, harbour",
        "label": "human-made",
        "images": files if files is not None else [_jpeg()],
        **extra,
    }
    return client.post(LIST, data, format="multipart")


@pytest.fixture
def published(artist):
    return ArtworkFactory(artist=artist, title="Quiet harbour")


@pytest.fixture
def processing(artist):
    return ArtworkFactory(
        artist=artist, status=Artwork.Status.PROCESSING, published_at=None, title="Wet paint"
    )


# --- Listing ---------------------------------------------------------------------------------


def test_anonymous_listing_is_human_only(api, artist):
    human = ArtworkFactory(artist=artist, label=Label.HUMAN)
    ArtworkFactory(artist=artist, label=Label.ASSISTED, ai_stages=["sketch"])
    ArtworkFactory(artist=artist, label=Label.GENERATED)
    response = api.get(LIST)
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [human.pk]
    assert response.json()["show"] == "human"


def test_listing_defaults_to_the_token_users_preference(client_for, artist, viewer):
    ArtworkFactory(artist=artist, label=Label.HUMAN)
    ArtworkFactory(artist=artist, label=Label.GENERATED)
    viewer.feed_preference = FeedPreference.ALL
    viewer.save()
    response = client_for("member").get(LIST)
    assert response.json()["show"] == "all"
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    ("show", "labels"),
    [
        ("human", {"human-made"}),
        ("assisted-minor", {"human-made", "minor"}),
        ("assisted", {"human-made", "minor", "ai-assisted"}),
        ("all", {"human-made", "minor", "ai-assisted", "ai-generated"}),
    ],
)
def test_show_parameter_is_the_sites_label_filter(api, artist, show, labels):
    made = {
        "human-made": ArtworkFactory(artist=artist, label=Label.HUMAN),
        "minor": ArtworkFactory(
            artist=artist, label=Label.ASSISTED, ai_stages=["upscaling"], ai_minor_only=True
        ),
        "ai-assisted": ArtworkFactory(artist=artist, label=Label.ASSISTED, ai_stages=["colour"]),
        "ai-generated": ArtworkFactory(artist=artist, label=Label.GENERATED),
    }
    response = api.get(LIST, {"show": show})
    assert response.status_code == 200
    assert {a["id"] for a in response.json()["results"]} == {made[k].pk for k in labels}


def test_mismatched_and_held_artworks_stay_out_of_human_only(api, artist):
    ArtworkFactory(artist=artist, label_mismatch=True)
    ArtworkFactory(artist=artist, held=True)
    assert api.get(LIST, {"show": "human"}).json()["results"] == []
    assert len(api.get(LIST, {"show": "all"}).json()["results"]) == 2


def test_show_all_is_clamped_when_the_site_refuses_ai_generated(api, artist, settings):
    settings.ATELIER_ALLOW_AI_GENERATED = False
    ArtworkFactory(artist=artist, label=Label.GENERATED)
    response = api.get(LIST, {"show": "all"})
    assert response.json()["show"] == "assisted"
    assert response.json()["results"] == []


def test_unpublished_artworks_are_never_listed(api, artist, processing):
    ArtworkFactory(artist=artist, status=Artwork.Status.REMOVED)
    ArtworkFactory(artist=artist, status=Artwork.Status.FAILED, published_at=None)
    assert api.get(LIST, {"show": "all"}).json()["results"] == []


def test_filters_by_tag_medium_artist_and_search(api, artist, other_artist):
    ink = ArtworkFactory(artist=artist, title="Harbour at dusk", medium="drawing")
    ink.tags.set(["sea", "ink"])
    other = ArtworkFactory(artist=other_artist, title="Forest", medium="photography")
    other.tags.set(["trees"])
    from gallery.services.artworks import artwork_index_search

    artwork_index_search()

    def ids(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [a["id"] for a in response.json()["results"]]

    assert ids(tag="sea") == [ink.pk]
    assert ids(tag="Sea") == [ink.pk]
    assert ids(tag="nothing-tagged") == []
    assert ids(medium="photography") == [other.pk]
    assert ids(artist="BRUNO") == [other.pk]
    assert ids(artist="nobody") == []
    assert ids(q="harbour") == [ink.pk]
    assert ids(q="forest", medium="drawing") == []


def test_following_lists_followed_artists_and_needs_a_sign_in(client_for, api, artist, viewer):
    from accounts.services import follow_set

    mine = ArtworkFactory(artist=artist)
    ArtworkFactory()
    follow_set(follower=viewer, artist=artist, following=True)
    response = client_for("member").get(LIST, {"following": "true"})
    assert [a["id"] for a in response.json()["results"]] == [mine.pk]
    anonymous = api.get(LIST, {"following": "true"})
    assert anonymous.status_code == 401
    assert "Sign in" in anonymous.json()["detail"]


def test_keyset_pages_follow_next_without_gaps_or_repeats(api, artist):
    now = timezone.now()
    made = [
        ArtworkFactory(artist=artist, published_at=now - timedelta(minutes=i)) for i in range(7)
    ]
    # Two at the same instant: the id breaks the tie.
    made.append(ArtworkFactory(artist=artist, published_at=made[-1].published_at))
    seen, url, pages = [], LIST + "?page_size=3", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [a["id"] for a in body["results"]]
        url, pages = body["next"], pages + 1
        assert "count" not in body
    expected = sorted(made, key=lambda a: (a.published_at, a.pk), reverse=True)
    assert seen == [a.pk for a in expected]
    assert pages == 3


def test_new_artworks_between_pages_do_not_shift_the_next_page(api, artist):
    now = timezone.now()
    old = [ArtworkFactory(artist=artist, published_at=now - timedelta(hours=i)) for i in range(4)]
    first = api.get(LIST, {"page_size": 2}).json()
    ArtworkFactory(artist=artist, published_at=now + timedelta(minutes=1))
    second = api.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == [old[2].pk, old[3].pk]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        base64.urlsafe_b64encode(b"garbage").decode(),
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00|1").decode(),  # no time zone
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|" + b"9" * 40).decode(),
        base64.urlsafe_b64encode(b"0001-01-01T00:00:00+05:00|1").decode(),
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|-5").decode(),
        "\x00",
    ],
)
def test_bad_cursors_are_a_400_not_a_500(api, cursor):
    response = api.get(LIST, {"after": cursor})
    assert response.status_code == 400
    assert "after" in response.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"show": "everything"},
        {"medium": "watercolour"},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "9" * 30},
        {"following": "perhaps"},
        {"q": "a\x00b"},
        {"tag": "x" * 101},
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(api, params):
    response = api.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == set(params)
    assert body["detail"].startswith(next(iter(params)))


def test_listing_runs_a_fixed_number_of_queries(
    client_for, artist, django_assert_num_queries, settings
):
    for i in range(30):
        artwork = ArtworkFactory(artist=artist if i % 2 else UserFactory())
        artwork.tags.set([f"tag{i}", "common"])
    client = client_for("member")
    client.get(LIST)  # the token's last_used_at is written once a minute, not on every request
    cache.clear()  # cold pages: the cached ones run fewer (tests/gallery/test_page_cache.py)
    # token lookup, the page (artworks + artist + cover), its tags.
    for size in (2, 24):
        with django_assert_num_queries(3):
            response = client.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size
    # A tag filter adds the tag's id lookup.
    with django_assert_num_queries(4):
        assert len(client.get(LIST, {"tag": "common", "page_size": 20}).json()["results"]) == 20


def test_anonymous_listing_runs_two_queries(api, artist, django_assert_num_queries):
    for _ in range(5):
        ArtworkFactory(artist=artist).tags.set(["a", "b"])
    with django_assert_num_queries(2):
        assert len(api.get(LIST).json()["results"]) == 5


def test_card_carries_label_artist_cover_and_tags(api, artist, published):
    published.tags.set(["sea"])
    card = api.get(LIST).json()["results"][0]
    assert card["label"] == "human-made"
    assert card["iptc_digital_source_type"].endswith("digitalCreation")
    assert card["artist"]["handle"] == "ana"
    assert card["tags"] == ["sea"]
    assert card["url"] == f"http://testserver{published.get_absolute_url()}"
    assert card["cover"]["sources"][0]["url"].startswith("http://testserver/media/art/")
    assert "processing" not in card


def test_every_role_may_list(client_for, published, role):
    response = client_for(role).get(LIST)
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [published.pk]


# --- Upload ----------------------------------------------------------------------------------


UPLOAD_STATUS = {
    "anonymous": 401,
    "member": 201,
    "owner": 201,
    "trusted_reviewer": 201,
    "moderator": 201,
    "suspended": 403,
}


def test_upload_by_role(client_for, role):
    response = _upload(client_for(role))
    assert response.status_code == UPLOAD_STATUS[role], response.json()
    assert Artwork.objects.exists() == (UPLOAD_STATUS[role] == 201)
    if role == "suspended":
        assert "suspended until" in response.json()["detail"]
    if role == "anonymous":
        assert response["WWW-Authenticate"] == "Token"


def test_upload_stores_the_artwork_and_processes_it_on_commit(
    client_for, artist, django_capture_on_commit_callbacks
):
    client = client_for("owner")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(
            client,
            files=[_jpeg("one.jpg"), _jpeg("two.jpg", color=(0, 0, 255))],
            process_images=[_jpeg("wip.jpg", color=(9, 9, 9))],
            alt_text=["A harbour", "Boats", "The sketch"],
        )
    assert response.status_code == 201, response.json()
    assert len(callbacks) >= 4  # three images to process, the search index, what they enqueue
    body = response.json()
    artwork = Artwork.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/artworks/{artwork.pk}/"
    assert body["id"] == artwork.pk and body["title"] == "Harbour"
    assert body["processing"]["status"] == "processing"
    assert [i["state"] for i in body["processing"]["images"]] == ["pending"] * 3
    assert sorted(t.name for t in artwork.tags.all()) == ["Sea", "harbour"]
    assert artwork.label == Label.HUMAN and artwork.image_count == 2
    images = list(artwork.images.all())
    assert [(i.kind, i.alt_text) for i in images] == [
        ("final", "A harbour"),
        ("final", "Boats"),
        ("process", "The sketch"),
    ]
    assert LabelChange.objects.filter(artwork=artwork, by="artist").count() == 1
    # The eager tasks ran after the commit: the owner now sees the result.
    after = client.get(detail(artwork.pk)).json()
    assert after["processing"]["status"] == "published"
    assert {i["state"] for i in after["processing"]["images"]} == {"ready"}
    assert len(after["images"]) == 2 and len(after["process_images"]) == 1


REJECTED = [
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("page.png", b"<!doctype html><html><body>hi</body></html>"),
    ("notes.png", b"just some text renamed to look like an image"),
    ("empty.jpg", b""),
]


@pytest.mark.parametrize(("name", "content"), REJECTED, ids=[r[0] for r in REJECTED])
def test_bad_files_get_the_sites_own_messages(client_for, client, artist, name, content):
    """The same file gives the same message through the API and through the upload form."""
    api_response = _upload(client_for("owner"), files=[SimpleUploadedFile(name, content)])
    assert api_response.status_code == 400
    client.force_login(artist)
    site = client.post(
        reverse("gallery:upload"),
        {"title": "Harbour", "medium": "drawing", "label": "human-made",
         "images": [SimpleUploadedFile(name, content)]},
    )  # fmt: skip
    assert api_response.json()["errors"]["images"] == site.context["file_errors"]
    assert api_response.json()["errors"]["images"][0].startswith(f"{name}: ")
    assert not Artwork.objects.exists()


def test_file_over_the_size_limit_is_refused(client_for, settings):
    settings.ATELIER_MAX_UPLOAD_BYTES = 2048
    response = _upload(client_for("owner"), files=[_jpeg("big.jpg", size=(600, 600), quality=100)])
    assert response.status_code == 400
    assert response.json()["errors"]["images"][0].startswith("big.jpg: ")


def test_missing_fields_use_the_forms_messages(client_for):
    from gallery.forms import UploadForm

    response = client_for("owner").post(LIST, {"images": [_jpeg()]}, format="multipart")
    assert response.status_code == 400
    form = UploadForm({}, files_present=1)
    form.is_valid()
    errors = response.json()["errors"]
    assert errors["title"] == form.errors["title"]
    assert errors["label"] == form.errors["label"]
    assert response.json()["detail"].startswith("title: This field is required.")


def test_no_images_is_the_forms_non_field_error(client_for):
    response = _upload(client_for("owner"), files=[])
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["Add at least one image."]
    assert response.json()["detail"] == "Add at least one image."


def test_ai_assisted_needs_the_disclosure(client_for):
    client = client_for("owner")
    response = _upload(client, label="ai-assisted")
    assert response.status_code == 400
    assert response.json()["errors"]["ai_stages"] == ["Tick at least one step where AI was used."]
    response = _upload(client, label="ai-assisted", ai_stages=["sketch", "other"])
    assert response.json()["errors"]["ai_note"] == ["Tell viewers what “Other” means here."]
    ok = _upload(client, label="ai-assisted", ai_stages=["sketch", "other"], ai_note="Moodboard")
    assert ok.status_code == 201
    artwork = Artwork.objects.get()
    assert artwork.ai_stages == [AiStage.SKETCH, AiStage.OTHER] and artwork.ai_note == "Moodboard"
    assert ok.json()["ai_stages"] == ["sketch", "other"]


def test_unknown_choices_are_a_400(client_for):
    response = _upload(client_for("owner"), label="robot-made", medium="clay", ai_stages=["x"])
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"label", "medium"}


def test_ai_generated_refused_when_the_site_does_not_accept_it(client_for, settings):
    settings.ATELIER_ALLOW_AI_GENERATED = False
    response = _upload(client_for("owner"), label="ai-generated")
    assert response.status_code == 400
    assert not Artwork.objects.exists()


def test_too_many_images_is_refused(client_for, settings):
    settings.ATELIER_MAX_IMAGES_PER_POST = 2
    response = _upload(client_for("owner"), files=[_jpeg(), _jpeg(), _jpeg()])
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["At most 2 images per post."]


def test_hourly_upload_limit_is_a_429_with_retry_after(client_for, artist, settings):
    settings.ATELIER_UPLOADS_PER_HOUR = 2
    for _ in range(2):
        ArtworkFactory(artist=artist)
    response = _upload(client_for("owner"))
    assert response.status_code == 429
    assert "please wait" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600


def test_storage_quota_is_a_400(client_for, settings):
    settings.ATELIER_STORAGE_QUOTA_BYTES = 1024
    response = _upload(client_for("owner"), files=[_jpeg(size=(300, 300))])
    assert response.status_code == 400
    assert "quota" in response.json()["errors"]["images"][0]


def test_read_only_token_cannot_upload(client_for):
    response = _upload(client_for("owner", scope=ApiToken.Scope.READ))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_unverified_member_cannot_upload(unverified_user):
    response = _upload(token_client(unverified_user))
    assert response.status_code == 403
    assert "confirm your email" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: garbage\r\n\r\n"),
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=a", b"\x00\xff" * 100),
        ("application/json", b'{"title": "x"}'),
        ("text/plain", b"hello"),
    ],
)
def test_garbage_bodies_are_4xx(client_for, content_type, body):
    response = client_for("owner").generic("POST", LIST, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_body_too_large_is_a_413(client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _upload(client_for("owner"), description="x" * 5000)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_null_characters_in_alt_text_are_refused(client_for):
    response = _upload(client_for("owner"), alt_text=["a\x00b"])
    assert response.status_code == 400
    assert "alt_text" in response.json()["errors"]


# --- One artwork -------------------------------------------------------------------------------

# Who sees what: the published artwork is public; the processing one is its artist's and
# moderators' only (as on the site).
SEE_PROCESSING = {"owner", "moderator"}


def test_published_artwork_is_readable_by_every_role(client_for, role, published):
    response = client_for(role).get(detail(published.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Quiet harbour"
    assert (body["processing"] is not None) == (role in SEE_PROCESSING)
    assert body["liked"] is (None if role == "anonymous" else False)


@pytest.mark.parametrize(
    "status", [Artwork.Status.PROCESSING, Artwork.Status.FAILED, Artwork.Status.REMOVED]
)
def test_unpublished_artwork_is_a_404_except_for_owner_and_moderators(
    client_for, role, artist, status
):
    artwork = ArtworkFactory(artist=artist, status=status, published_at=None)
    response = client_for(role).get(detail(artwork.pk))
    if role in SEE_PROCESSING:
        assert response.status_code == 200
        assert response.json()["processing"]["status"] == status
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": "No such artwork.", "errors": {}}


def test_hidden_artwork_stays_readable_by_link(client_for, artist):
    artwork = ArtworkFactory(artist=artist, status=Artwork.Status.HIDDEN)
    assert client_for("member").get(detail(artwork.pk)).status_code == 200


def test_processing_block_carries_states_verdicts_and_evidence(client_for, artist):
    artwork = ArtworkFactory(
        artist=artist, label_mismatch=True, provenance_verdict="ai-generated", held=True
    )
    image = artwork.images.get()
    evidence = {
        "source": "c2pa",
        "field": "digitalSourceType",
        "value": "trainedAlgorithmicMedia",
        "kind": "ai-generated",
        "summary": "Content Credentials say an AI model made it.",
    }
    image.provenance = {"verdict": "ai-generated", "evidence": [evidence], "errors": []}
    image.provenance_verdict = "ai-generated"
    image.save()
    owner_view = client_for("owner").get(detail(artwork.pk)).json()["processing"]
    assert owner_view["label_mismatch"] is True and owner_view["held"] is True
    assert owner_view["provenance_verdict"] == "ai-generated"
    assert owner_view["images"][0]["evidence"] == [evidence]
    assert owner_view["images"][0]["original_url"].endswith(f"/originals/{image.pk}/")
    assert client_for("moderator").get(detail(artwork.pk)).json()["processing"] == owner_view
    for role_name in ("anonymous", "member", "trusted_reviewer"):
        body = client_for(role_name).get(detail(artwork.pk)).json()
        assert body["processing"] is None
        assert "provenance" not in str(body)


def test_detail_shows_label_history_and_liked(client_for, viewer, published):
    Like.objects.create(user=viewer, artwork=published)
    LabelChange.objects.create(
        artwork=published, from_label="", to_label="human-made", by="artist", reason="Upload."
    )
    body = client_for("member").get(detail(published.pk)).json()
    assert body["liked"] is True
    assert body["label_history"][0]["to_label"] == "human-made"
    assert len(body["images"]) == 1


def test_huge_and_unknown_ids_are_404(api):
    assert api.get(detail(10**30)).status_code == 404
    assert api.get(detail(2**63)).status_code == 404
    assert api.get(detail(999999)).status_code == 404


# --- Edit --------------------------------------------------------------------------------------

EDIT_STATUS = {
    "anonymous": 401,
    "member": 404,
    "owner": 200,
    "trusted_reviewer": 404,
    "moderator": 404,
    "suspended": 403,
}


def test_edit_by_role(client_for, role, published):
    response = client_for(role).patch(detail(published.pk), {"title": "Renamed"}, format="json")
    assert response.status_code == EDIT_STATUS[role]
    published.refresh_from_db()
    assert (published.title == "Renamed") == (role == "owner")


def test_edit_keeps_what_is_left_out_and_records_a_label_change(client_for, published):
    published.tags.set(["sea monster", "ink"])
    published.description = "Old description"
    published.save()
    response = client_for("owner").patch(
        detail(published.pk),
        {"label": "ai-assisted", "ai_stages": ["colour"], "reason": "Used AI for the colours."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    published.refresh_from_db()
    assert published.label == Label.ASSISTED and published.ai_stages == ["colour"]
    assert published.description == "Old description"
    assert sorted(t.name for t in published.tags.all()) == ["ink", "sea monster"]
    change = published.label_changes.get()
    assert (change.from_label, change.to_label, change.reason) == (
        "human-made",
        "ai-assisted",
        "Used AI for the colours.",
    )
    assert response.json()["label"] == "ai-assisted"


def test_edit_tags_and_alt_texts(client_for, published):
    image = published.images.get()
    response = client_for("owner").patch(
        detail(published.pk),
        {"tags": ["night sky", "ink"], "alt_texts": {str(image.pk): "Boats at night"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["tags"]) == ["ink", "night sky"]
    image.refresh_from_db()
    assert image.alt_text == "Boats at night"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"label": "ai-assisted"}, "ai_stages"),
        ({"medium": "clay"}, "medium"),
        ({"title": {"nested": 1}}, "title"),
        ({"ai_stages": "sketch,colour"}, "ai_stages"),
        ({"ai_stages": 5}, "ai_stages"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"alt_texts": ["x"]}, "alt_texts"),
        ({"alt_texts": {"abc": "x"}}, "alt_texts"),
    ],
)
def test_bad_edits_are_a_400_with_the_forms_messages(client_for, published, payload, field):
    response = client_for("owner").patch(detail(published.pk), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    published.refresh_from_db()
    assert published.title == "Quiet harbour"


def test_edit_with_a_json_array_body_is_a_400(client_for, published):
    response = client_for("owner").patch(detail(published.pk), [1, 2], format="json")
    assert response.status_code == 400


def test_read_only_token_cannot_edit(client_for, published):
    client = client_for("owner", scope=ApiToken.Scope.READ)
    response = client.patch(detail(published.pk), {"title": "x"}, format="json")
    assert response.status_code == 403


def test_removed_artwork_cannot_be_edited_by_its_artist(client_for, artist):
    artwork = ArtworkFactory(artist=artist, status=Artwork.Status.REMOVED)
    response = client_for("owner").patch(detail(artwork.pk), {"title": "x"}, format="json")
    assert response.status_code == 404


# --- Delete ------------------------------------------------------------------------------------

DELETE_STATUS = {
    "anonymous": 401,
    "member": 404,
    "owner": 204,
    "trusted_reviewer": 404,
    "moderator": 404,
    "suspended": 404,
}


def test_delete_by_role(client_for, role, published):
    response = client_for(role).delete(detail(published.pk))
    assert response.status_code == DELETE_STATUS[role]
    assert Artwork.objects.filter(pk=published.pk).exists() == (role != "owner")


def test_suspended_artist_may_still_delete_their_own_work(suspended_user):
    artwork = ArtworkFactory(artist=suspended_user)
    response = token_client(suspended_user).delete(detail(artwork.pk))
    assert response.status_code == 204
    assert not Artwork.objects.filter(pk=artwork.pk).exists()


def test_read_only_token_cannot_delete(client_for, published):
    response = client_for("owner", scope=ApiToken.Scope.READ).delete(detail(published.pk))
    assert response.status_code == 403
    assert Artwork.objects.filter(pk=published.pk).exists()


# --- Likes -------------------------------------------------------------------------------------

LIKE_STATUS = {
    "anonymous": 401,
    "member": 200,
    "owner": 200,
    "trusted_reviewer": 200,
    "moderator": 200,
    "suspended": 403,
}


def test_like_and_unlike_by_role(client_for, role, published):
    client = client_for(role)
    url = f"/api/v1/artworks/{published.pk}/like/"
    liked = client.post(url)
    assert liked.status_code == LIKE_STATUS[role]
    if liked.status_code == 200:
        assert liked.json() == {"liked": True, "like_count": 1}
        assert client.post(url).json() == {"liked": True, "like_count": 1}  # idempotent
        assert client.delete(url).json() == {"liked": False, "like_count": 0}
        assert client.delete(url).json() == {"liked": False, "like_count": 0}
    else:
        assert client.delete(url).status_code == LIKE_STATUS[role]
    assert not Like.objects.exists()


def test_cannot_like_an_unpublished_artwork_even_your_own(client_for, processing):
    response = client_for("owner").post(f"/api/v1/artworks/{processing.pk}/like/")
    assert response.status_code == 404


def test_like_with_a_read_only_token_is_refused(client_for, published):
    client = client_for("member", scope=ApiToken.Scope.READ)
    assert client.post(f"/api/v1/artworks/{published.pk}/like/").status_code == 403


def test_alt_texts_for_unknown_or_huge_ids_are_ignored(client_for, published):
    response = client_for("owner").patch(
        detail(published.pk),
        {"alt_texts": {"99999999999999999999999999": "x", "12345": "y"}},
        format="json",
    )
    assert response.status_code == 200
