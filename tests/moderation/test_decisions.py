"""Claims and decisions, with every effect: feeds, labels, the log, messages and strikes."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, TrustLevel
from gallery.models import Artwork, LabelChange
from moderation.models import (
    AuditEntry,
    Case,
    Decision,
    Flag,
    FlagReason,
    ReviewerRecord,
    Strike,
)
from moderation.services import ModerationError
from moderation.services.decisions import (
    case_claim,
    case_decide,
    case_request_evidence,
    claims_expire,
    user_unsuspend,
)
from moderation.services.flags import flag_create
from moderation.services.trust import trust_recompute
from tests.factories import ArtworkFactory, ModeratorFactory

pytestmark = pytest.mark.django_db


def _titles(client, url="/"):
    return set(re.findall(r'<span class="title">([^<]+)</span>', client.get(url).content.decode()))


def _decide(moderator, case, action, **kw):
    kw.setdefault("reason", f"Because: {action}.")
    return case_decide(moderator=moderator, case_id=case.pk, action=action, **kw)


def test_dismiss_closes_the_case_keeps_the_post_and_tells_the_reporter(
    client, moderator, flagged, viewer, artist
):
    _decide(moderator, flagged, "dismiss")
    flagged.refresh_from_db()
    assert flagged.status == "closed" and flagged.closed_at
    assert Flag.objects.get().status == "dismissed"
    assert "Harbour" in _titles(client)
    note = Notification.objects.get(user=viewer)
    assert "no action was needed" in note.body and moderator.handle not in note.body
    assert not Notification.objects.filter(user=artist).exists()


def test_relabel_changes_the_label_history_and_feeds(client, moderator, flagged, artist):
    _decide(moderator, flagged, "relabel", new_label="ai-generated", reason="Generated.")
    artwork = Artwork.objects.get()
    assert artwork.label == "ai-generated"
    change = LabelChange.objects.filter(artwork=artwork).last()
    assert (change.from_label, change.to_label, change.by, change.actor) == (
        "human-made", "ai-generated", "moderator", moderator
    )  # fmt: skip
    assert "Harbour" not in _titles(client)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "by a moderator" in page and "Generated." in page


def test_hide_takes_it_out_of_every_feed_but_keeps_its_page(client, moderator, flagged):
    _decide(moderator, flagged, "hide")
    artwork = Artwork.objects.get()
    assert artwork.status == "hidden"
    client.cookies["atelier_feed"] = "all"
    assert "Harbour" not in _titles(client) and "Harbour" not in _titles(client, "/@ana/")
    assert client.get(artwork.get_absolute_url()).status_code == 200


def test_remove_takes_the_page_down_for_everyone_but_artist_and_moderators(
    client, moderator, flagged, artist, viewer
):
    _decide(moderator, flagged, "remove")
    artwork = Artwork.objects.get()
    client.force_login(viewer)
    assert client.get(artwork.get_absolute_url()).status_code == 404
    client.force_login(artist)
    assert "removed by moderators" in client.get(artwork.get_absolute_url()).content.decode()


def test_every_decision_is_audited_with_before_and_after(moderator, flagged):
    decision = _decide(moderator, flagged, "hide", reason="Spam links.")
    entry = AuditEntry.objects.get(action="hide")
    assert entry.actor == moderator and entry.actor_role == "moderator"
    assert entry.case_id == flagged.pk and entry.reason == "Spam links."
    assert entry.before["status"] == "published" and entry.after["status"] == "hidden"
    assert decision.moderator == moderator


def test_artist_is_notified_and_emailed_with_reason_and_evidence(
    moderator, flagged, artist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = _decide(moderator, flagged, "remove", reason="This is a generated image.")
    note = Notification.objects.get(user=artist)
    assert "Remove" in note.title and note.body == "This is a generated image."
    assert note.url == reverse("moderation:decision", args=[decision.pk])
    email = next(m for m in mail.outbox if artist.email in m.to)
    assert "This is a generated image." in email.body
    assert email.alternatives and "This is a generated image." in email.alternatives[0][0]


def test_reporters_learn_the_outcome_without_the_moderators_name(
    moderator, flagged, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _decide(moderator, flagged, "remove")
    note = Notification.objects.get(user=viewer)
    assert "removed" in note.body
    assert moderator.handle not in note.title + note.body


def test_strike_ladder_warns_then_holds_uploads_then_suspends(moderator, artist, viewer):
    rungs = []
    for i in range(3):
        art = ArtworkFactory(artist=artist, title=f"A{i}")
        case = flag_create(reporter=viewer, artwork=art, reason="undisclosed-ai").case
        _decide(moderator, case, "strike")
        artist.refresh_from_db()
        rungs.append((artist.uploads_held, artist.is_suspended))
    assert rungs == [(False, False), (True, False), (True, True)]
    assert Strike.objects.filter(user=artist).count() == 3


def test_strikes_expire(moderator, artist, viewer):
    case = flag_create(reporter=viewer, artwork=ArtworkFactory(artist=artist), reason="spam").case
    _decide(moderator, case, "strike")
    strike = Strike.objects.get()
    assert strike.is_active
    Strike.objects.filter(pk=strike.pk).update(expires_at=timezone.now() - timedelta(days=1))
    strike.refresh_from_db()
    assert not strike.is_active


def test_held_uploads_wait_for_approval(
    client, moderator, artist, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import image_bytes

    artist.uploads_held_until = timezone.now() + timedelta(days=30)
    artist.save()
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("gallery:upload"),
            {"title": "New", "medium": "drawing", "label": "human-made",
             "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG"))]},
        )  # fmt: skip
    artwork = Artwork.objects.get(title="New")
    assert artwork.status == "awaiting-approval"
    case = Case.objects.open().get(artwork=artwork)
    _decide(moderator, case, "dismiss", reason="Approved.")
    assert Artwork.objects.get(title="New").status == "published"


def test_suspend_and_unsuspend(client, moderator, flagged, artist):
    _decide(moderator, flagged, "suspend", suspend_days=3)
    artist.refresh_from_db()
    assert artist.is_suspended
    client.force_login(artist)
    assert client.get(reverse("gallery:upload")).status_code == 403
    user_unsuspend(moderator=moderator, user=artist, reason="Mistake.")
    artist.refresh_from_db()
    assert not artist.is_suspended
    assert AuditEntry.objects.filter(action="unsuspend", subject_user_id=artist.pk).exists()


def test_request_evidence_holds_the_post_out_of_human_feeds(client, moderator, flagged, artist):
    case_request_evidence(moderator=moderator, case_id=flagged.pk, reason="Show your layers.")
    flagged.refresh_from_db()
    assert flagged.is_open and flagged.evidence_due
    assert Artwork.objects.get().held
    assert "Harbour" not in _titles(client)
    assert Notification.objects.filter(user=artist, kind="evidence_request").exists()
    _decide(moderator, flagged, "dismiss", reason="The layers convinced us.")
    assert not Artwork.objects.get().held
    assert "Harbour" in _titles(client)


def test_a_case_is_decided_only_once(moderator, flagged):
    _decide(moderator, flagged, "dismiss")
    with pytest.raises(ModerationError, match="already been decided"):
        _decide(moderator, flagged, "remove")
    assert Decision.objects.count() == 1


def test_claimed_case_cannot_be_decided_by_another_moderator(moderator, flagged):
    other = ModeratorFactory(handle="otto")
    case_claim(moderator=moderator, case_id=flagged.pk)
    with pytest.raises(ModerationError, match="Another moderator"):
        case_claim(moderator=other, case_id=flagged.pk)
    with pytest.raises(ModerationError, match="claimed"):
        _decide(other, flagged, "dismiss")
    Case.objects.filter(pk=flagged.pk).update(claimed_until=timezone.now() - timedelta(minutes=1))
    assert claims_expire() == 1
    case_claim(moderator=other, case_id=flagged.pk)
    _decide(other, flagged, "dismiss")


def test_relabel_needs_a_new_label_and_every_decision_a_reason(moderator, flagged):
    with pytest.raises(ModerationError, match="new label"):
        _decide(moderator, flagged, "relabel")
    with pytest.raises(ModerationError, match="reason"):
        case_decide(moderator=moderator, case_id=flagged.pk, action="warn", reason=" ")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_moderators_deciding_at_once_produce_exactly_one_decision(artist, viewer):
    first, second = ModeratorFactory(handle="m1"), ModeratorFactory(handle="m2")
    artwork = ArtworkFactory(artist=artist)
    case = flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai").case
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(moderator, action):
        try:
            barrier.wait(timeout=10)
            case_decide(moderator=moderator, case_id=case.pk, action=action, reason="Race.")
            outcomes.append(("ok", action))
        except ModerationError as exc:
            outcomes.append(("refused", str(exc)))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, "remove")),
        threading.Thread(target=decide, args=(second, "dismiss")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert Decision.objects.filter(case=case).count() == 1
    winner = next(o[1] for o in outcomes if o[0] == "ok")
    assert Decision.objects.get().action == winner
    assert AuditEntry.objects.filter(case=case, action__in=["remove", "dismiss"]).count() == 1


def test_an_upheld_report_that_is_not_about_ai_still_raises_the_reporters_trust(
    moderator, artist, viewer, django_capture_on_commit_callbacks
):
    # A member one upheld report short of the next level reports stolen art (not an AI
    # question, so no review votes): the upheld decision must recompute their level.
    artwork = ArtworkFactory(artist=artist)
    viewer.date_joined = timezone.now()
    viewer.artwork_count = 0
    viewer.save()
    ReviewerRecord.objects.create(user=viewer, flags_decided=1, flags_upheld=1)
    assert trust_recompute(user_id=viewer.pk) == TrustLevel.NEW
    flag = flag_create(reporter=viewer, artwork=artwork, reason=FlagReason.STOLEN)
    case = flag.case
    assert not case.ai_question
    with django_capture_on_commit_callbacks(execute=True):
        _decide(moderator, case, "remove")
    record = ReviewerRecord.objects.get(user=viewer)
    assert (record.flags_decided, record.flags_upheld) == (2, 2)
    viewer.refresh_from_db()
    assert viewer.trust_level == TrustLevel.MEMBER
