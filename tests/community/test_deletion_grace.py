"""A member inside their account deletion's grace period: their comments leave every thread
(the page, anonymous visitors' cached copy, the API, the posts' counts) and come back when they
cancel."""

from __future__ import annotations

import pytest
from django.test import Client

from community.models import Comment
from community.services import comment_create
from community.services_moderation import comment_set_status
from privacy.services.deletion import account_delete_cancel, account_delete_request
from tests.api.clients import token_client
from tests.factories import PASSWORD, ArtworkFactory


def post(author, artwork, body, parent=None) -> Comment:
    return comment_create(author=author, artwork=artwork, body=body, parent=parent).comment


def thread_html(response) -> str:
    assert response.status_code == 200, response.status_code
    text = response.content.decode()
    start = text.index('id="comments"')
    return text[start : text.index("</section>", start)]


@pytest.fixture
def scene(db, viewer, other_artist, artwork):
    """Vic (who will ask for deletion) comments twice on Ana's post, once answered by Bruno,
    and once on Bruno's post; Bruno comments on Ana's post too."""
    answered = post(viewer, artwork, "LEAVING-ANSWERED")
    post(other_artist, artwork, "BRUNO-REPLY", parent=answered)
    post(viewer, artwork, "LEAVING-ALONE")
    post(other_artist, artwork, "BRUNO-OWN")
    elsewhere = ArtworkFactory(artist=other_artist, title="Bruno's post")
    post(viewer, elsewhere, "LEAVING-ELSEWHERE")
    return answered, elsewhere


def test_comments_leave_every_thread_during_grace_and_come_back_on_cancel(
    client, viewer, other_artist, artwork, scene, django_capture_on_commit_callbacks
):
    answered, elsewhere = scene
    bruno = Client()
    bruno.force_login(other_artist)
    api = token_client(other_artist)
    url = f"/api/v1/artworks/{artwork.pk}/comments/"
    # Warm the anonymous page's cache first: the request must retire it.
    before = client.get(artwork.get_absolute_url())
    assert "LEAVING-ALONE" in thread_html(before)
    artwork.refresh_from_db()
    assert artwork.comment_count == 4

    with django_capture_on_commit_callbacks(execute=True):
        account_delete_request(user=viewer, password=PASSWORD)

    for who in (client, bruno):
        html = thread_html(who.get(artwork.get_absolute_url()))
        assert "LEAVING-" not in html and "BRUNO-OWN" in html
        # The answered one stays as a placeholder so Bruno's reply keeps its place.
        assert f'id="comment-{answered.pk}"' in html and "not available" in html
        assert "BRUNO-REPLY" in html
        assert "LEAVING-ELSEWHERE" not in thread_html(who.get(elsewhere.get_absolute_url()))
    # An anonymous revalidation with the old ETag gets the new page, not a 304.
    again = client.get(artwork.get_absolute_url(), HTTP_IF_NONE_MATCH=before["ETag"])
    assert again.status_code == 200 and "LEAVING-ALONE" not in thread_html(again)
    body = api.get(url).json()
    shown = {c["id"]: c for c in body["results"]}
    assert shown[answered.pk]["body"] in ("", None) and shown[answered.pk]["author"] is None
    texts = [c["body"] for c in body["results"]] + [
        r["body"] for c in body["results"] for r in c["replies"]
    ]
    assert not [t for t in texts if t and t.startswith("LEAVING")]
    assert api.get(f"/api/v1/comments/{answered.pk}/replies/").status_code == 404
    # Nobody can reply to them or open them while they are away.
    assert bruno.get(f"/comments/{answered.pk}/replies/").status_code == 404
    artwork.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (artwork.comment_count, elsewhere.comment_count) == (2, 0)

    viewer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        account_delete_cancel(user=viewer)

    again2 = client.get(artwork.get_absolute_url(), HTTP_IF_NONE_MATCH=again["ETag"])
    assert again2.status_code == 200
    for html in (thread_html(again2), thread_html(bruno.get(artwork.get_absolute_url()))):
        assert "LEAVING-ANSWERED" in html and "LEAVING-ALONE" in html
        assert "not available" not in html
    assert "LEAVING-ELSEWHERE" in thread_html(client.get(elsewhere.get_absolute_url()))
    texts = [c["body"] for c in api.get(url).json()["results"]]
    assert "LEAVING-ALONE" in texts and "LEAVING-ANSWERED" in texts
    artwork.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (artwork.comment_count, elsewhere.comment_count) == (4, 1)


def test_a_moderation_decision_during_grace_keeps_the_count_exact(viewer, artwork, scene):
    lonely = Comment.objects.get(body="LEAVING-ALONE")
    account_delete_request(user=viewer, password=PASSWORD)
    artwork.refresh_from_db()
    assert artwork.comment_count == 2
    # Already out of the count: a removal moves nothing ...
    comment_set_status(comment_id=lonely.pk, status=Comment.Status.REMOVED)
    artwork.refresh_from_db()
    assert artwork.comment_count == 2
    # ... and the cancel brings back only what is still visible.
    viewer.refresh_from_db()
    account_delete_cancel(user=viewer)
    artwork.refresh_from_db()
    assert artwork.comment_count == 3


def test_the_author_cannot_act_and_others_cannot_reply_during_grace(
    viewer, other_artist, artwork, scene
):
    from community.access import comment_for_viewer
    from config.errors import NotFound

    answered, _ = scene
    account_delete_request(user=viewer, password=PASSWORD)
    with pytest.raises(NotFound):
        comment_for_viewer(other_artist, answered.pk)
