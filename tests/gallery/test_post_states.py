"""One truth for every post: held uploads, durable hand-offs, disputes, suspension, owners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gallery.models import Artwork
from gallery.services import handoff
from moderation.models import AuditEntry, Case
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from moderation.services.intake import artwork_intake, intake_sweep
from tests.factories import ArtworkFactory, image_bytes

pytestmark = pytest.mark.django_db


def _upload(client, artist, title="Held", capture=None):
    client.force_login(artist)
    data = {
        "title": title, "medium": "drawing", "label": "human-made",
        "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG"))],
    }  # fmt: skip
    if capture is None:
        client.post(reverse("gallery:upload"), data)
    else:
        with capture(execute=True):
            client.post(reverse("gallery:upload"), data)
    return Artwork.objects.get(title=title)


def test_held_artists_upload_waits_for_approval_and_is_never_public(
    client, artist, django_capture_on_commit_callbacks
):
    artist.uploads_held_until = timezone.now() + timedelta(days=30)
    artist.save()
    artwork = _upload(client, artist, capture=django_capture_on_commit_callbacks)
    assert artwork.status == Artwork.Status.AWAITING_APPROVAL
    assert artwork.published_at is None and not artwork.handoff_pending
    artist.refresh_from_db()
    assert artist.artwork_count == 0  # counted once a moderator approves it
    case = Case.objects.open().get(artwork=artwork)
    assert AuditEntry.objects.filter(case=case, action="held-for-approval").count() == 1
    client.logout()
    assert client.get(artwork.get_absolute_url()).status_code == 404
    assert client.get(reverse("api:artwork", args=[artwork.pk])).status_code == 404
    client.cookies["atelier_feed"] = "all"
    assert "Held" not in client.get("/").content.decode()


def test_a_lost_intake_task_is_finished_by_the_sweep_exactly_once(
    client, artist, django_capture_on_commit_callbacks
):
    artist.uploads_held_until = timezone.now() + timedelta(days=30)
    artist.save()
    # The upload's on-commit callbacks run (the image is processed), but the intake task that
    # the settle enqueues is "lost": we do not run the second round of callbacks.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        artwork = _upload(client, artist)
    for callback in callbacks:
        callback()  # enqueue (eager: run) the image task; what it defers on commit is "lost"
    artwork = Artwork.objects.get(pk=artwork.pk)
    assert artwork.status == Artwork.Status.AWAITING_APPROVAL and artwork.handoff_pending
    assert not Case.objects.filter(artwork=artwork).exists()
    # Not stale yet: the sweep leaves fresh hand-offs to their task.
    assert intake_sweep() == 0
    Artwork.objects.filter(pk=artwork.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert intake_sweep() == 1
    assert intake_sweep() == 0
    assert artwork_intake(artwork_id=artwork.pk) is False  # the late task finds nothing to do
    assert Case.objects.open().filter(artwork=artwork).count() == 1
    assert AuditEntry.objects.filter(action="held-for-approval").count() == 1
    assert not Artwork.objects.get(pk=artwork.pk).handoff_pending


def test_approval_publishes_and_counts_the_post(client, artist, moderator):
    artwork = ArtworkFactory(
        artist=artist, status=Artwork.Status.AWAITING_APPROVAL, published_at=None,
        handoff_pending=True,
    )  # fmt: skip
    artwork_intake(artwork_id=artwork.pk)
    case = Case.objects.open().get(artwork=artwork)
    case_decide(moderator=moderator, case_id=case.pk, action="dismiss", reason="Fine.")
    artwork.refresh_from_db()
    artist.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED and artwork.published_at
    assert artist.artwork_count == 1
    assert client.get(artwork.get_absolute_url()).status_code == 200


def test_disputed_post_says_so_above_the_fold_and_in_the_api(client, artist):
    artwork = ArtworkFactory(artist=artist, title="Dusk", label_mismatch=True)
    html = client.get(artwork.get_absolute_url()).content.decode()
    notice = html.index('id="dispute"')
    assert notice < html.index('class="artwork-layout"')
    assert "Human-made · under review" in html
    assert "metadata disagrees" in html
    card = client.get(reverse("api:artwork", args=[artwork.pk])).json()
    assert card["badge"]["kind"] == "under-review" and card["badge"]["why"]
    og = html[html.index('property="og:description"') :][:200]
    assert "under review" in og


def test_moderator_relabel_shows_relabeled_badge_until_the_artist_changes_it(
    client, artist, moderator, viewer, django_capture_on_commit_callbacks
):
    artwork = ArtworkFactory(artist=artist, title="Fox")
    with django_capture_on_commit_callbacks(execute=True):
        case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    case_decide(
        moderator=moderator, case_id=case.pk, action="relabel", new_label="ai-assisted",
        reason="Background generated.",
    )  # fmt: skip
    html = client.get(artwork.get_absolute_url()).content.decode()
    assert "AI-assisted · relabeled by moderators" in html
    from gallery.services.artworks import artwork_relabel

    artwork_relabel(
        artwork=Artwork.objects.get(pk=artwork.pk), to_label="ai-generated", by="artist",
        actor=artist, reason="Fair.",
    )  # fmt: skip
    html = client.get(artwork.get_absolute_url()).content.decode()
    assert "relabeled by moderators" not in html and "AI-generated" in html


def test_suspended_member_sees_a_banner_everywhere_and_an_explanation_on_upload(client, artist):
    artist.suspended_until = timezone.now() + timedelta(days=5)
    artist.suspension_reason = "Repeated undisclosed AI."
    artist.save()
    client.force_login(artist)
    for url in ("/", reverse("notifications"), artist.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "Your account is suspended until" in html and "Repeated undisclosed AI." in html
    response = client.get(reverse("gallery:upload"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "cannot post" in html and "appeal" in html


def test_strike_decision_email_says_so_and_links_the_appeal(
    artist, moderator, viewer, django_capture_on_commit_callbacks
):
    artwork = ArtworkFactory(artist=artist, title="Owl")
    with django_capture_on_commit_callbacks(execute=True):
        case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_decide(
            moderator=moderator, case_id=case.pk, action="hide", reason="Prompt in file.",
            strike=True,
        )  # fmt: skip
    message = next(m for m in mail.outbox if artist.email in m.to)
    assert "with a strike" in message.subject
    assert "carries a strike" in message.body and "appeal" in message.body
    assert f"/moderation/decisions/{decision.pk}/" in message.body


def test_owner_profile_shows_every_own_post_with_its_marker(client, artist):
    client.force_login(artist)
    artist.feed_preference = "human"
    artist.save()
    ArtworkFactory(artist=artist, title="Assisted one", label="ai-assisted", ai_stages=["sketch"])
    ArtworkFactory(artist=artist, title="Disputed one", label_mismatch=True)
    ArtworkFactory(artist=artist, title="Still processing", status="processing", published_at=None)
    ArtworkFactory(artist=artist, title="Gone", status="removed")
    html = client.get(artist.get_absolute_url()).content.decode()
    for title in ("Assisted one", "Disputed one", "Still processing", "Gone"):
        assert title in html
    assert "under review" in html and "Processing" in html and "Removed" in html
    assert "No artworks to show" not in html
    client.logout()
    html = client.get(artist.get_absolute_url()).content.decode()
    assert "Still processing" not in html and "Gone" not in html and "Disputed one" not in html


def test_handoff_stale_lists_only_old_pending_rows(artist):
    fresh = ArtworkFactory(artist=artist, handoff_pending=True)
    old = ArtworkFactory(artist=artist, handoff_pending=True)
    ArtworkFactory(artist=artist)
    Artwork.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert list(handoff.artworks_handoff_stale()) == [old.pk]
    assert fresh.pk not in handoff.artworks_handoff_stale()


def test_a_lost_case_scoring_task_is_finished_by_the_sweep(
    artist, viewer, django_capture_on_commit_callbacks
):
    from moderation.services.maintenance import cases_sweep_unprocessed

    artwork = ArtworkFactory(artist=artist)
    with django_capture_on_commit_callbacks(execute=False):  # process_case is "lost"
        case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    case.refresh_from_db()
    assert case.process_requested_at is not None and case.risk_score == 0
    assert cases_sweep_unprocessed() == 0  # too fresh: its task may still come
    Case.objects.filter(pk=case.pk).update(
        process_requested_at=timezone.now() - timedelta(minutes=5)
    )
    assert cases_sweep_unprocessed() == 1
    case.refresh_from_db()
    assert case.process_requested_at is None and case.risk_score > 0
    assert cases_sweep_unprocessed() == 0
