"""Appeals: once per decision, by the artist, decided by another moderator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery.models import Artwork
from moderation.models import Appeal, AppealFile, AuditEntry, Strike
from moderation.services import ModerationError
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import case_decide
from tests.factories import ModeratorFactory, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def removed(moderator, flagged):
    return case_decide(
        moderator=moderator, case_id=flagged.pk, action="remove", reason="AI.", strike=True
    )


def test_artist_appeals_once_with_statement_and_evidence(client, artist, removed):
    client.force_login(artist)
    page = client.get(reverse("moderation:decision", args=[removed.pk]))
    assert page.status_code == 200 and "Send appeal" in page.content.decode()
    response = client.post(
        reverse("moderation:decision", args=[removed.pk]),
        {"statement": "I painted it; here are my layers.",
         "files": [SimpleUploadedFile("layers.png", image_bytes("PNG"))]},
    )  # fmt: skip
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.status == "open" and AppealFile.objects.filter(appeal=appeal).count() == 1
    again = client.post(reverse("moderation:decision", args=[removed.pk]), {"statement": "Again"})
    assert again.status_code == 400 and Appeal.objects.count() == 1
    assert "already been appealed" in again.content.decode()
    assert "Send appeal" not in again.content.decode()


def test_bad_evidence_file_is_refused_with_its_name(artist, removed):
    with pytest.raises(ModerationError, match=r"notes\.png"):
        appeal_create(
            appellant=artist, decision=removed, statement="x",
            files=[SimpleUploadedFile("notes.png", b"not an image")],
        )  # fmt: skip
    assert not Appeal.objects.exists()


def test_only_the_artist_may_appeal(viewer, removed):
    with pytest.raises(ModerationError, match="Only the artist"):
        appeal_create(appellant=viewer, decision=removed, statement="x")


def test_the_deciding_moderator_cannot_decide_the_appeal(moderator, artist, removed):
    appeal = appeal_create(appellant=artist, decision=removed, statement="Please.")
    with pytest.raises(ModerationError, match="Another moderator"):
        appeal_decide(moderator=moderator, appeal_id=appeal.pk, uphold=True, response="ok")
    appeal.refresh_from_db()
    assert appeal.status == "open"


def test_upheld_appeal_reverses_the_decision_and_its_strike(client, artist, removed):
    appeal = appeal_create(appellant=artist, decision=removed, statement="Please.")
    other = ModeratorFactory(handle="otto")
    appeal_decide(moderator=other, appeal_id=appeal.pk, uphold=True, response="Layers check out.")
    artwork = Artwork.objects.get()
    assert artwork.status == "published"
    removed.refresh_from_db()
    assert removed.reversed_at is not None
    assert Strike.objects.get().reversed_at is not None
    assert AuditEntry.objects.filter(action="appeal-upheld", actor=other).exists()
    assert artist.notifications.filter(title__contains="upheld").exists()
    assert "Harbour" in client.get("/").content.decode()


def test_denied_appeal_keeps_the_decision(artist, removed):
    appeal = appeal_create(appellant=artist, decision=removed, statement="Please.")
    appeal_decide(
        moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=False,
        response="The metadata is clear.",
    )  # fmt: skip
    assert Artwork.objects.get().status == "removed"
    assert Strike.objects.get().is_active


def test_upheld_appeal_of_a_relabel_restores_the_label(moderator, flagged, artist):
    decision = case_decide(
        moderator=moderator, case_id=flagged.pk, action="relabel", new_label="ai-generated",
        reason="Generated.",
    )  # fmt: skip
    appeal = appeal_create(appellant=artist, decision=decision, statement="It's mine.")
    appeal_decide(moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=True,
                  response="Agreed.")  # fmt: skip
    assert Artwork.objects.get().label == "human-made"


def test_appeals_queue_shows_who_must_not_decide(client, moderator, artist, removed):
    appeal_create(appellant=artist, decision=removed, statement="Please.")
    client.force_login(moderator)
    page = client.get(reverse("moderation:appeals")).content.decode()
    assert "another moderator must decide" in page
