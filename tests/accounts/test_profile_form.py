"""The profile form says each thing once and offers only what applies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import FeedPreference

pytestmark = pytest.mark.django_db

PROFILE = {"display_name": "Ana", "bio": "", "feed_preference": FeedPreference.HUMAN}


def test_no_avatar_means_no_remove_avatar_checkbox(client, artist):
    client.force_login(artist)
    html = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Remove my avatar" not in html
    assert 'name="remove_avatar"' not in html
    # Saving without the field still works, and leaves the (absent) avatar alone.
    response = client.post(reverse("accounts:profile_edit"), {**PROFILE, "links_text": ""})
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.display_name == "Ana" and not artist.avatar


def test_remove_avatar_is_offered_once_there_is_an_avatar(
    client, artist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        artist.avatar.save("old.webp", SimpleUploadedFile("x", b"x"))
    client.force_login(artist)
    html = client.get(reverse("accounts:profile_edit")).content.decode()
    assert html.count("Remove my avatar") == 1


def test_ai_training_checkbox_text_is_not_repeated_as_its_help(client, artist):
    client.force_login(artist)
    html = client.get(reverse("accounts:profile_edit")).content.decode()
    assert html.count("not to train on") == 1
    assert "Crawlers that honour them stay away" in html
