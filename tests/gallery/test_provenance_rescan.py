"""``manage.py provenance_rescan`` (issue 14, point 9): stale scans re-read, new mismatches sent
to moderation once, filters, resumption, and the dashboard's progress row.

"Stale" posts are uploaded through the real upload view while the reader is the old one: its
version is 1 and it saw nothing in the RuinedFooocus parameters JSON (as the real one did).
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from gallery import provenance
from gallery.models import Artwork, ArtworkImage, RescanRun
from gallery.provenance import ScanResult
from gallery.services import rescan
from gallery.services.visibility import artwork_accept_label
from gallery.storage import private_storage
from moderation.models import Case, Flag
from tests.gallery import provenance_files as pf

pytestmark = pytest.mark.django_db

RUINED_FOOOCUS = json.dumps(
    {
        "Prompt": "a lighthouse at dusk",
        "steps": 30,
        "cfg": 8,
        "seed": 1,
        "sampler_name": "euler",
        "base_model_name": "sdxl.safetensors",
        "software": "RuinedFooocus",
    }
)


@pytest.fixture
def upload(client, monkeypatch, django_capture_on_commit_callbacks):
    """Post a file as ``who``; ``old_reader`` scans it with the previous reader (version 1,
    blind to generation JSON), as posts uploaded before this reader were."""

    def run(who, data: bytes, *, label: str = "human-made", old_reader: bool = True) -> Artwork:
        client.force_login(who)
        with monkeypatch.context() as patch:
            if old_reader:
                patch.setattr(provenance, "READER_VERSION", 1)
                patch.setattr(
                    provenance, "scan_bytes", lambda data: ScanResult(verdict="no-evidence")
                )
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("gallery:upload"),
                    {
                        "title": "Lighthouse",
                        "medium": "digital-painting",
                        "label": label,
                        "images": [SimpleUploadedFile("art.png", data)],
                    },
                )
        assert response.status_code == 302
        client.logout()
        return Artwork.objects.latest("pk")

    return run


@pytest.fixture
def rescan_cmd(django_capture_on_commit_callbacks):
    def run(*args: str) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("provenance_rescan", *args, stdout=out)
        return out.getvalue()

    return run


def ai_png() -> bytes:
    return pf.png_text(parameters=RUINED_FOOOCUS)


def test_new_uploads_store_the_current_reader_version(artist, upload):
    artwork = upload(artist, pf.png(), old_reader=False)

    image = artwork.images.get()
    assert image.provenance_reader_version == provenance.READER_VERSION
    assert image.provenance_verdict == "no-evidence"


def test_rescan_finds_a_new_mismatch_and_opens_exactly_one_case(artist, upload, rescan_cmd):
    artwork = upload(artist, ai_png())
    assert (artwork.status, artwork.provenance_verdict) == ("published", "no-evidence")
    assert not artwork.label_mismatch and not Case.objects.exists()

    out = rescan_cmd()

    image = ArtworkImage.objects.get(artwork=artwork)
    assert image.provenance_reader_version == provenance.READER_VERSION
    assert image.provenance_verdict == "ai-generated"
    assert image.provenance["evidence"][0]["source"] == "ruinedfooocus"
    artwork.refresh_from_db()
    assert artwork.provenance_verdict == "ai-generated"
    assert artwork.label_mismatch and not artwork.handoff_pending
    case = Case.objects.get(artwork=artwork)
    assert case.ai_question and case.status == Case.Status.OPEN
    flag = Flag.objects.get(artwork=artwork)
    assert flag.source == "provenance" and flag.evidence[0]["source"] == "ruinedfooocus"
    assert "1/1 re-read, 1 verdicts changed, 1 new mismatches" in out
    run = RescanRun.objects.get()
    assert (run.status, run.total, run.done, run.changed, run.new_mismatches) == (
        "finished", 1, 1, 1, 1,
    )  # fmt: skip


def test_rescan_twice_is_idempotent(artist, upload, rescan_cmd):
    artwork = upload(artist, ai_png())
    rescan_cmd()
    image = ArtworkImage.objects.get(artwork=artwork)

    out = rescan_cmd()

    assert "0 images to re-read" in out
    assert "0/0 re-read" in out
    assert Case.objects.filter(artwork=artwork).count() == 1
    assert Flag.objects.filter(artwork=artwork).count() == 1
    assert ArtworkImage.objects.get(pk=image.pk).provenance == image.provenance
    assert list(RescanRun.objects.values_list("status", "done")) == [
        ("finished", 0),
        ("finished", 1),
    ]


def test_stale_record_without_mismatch_is_updated_and_opens_nothing(artist, upload, rescan_cmd):
    artwork = upload(artist, ai_png(), label="ai-generated")

    rescan_cmd()

    artwork.refresh_from_db()
    assert artwork.provenance_verdict == "ai-generated" and not artwork.label_mismatch
    assert artwork.images.get().provenance_reader_version == provenance.READER_VERSION
    assert not Case.objects.exists() and not Flag.objects.exists()


def test_mismatch_a_moderator_already_accepted_is_not_reopened(artist, upload, rescan_cmd):
    artwork = upload(artist, ai_png())
    rescan_cmd()
    Case.objects.update(status=Case.Status.CLOSED)
    artwork_accept_label(artwork_id=artwork.pk)
    # A later reader version re-reads the image; the verdict stays ai-generated.
    ArtworkImage.objects.update(provenance_reader_version=1)

    rescan_cmd()

    artwork.refresh_from_db()
    assert not artwork.label_mismatch
    assert Case.objects.filter(artwork=artwork).count() == 1
    assert not Case.objects.open().exists()


def test_artist_filter_rescans_only_that_artists_images(artist, other_artist, upload, rescan_cmd):
    mine = upload(artist, ai_png())
    theirs = upload(other_artist, ai_png())

    out = rescan_cmd("--artist", "@bruno")

    assert "of @bruno" in out
    assert theirs.images.get().provenance_reader_version == provenance.READER_VERSION
    assert mine.images.get().provenance_reader_version == 1
    assert list(Case.objects.values_list("artwork_id", flat=True)) == [theirs.pk]


def test_unknown_artist_is_refused(rescan_cmd, db):
    with pytest.raises(CommandError, match="No artist with the handle 'nobody'"):
        rescan_cmd("--artist", "nobody")


def test_since_filter_skips_older_uploads(artist, upload, rescan_cmd):
    old = upload(artist, ai_png())
    new = upload(artist, ai_png())
    ArtworkImage.objects.filter(artwork=old).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()

    rescan_cmd("--since", since)

    assert old.images.get().provenance_reader_version == 1
    assert new.images.get().provenance_reader_version == provenance.READER_VERSION


def test_bad_since_date_is_refused(rescan_cmd, db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        rescan_cmd("--since", "last week")


def test_missing_original_keeps_the_old_scan_and_is_counted(artist, upload, rescan_cmd):
    artwork = upload(artist, ai_png())
    private_storage().delete(artwork.images.get().original.name)

    out = rescan_cmd()

    image = artwork.images.get()
    assert (image.provenance_verdict, image.provenance_reader_version) == ("no-evidence", 1)
    assert "1 originals missing" in out
    assert not Case.objects.exists()


def test_interrupted_run_resumes_where_it_stopped(
    artist, upload, rescan_cmd, django_capture_on_commit_callbacks
):
    first = upload(artist, ai_png())
    second = upload(artist, ai_png())
    run = rescan.rescan_start()
    with django_capture_on_commit_callbacks(execute=True):
        assert rescan.rescan_batch(run_id=run.pk, size=1) == 1  # then the worker "dies"
    assert first.images.get().provenance_reader_version == provenance.READER_VERSION

    out = rescan_cmd()

    assert out.startswith(f"Resuming rescan {run.pk} of all images")
    assert second.images.get().provenance_reader_version == provenance.READER_VERSION
    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.new_mismatches) == ("finished", 2, 2, 2)
    assert RescanRun.objects.count() == 1
    assert Case.objects.count() == 2


def test_batch_cut_short_is_done_again_without_double_counting(artist, upload):
    first = upload(artist, ai_png())
    upload(artist, ai_png())
    run = rescan.rescan_start()
    # A batch that re-read the first image, then died before moving the cursor.
    rescan.image_rescan(image_id=first.images.get().pk)

    while rescan.rescan_batch(run_id=run.pk):
        pass

    run.refresh_from_db()
    assert (run.status, run.done) == ("finished", 1)
    assert not ArtworkImage.objects.filter(provenance_reader_version=1).exists()


def test_another_scopes_unfinished_run_is_refused(artist, upload, rescan_cmd):
    upload(artist, ai_png())
    rescan.rescan_start()

    with pytest.raises(CommandError, match="is not finished"):
        rescan_cmd("--artist", "ana")


def test_dashboard_shows_the_latest_rescan(client, moderator, artist, upload, rescan_cmd):
    upload(artist, ai_png())
    rescan_cmd()
    client.force_login(moderator)

    html = client.get(reverse("moderation:dashboard")).content.decode()

    assert 'id="provenance-rescan"' in html
    assert "1 of 1 images re-read, 1 verdict changed, 1 new mismatch sent to the queue" in html


def test_dashboard_without_rescans_has_no_rescan_row(client, moderator, django_assert_num_queries):
    client.force_login(moderator)

    html = client.get(reverse("moderation:dashboard")).content.decode()

    assert 'id="provenance-rescan"' not in html
    from gallery.selectors import rescan_latest

    with django_assert_num_queries(1):
        assert rescan_latest() is None


def test_batch_task_chains_the_next_batch_until_the_run_is_done(
    artist, upload, monkeypatch, django_capture_on_commit_callbacks
):
    from gallery.tasks import provenance_rescan_batch

    for _ in range(3):
        upload(artist, ai_png())
    monkeypatch.setattr(rescan, "BATCH_SIZE", 1)
    monkeypatch.setattr(rescan.rescan_batch, "__kwdefaults__", {"size": 1})
    run = rescan.rescan_start()

    with django_capture_on_commit_callbacks(execute=True):
        provenance_rescan_batch.delay(run.pk)

    run.refresh_from_db()
    assert (run.status, run.done, run.new_mismatches) == ("finished", 3, 3)
    assert Case.objects.count() == 3


class FakeWorkerTask:
    """Stands in for the task when a worker runs it: ``delay`` records the call and the
    "worker" runs the whole chain at once (the command then only polls the run's row)."""

    def __init__(self, *, run_now: bool) -> None:
        self.calls: list[tuple] = []
        self.run_now = run_now

    def delay(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.run_now:
            while rescan.rescan_batch(run_id=args[0]):
                pass


@pytest.mark.parametrize("no_wait", [False, True], ids=["wait", "no-wait"])
def test_with_a_worker_the_command_enqueues_one_chain_and_polls(
    artist, upload, rescan_cmd, settings, monkeypatch, no_wait
):
    upload(artist, ai_png())
    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = FakeWorkerTask(run_now=not no_wait)
    monkeypatch.setattr(
        "gallery.management.commands.provenance_rescan.provenance_rescan_batch", task
    )

    out = rescan_cmd("--poll", "0", *(["--no-wait"] if no_wait else []))

    run = RescanRun.objects.get()
    assert task.calls == [((run.pk,), {})]
    if no_wait:
        assert "progress is on the moderators' dashboard" in out
        assert run.status == RescanRun.Status.RUNNING and run.done == 0
    else:
        assert out.rstrip().endswith(
            "Finished: 1/1 re-read, 1 verdicts changed, "
            "1 new mismatches sent to moderation, 0 originals missing."
        )
        assert run.status == RescanRun.Status.FINISHED
