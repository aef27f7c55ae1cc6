"""Reads of a member's own export rows, for the settings page and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from privacy.models import DataExport


def exports_of(*, user: User, limit: int = 5) -> QuerySet[DataExport]:
    """``user``'s latest exports, newest first (served by ``privacy_dataexport_user``).
    Lazy and sliced; raises nothing."""
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def export_of(*, user: User, export_id: int) -> DataExport | None:
    """One export of ``user``'s, or None when it does not exist or is someone else's (the
    callers answer 404 either way, never revealing another member's export)."""
    return DataExport.objects.filter(user=user, pk=export_id).first()
