"""Flags from members and from the files, gathered into one open case per artwork."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from accounts.models import Notification, NotificationKind
from gallery.models import Artwork
from moderation.models import AuditAction, AuditEntry, Case, Flag, FlagReason, FlagSource
from moderation.services import ModerationError
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from moderation.services.intake import artwork_intake
from moderation.services.maintenance import HIGH_RISK, case_process
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory
from tests.gallery import provenance_files as pf

pytestmark = pytest.mark.django_db


def test_member_flag_opens_a_case_with_the_reason(client, viewer, artwork):
    client.force_login(viewer)
    response = client.post(
        reverse("moderation:report", args=[artwork.pk]),
        {"reason": "undisclosed-ai", "note": "The hands give it away."},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.is_open and case.reason == "undisclosed-ai" and case.ai_question
    assert case.flags.get().reporter == viewer
    assert case.label_at_open == "human-made"


def test_one_open_flag_per_reporter_and_post(viewer, artwork):
    flag_create(reporter=viewer, artwork=artwork, reason="spam")
    with pytest.raises(ModerationError, match="already reported"):
        flag_create(reporter=viewer, artwork=artwork, reason="other")
    assert Flag.objects.count() == 1


def test_flags_from_several_members_gather_in_one_case(viewer, other_artist, artwork):
    flag_create(reporter=viewer, artwork=artwork, reason="undisclosed-ai")
    flag_create(reporter=other_artist, artwork=artwork, reason="wrong-ai-label")
    assert Case.objects.count() == 1 and Case.objects.get().flags.count() == 2


def test_no_flagging_ones_own_post(client, artist, artwork):
    client.force_login(artist)
    response = client.post(reverse("moderation:report", args=[artwork.pk]), {"reason": "spam"})
    assert response.status_code == 400
    assert "your own post" in response.content.decode()
    assert not Flag.objects.exists()


def test_flags_are_rate_limited_per_reporter(viewer, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 3
    for _ in range(3):
        flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    with pytest.raises(ModerationError, match="many reports"):
        flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")


def test_link_to_original_is_kept_only_for_stolen_work(viewer, artwork, other_artist):
    stolen = flag_create(
        reporter=viewer, artwork=artwork, reason="stolen", original_url="https://x.example/a"
    )
    other = flag_create(
        reporter=other_artist, artwork=artwork, reason="spam", original_url="https://x.example/b"
    )
    assert stolen.original_url == "https://x.example/a" and other.original_url == ""


def test_unpublished_post_cannot_be_flagged(viewer, artist):
    hidden = ArtworkFactory(artist=artist, status="processing", published_at=None)
    with pytest.raises(ModerationError):
        flag_create(reporter=viewer, artwork=hidden, reason="spam")


def _upload(client, user, data, django_capture_on_commit_callbacks, label="human-made"):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {"title": "Upload", "medium": "drawing", "label": label,
             "images": [SimpleUploadedFile("a.jpg", data)]},
        )  # fmt: skip
    assert response.status_code == 302
    return Artwork.objects.latest("pk")


def test_provenance_mismatch_raises_a_system_flag_with_its_evidence(
    client, artist, django_capture_on_commit_callbacks
):
    artwork = _upload(
        client, artist, pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    flag = Flag.objects.get(artwork=artwork)
    assert flag.source == FlagSource.PROVENANCE and flag.reporter is None
    assert flag.reason == "undisclosed-ai"
    assert any("trainedAlgorithmicMedia" in e["value"] for e in flag.evidence)
    case = flag.case
    assert case.score_parts["provenance evidence"] == 40.0


def _photo(seed: int) -> bytes:
    import random

    rng = random.Random(seed)
    im = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3)).resize((640, 480))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_near_duplicate_of_another_artists_work_is_flagged_side_by_side(
    client, artist, other_artist, django_capture_on_commit_callbacks
):
    original = _upload(client, other_artist, _photo(1), django_capture_on_commit_callbacks)
    copy_bytes = io.BytesIO()
    Image.open(io.BytesIO(_photo(1))).resize((500, 375)).save(copy_bytes, "JPEG", quality=70)
    copy = _upload(client, artist, copy_bytes.getvalue(), django_capture_on_commit_callbacks)
    unrelated = _upload(client, artist, _photo(2), django_capture_on_commit_callbacks)
    flag = Flag.objects.get(source=FlagSource.DUPLICATE)
    assert flag.artwork == copy and flag.reason == "stolen"
    assert flag.evidence[0]["other_artwork_id"] == original.pk
    assert not Flag.objects.filter(artwork__in=[original, unrelated]).exists()

    moderator = ModeratorFactory(handle="mo")
    client.force_login(moderator)
    page = client.get(reverse("moderation:case", args=[flag.case_id])).content.decode()
    assert "Near-duplicates, side by side" in page and original.title in page


def test_a_second_settle_does_not_bring_back_a_dismissed_duplicate(
    client, artist, other_artist, moderator, django_capture_on_commit_callbacks
):
    # A provenance rescan hands a post over again (gallery.services.rescan): the intake must
    # not raise the near-duplicate a moderator already dismissed.
    _upload(client, other_artist, _photo(11), django_capture_on_commit_callbacks)
    copy_bytes = io.BytesIO()
    Image.open(io.BytesIO(_photo(11))).resize((500, 375)).save(copy_bytes, "JPEG", quality=70)
    copy = _upload(client, artist, copy_bytes.getvalue(), django_capture_on_commit_callbacks)
    flag = Flag.objects.get(source=FlagSource.DUPLICATE, artwork=copy)
    case_decide(moderator=moderator, case_id=flag.case_id, action="dismiss", reason="Homage.")

    Artwork.objects.filter(pk=copy.pk).update(handoff_pending=True)
    assert artwork_intake(artwork_id=copy.pk)

    assert Flag.objects.filter(source=FlagSource.DUPLICATE, artwork=copy).count() == 1
    assert not Case.objects.filter(artwork=copy, status=Case.Status.OPEN).exists()


def test_a_second_settle_of_a_held_post_writes_its_held_audit_line_once(artist):
    artwork = ArtworkFactory(artist=artist, status=Artwork.Status.AWAITING_APPROVAL)
    for _ in range(2):
        Artwork.objects.filter(pk=artwork.pk).update(handoff_pending=True)
        assert artwork_intake(artwork_id=artwork.pk)
    held = AuditEntry.objects.filter(artwork_id=artwork.pk, action=AuditAction.HELD_FOR_APPROVAL)
    assert held.count() == 1


def test_reupload_of_work_removed_as_ai_cites_the_earlier_decision(
    client, artist, viewer, moderator, django_capture_on_commit_callbacks
):
    data = _photo(5)
    first = _upload(client, artist, data, django_capture_on_commit_callbacks)
    flag = flag_create(reporter=viewer, artwork=first, reason="undisclosed-ai")
    decision = case_decide(
        moderator=moderator, case_id=flag.case_id, action="remove", reason="Generated image."
    )
    again = _upload(client, artist, data, django_capture_on_commit_callbacks)
    reupload = Flag.objects.get(source=FlagSource.REUPLOAD)
    assert reupload.artwork == again
    assert reupload.evidence[0]["decision_id"] == decision.pk
    assert "Generated image." in reupload.note


# --- Concurrency: the rate limit and the high-risk dedupe hold under real parallel requests ----


def _run_concurrently(target, args_list: list[tuple]) -> list:
    """Run ``target(*args)`` for every args tuple at once, each in its own thread and its own
    database connection; returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def run(i: int, args: tuple) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = target(*args)
        except Exception as exc:  # the test inspects every outcome
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_flags_beyond_the_hourly_limit_create_exactly_the_limit(settings):
    settings.MODERATION_FLAGS_PER_HOUR = 3
    reporter = UserFactory(handle="racer")
    artworks = [ArtworkFactory() for _ in range(8)]

    def flag(artwork):
        return flag_create(reporter=reporter, artwork=artwork, reason="spam")

    results = _run_concurrently(flag, [(a,) for a in artworks])

    created = [r for r in results if isinstance(r, Flag)]
    refused = [r for r in results if isinstance(r, ModerationError)]
    assert len(created) == 3 and len(refused) == 5, results
    assert all("many reports" in str(r) for r in refused)
    assert Flag.objects.filter(reporter=reporter).count() == 3
    assert AuditEntry.objects.filter(actor=reporter, action=AuditAction.FLAG).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_high_risk_processing_notifies_each_moderator_once():
    ModeratorFactory(handle="mod0"), ModeratorFactory(handle="mod1")
    artwork = ArtworkFactory()  # its artist joined today: "new account" adds to the score
    case = Case.objects.create(artwork=artwork, reason=FlagReason.STOLEN)
    Flag.objects.create(
        artwork=artwork, case=case, source=FlagSource.REUPLOAD, reason=FlagReason.STOLEN
    )

    results = _run_concurrently(lambda: case_process(case_id=case.pk), [()] * 6)

    assert results == [None] * 6
    assert Case.objects.get().risk_score >= HIGH_RISK
    notes = Notification.objects.filter(kind=NotificationKind.CASE_HIGH_RISK)
    assert sorted(notes.values_list("user__handle", flat=True)) == ["mod0", "mod1"]
