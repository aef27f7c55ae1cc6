"""Private files written before the transaction that refers to them, and never left orphaned.

A use case that stores files and rows (an upload's originals, an appeal's or a case's
evidence) cannot do both atomically: storage is not in the database's transaction. Writing the
files inside the transaction would hold its row locks for as long as up to 20 files take to
reach S3, and a rollback would still leave them behind. So the files go first, each recorded
beforehand as a ``FileDeletion`` row (committed at once: the "delete unless claimed" note), and
the transaction that inserts the rows referring to them deletes those notes (``claim``). Then:

- the transaction commits: the notes are gone with it, the files are owned by their rows;
- anything fails or rolls back: the files and their notes are deleted at once (``__exit__``);
- the process dies in between (a killed worker, a lost connection): the notes survive, and
  the beat sweep (``withdrawal.file_deletions_run``) deletes the files once the notes are
  older than ``STAGED_FILE_GRACE``, which no request lasts.

Inside an outer transaction (a test, a bulk seed) the notes commit with it, so only the last
case loses its guarantee there.
"""

from __future__ import annotations

from types import TracebackType

from django.core.files import File

from gallery.models import FileDeletion
from gallery.services.withdrawal import STAGED_FILE_GRACE, file_deletions_run
from gallery.storage import private_storage

__all__ = ["STAGED_FILE_GRACE", "StagedFiles"]


class StagedFiles:
    """A context manager for private files that a transaction will claim.

    ``save(name, content)`` records the note, then stores the file (under exactly ``name``:
    the names are server-generated and random). ``claim()`` is called inside the transaction
    that stores the rows. Leaving the block with an exception deletes every file saved so far
    (a storage outage at that point leaves the notes, and the sweep retries); leaving it
    without one but unclaimed is a programming error and also deletes them.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self._note_ids: list[int] = []
        self._claimed = False

    def __enter__(self) -> StagedFiles:
        return self

    def save(self, name: str, content: File) -> str:
        """Store ``content`` privately under ``name``; raises the storage's errors (OSError,
        botocore's) after recording the note, so even a half-written file is swept."""
        note = FileDeletion.objects.create(store=FileDeletion.Store.PRIVATE, name=name)
        self._note_ids.append(note.pk)
        stored = private_storage().save(name, content)
        self.names.append(stored)
        if stored != name:
            # Never expected with random names; the note names ``name``, so do not keep it.
            private_storage().delete(stored)
            raise OSError(f"Storage saved {name!r} as {stored!r}.")
        return stored

    def claim(self) -> None:
        """Inside the transaction that stores the rows: the files are theirs once it commits."""
        FileDeletion.objects.filter(pk__in=self._note_ids).delete()
        self._claimed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or not self._claimed:
            # The claiming transaction rolled back (or never ran): its deletes of the notes
            # were undone, so the notes name exactly the files to remove.
            file_deletions_run(ids=self._note_ids)
