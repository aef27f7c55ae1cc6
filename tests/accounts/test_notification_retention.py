"""Retention: the daily beat task deletes digest rows past ATELIER_DIGEST_RETENTION_DAYS and
read (or digest-only) notifications past ATELIER_NOTIFICATION_RETENTION_DAYS, and nothing a
member has not seen or a digest still needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import (
    DigestPeriod,
    Notification,
    NotificationDigest,
    NotificationKind,
)
from accounts.services_notifications import digest_window_end, digests_send
from accounts.tasks import prune_notifications
from config.celery import app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

K = NotificationKind


def _note(user, *, days_ago: int, read: bool, in_site: bool = True, title: str = "n"):
    note = Notification.objects.create(
        user=user, kind=K.FOLLOW, title=title, in_site=in_site, url="/x/"
    )
    when = timezone.now() - timedelta(days=days_ago)
    Notification.objects.filter(pk=note.pk).update(
        created_at=when, read_at=when + timedelta(hours=1) if read else None
    )
    return note.pk


def _digest(user, *, ended_days_ago: int, sent: bool = True):
    end = timezone.now() - timedelta(days=ended_days_ago)
    return NotificationDigest.objects.create(
        user=user,
        period=DigestPeriod.WEEKLY,
        window_start=end - timedelta(weeks=1),
        window_end=end,
        counts={"follow": 1},
        sent_at=end if sent else None,
    ).pk


def test_the_task_prunes_old_digests_and_old_read_notifications_only():
    ana, bob = UserFactory(), UserFactory()
    keep_digests = [_digest(ana, ended_days_ago=7), _digest(bob, ended_days_ago=89)]
    gone_digests = [
        _digest(ana, ended_days_ago=91),
        _digest(bob, ended_days_ago=400, sent=False),
    ]
    keep_notes = [
        _note(ana, days_ago=179, read=True),  # read, but recent enough
        _note(ana, days_ago=400, read=False),  # never read: the member has not seen it
        _note(bob, days_ago=10, read=False, in_site=False),  # a digest may still count it
    ]
    gone_notes = [
        _note(ana, days_ago=181, read=True),
        _note(bob, days_ago=365, read=True),
        _note(bob, days_ago=200, read=False, in_site=False),
    ]

    result = prune_notifications.apply().get()

    assert result == {"digests": 2, "notifications": 3}
    assert set(NotificationDigest.objects.values_list("pk", flat=True)) == set(keep_digests)
    assert set(Notification.objects.values_list("pk", flat=True)) == set(keep_notes)
    assert not NotificationDigest.objects.filter(pk__in=gone_digests).exists()
    assert not Notification.objects.filter(pk__in=gone_notes).exists()
    # A second run finds nothing.
    assert prune_notifications.apply().get() == {"digests": 0, "notifications": 0}


def test_the_settings_move_the_cutoffs(settings):
    settings.ATELIER_DIGEST_RETENTION_DAYS = 30
    settings.ATELIER_NOTIFICATION_RETENTION_DAYS = 30
    ana = UserFactory()
    _digest(ana, ended_days_ago=31)
    kept = _digest(ana, ended_days_ago=29)
    _note(ana, days_ago=31, read=True)
    fresh = _note(ana, days_ago=29, read=True)
    assert prune_notifications.apply().get() == {"digests": 1, "notifications": 1}
    assert list(NotificationDigest.objects.values_list("pk", flat=True)) == [kept]
    assert list(Notification.objects.values_list("pk", flat=True)) == [fresh]


def test_pruning_an_old_digest_sends_no_event_twice(mailoutbox):
    """The next weekly window starts at the last digest's end, capped by the 3-week lookback:
    pruning a digest older than the retention cannot widen it over events already sent."""
    ana = UserFactory(email="ana@example.com")
    end = digest_window_end(DigestPeriod.WEEKLY, datetime(2026, 11, 23, 12, tzinfo=UTC))
    old = Notification.objects.create(user=ana, kind=K.FOLLOW, title="old follow")
    Notification.objects.filter(pk=old.pk).update(created_at=end - timedelta(days=30))
    NotificationDigest.objects.create(
        user=ana,
        period=DigestPeriod.WEEKLY,
        window_start=end - timedelta(days=35),
        window_end=end - timedelta(days=settings.ATELIER_DIGEST_RETENTION_DAYS + 1),
        counts={"follow": 1},
        sent_at=end - timedelta(days=settings.ATELIER_DIGEST_RETENTION_DAYS + 1),
    )
    prune_notifications.apply(kwargs={}).get()
    assert not NotificationDigest.objects.filter(user=ana).exists()
    assert digests_send(period=DigestPeriod.WEEKLY, window_end=end).sent == 0
    assert not mailoutbox


def test_beat_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-prune-notifications"]
    assert entry["task"] == prune_notifications.name
    assert entry["task"] in app.tasks
