"""``manage.py provenance_rescan [--since DATE] [--artist HANDLE]``: re-read stored originals.

Starts (or resumes) a ``RescanRun`` over the ready images scanned by an older reader than
``gallery.provenance.READER_VERSION``, then runs it in Celery batches: with a worker, one
chained task per batch while this command prints progress until the run finishes (``--no-wait``
returns at once; the dashboard shows the progress); in eager mode (no broker) the batches run
here one by one. Interrupted, the same command carries on where it stopped.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from config.errors import Conflict
from gallery.models import RescanRun
from gallery.services.rescan import rescan_start
from gallery.tasks import provenance_rescan_batch


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since wants a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Re-read the stored originals scanned by an older provenance reader, update their "
        "verdicts and evidence, and open a moderation case for each new label mismatch."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", type=_date, help="only images uploaded on or after DATE")
        parser.add_argument("--artist", metavar="HANDLE", help="only this artist's images")
        parser.add_argument(
            "--no-wait", action="store_true", help="enqueue the batches and return at once"
        )
        parser.add_argument(
            "--poll", type=float, default=2.0, help="seconds between progress lines (worker mode)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        artist = None
        if options["artist"]:
            handle = options["artist"].lstrip("@")
            artist = User.objects.by_handle(handle).first()
            if artist is None:
                raise CommandError(f"No artist with the handle {handle!r}.")
        try:
            run = rescan_start(since=options["since"], artist=artist)
        except Conflict as exc:
            raise CommandError(exc.message) from exc
        verb = "Resuming" if run.done or run.cursor else "Starting"
        self.stdout.write(
            f"{verb} rescan {run.pk} of {run.scope} with reader {run.reader_version}: "
            f"{run.total} images to re-read."
        )
        if settings.CELERY_TASK_ALWAYS_EAGER:
            while provenance_rescan_batch.delay(run.pk, chain=False).get():
                self._progress(run.pk)
        else:
            provenance_rescan_batch.delay(run.pk)
            if options["no_wait"]:
                self.stdout.write("Batches enqueued; progress is on the moderators' dashboard.")
                return
            self._wait(run.pk, options["poll"])
        self._progress(run.pk, final=True)

    def _wait(self, run_id: int, poll: float) -> None:
        last = None
        while True:
            run = RescanRun.objects.get(pk=run_id)
            if run.status == RescanRun.Status.FINISHED:
                return
            if (run.done, run.cursor) != last:
                last = (run.done, run.cursor)
                self._progress(run_id)
            time.sleep(poll)

    def _progress(self, run_id: int, *, final: bool = False) -> None:
        run = RescanRun.objects.get(pk=run_id)
        head = "Finished" if final and run.status == RescanRun.Status.FINISHED else "Progress"
        self.stdout.write(
            f"{head}: {run.done}/{run.total} re-read, {run.changed} verdicts changed, "
            f"{run.new_mismatches} new mismatches sent to moderation, "
            f"{run.missing} originals missing."
        )
