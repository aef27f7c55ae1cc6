"""A member's data export: one ZIP in private storage, built by a worker, fetched by a link."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Could not be prepared"
    # Its link ran out and its file was deleted (the row stays for the daily limit's count).
    EXPIRED = "expired", "Expired"


ACTIVE_STATUSES = (DataExportStatus.QUEUED, DataExportStatus.RUNNING)


def _export_file_name() -> str:
    # Server-generated and unguessable: the signed link names the export's id, and the file
    # never sits under a name derived from the member.
    return f"exports/{secrets.token_urlsafe(24)}.zip"


class DataExport(models.Model):
    """One "download all my data" request and the ZIP it produced.

    The row is the durable to-do: ``queued`` until a worker claims it, ``running`` while the
    worker writes (``heartbeat_at`` moves with each file), ``done`` with a file until
    ``expires_at``, or ``failed`` with a reason the member can read. A worker killed mid-way
    leaves ``running`` with a stale heartbeat, which the beat sweep puts back in the queue
    (``privacy.services.export.exports_sweep``).
    """

    Status = DataExportStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # In private storage; fixed at creation so a rebuilt export overwrites its own file.
    file_name = models.CharField(max_length=200, default=_export_file_name, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    # How many times a worker claimed it: an export that keeps killing its worker fails.
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DataExportStatus.values),
                name="privacy_dataexport_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="privacy_dataexport_progress_range"
            ),
            # privacy.services.export.export_request relies on it: two clicks (or the site
            # and the API at once) cannot start two exports for one member.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="privacy_dataexport_one_active_per_user",
            ),
        ]
        indexes = [
            # The settings page and the API show a member's latest exports.
            models.Index(fields=["user", "-created_at"], name="privacy_dataexport_user"),
            # exports_sweep finds unfinished exports (lost messages, dead workers) ...
            models.Index(
                fields=["heartbeat_at"],
                name="privacy_dataexport_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
            # ... and files past their expiry.
            models.Index(
                fields=["expires_at"],
                name="privacy_dataexport_expiring",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == DataExportStatus.DONE
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )
