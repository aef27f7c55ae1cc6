"""Two members with real posts (uploaded through the site, processed by the eager tasks, so
every original and derivative exists in storage), comments, likes, follows and label
changes on both sides: what an export must contain for one and never for the other."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import follow_set
from community.models import Comment
from gallery.models import Artwork, LabelChange
from gallery.services.artworks import artwork_relabel, like_set
from tests.factories import UserFactory, image_bytes


@dataclass
class Seed:
    ana: User
    bruno: User
    ana_posts: list[Artwork]
    bruno_posts: list[Artwork]
    ana_comment: Comment  # Ana's, on Bruno's post, which Bruno answered
    ana_lonely_comment: Comment  # Ana's, on Bruno's post, unanswered
    bruno_comment: Comment  # Bruno's, on Ana's post
    bruno_reply: Comment  # Bruno's answer to Ana's comment


def upload(user: User, title: str, color, capture, *, description: str = "") -> Artwork:
    client = Client()
    client.force_login(user)
    jpeg = image_bytes("JPEG", size=(700, 500), color=color)
    data = {
        "title": title, "description": description, "medium": "drawing",
        "label": "human-made", "tags": "ink, study",
        "images": [SimpleUploadedFile(f"{title}.jpg", jpeg)],
    }  # fmt: skip
    with capture(execute=True):
        response = client.post(reverse("gallery:upload"), data)
    assert response.status_code == 302, response.content[:500]
    artwork = Artwork.objects.filter(artist=user).latest("id")
    assert artwork.status == "published"
    return artwork


@pytest.fixture
def seed(db, django_capture_on_commit_callbacks) -> Seed:
    capture = django_capture_on_commit_callbacks
    ana = UserFactory(handle="ana", display_name="Ana Artist", bio="Ink and paper.")
    bruno = UserFactory(handle="bruno", display_name="Bruno Secret-Name", bio="BRUNO-BIO")
    ana_posts = [
        upload(ana, "Ana one", (200, 40, 40), capture, description="Ana's first"),
        upload(ana, "Ana two", (40, 200, 40), capture),
    ]
    bruno_posts = [
        upload(bruno, "Bruno one", (40, 40, 200), capture, description="BRUNO-DESCRIPTION"),
        upload(bruno, "Bruno two", (90, 90, 90), capture),
    ]
    with capture(execute=True):
        artwork_relabel(
            artwork=ana_posts[0], to_label="ai-assisted", by=LabelChange.By.ARTIST, actor=ana,
            reason="Used AI for the reference",
        )  # fmt: skip
    # One collection each: only the member's own goes into their export.
    from community.models import Collection, CollectionItem

    for owner, title in ((ana, "Ana keeps"), (bruno, "BRUNO-COLLECTION")):
        kept = Collection.objects.create(owner=owner, title=title, slug=title.lower())
        CollectionItem.objects.create(collection=kept, artwork=bruno_posts[0])
    ana_comment = Comment.objects.create(artwork=bruno_posts[0], author=ana, body="Ana says hi")
    ana_lonely = Comment.objects.create(artwork=bruno_posts[1], author=ana, body="Ana again")
    bruno_comment = Comment.objects.create(
        artwork=ana_posts[0], author=bruno, body="BRUNO-COMMENT-TEXT"
    )
    bruno_reply = Comment.objects.create(
        artwork=bruno_posts[0], author=bruno, parent=ana_comment, body="BRUNO-REPLY-TEXT"
    )
    Artwork.objects.filter(pk__in=[bruno_posts[0].pk]).update(comment_count=2)
    Artwork.objects.filter(pk__in=[bruno_posts[1].pk, ana_posts[0].pk]).update(comment_count=1)
    like_set(user=ana, artwork=bruno_posts[0], liked=True)
    like_set(user=bruno, artwork=ana_posts[1], liked=True)
    follow_set(follower=ana, artist=bruno, following=True)
    follow_set(follower=bruno, artist=ana, following=True)
    return Seed(
        ana=User.objects.get(pk=ana.pk), bruno=User.objects.get(pk=bruno.pk),
        ana_posts=ana_posts, bruno_posts=bruno_posts, ana_comment=ana_comment,
        ana_lonely_comment=ana_lonely, bruno_comment=bruno_comment, bruno_reply=bruno_reply,
    )  # fmt: skip
