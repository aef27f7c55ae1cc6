"""Digests: one email per member per period with the counts per kind since their last one;
none for members with nothing or with the kind off; a rerun (or a run after a killed
worker) sends no duplicate and skips nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.message import EmailMultiAlternatives

from accounts.models import (
    EmailChoice,
    Notification,
    NotificationDigest,
    NotificationKind,
)
from accounts.services import notify
from accounts.services_notifications import (
    digest_window_end,
    digests_send,
    notification_settings_set,
)
from accounts.tasks import send_digests
from gallery.services.artworks import like_set
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 00:00 UTC: the weekly window is the week before.
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)
K = NotificationKind


def _at(when: datetime, **kwargs) -> None:
    """Notify, then move the row to ``when`` (a seeded past event)."""
    note = notify(**kwargs)
    if note is not None:
        Notification.objects.filter(pk=note.pk).update(created_at=when)


def _seed_week(members: dict) -> None:
    """A week of events before WEEK_END: likes (one batch of 12 on Tuesday, one of 3 on
    Friday), follows, new posts, comments, and events outside the window on either side."""
    ana, bea, cid, dan, eve = (members[k] for k in ("ana", "bea", "cid", "dan", "eve"))
    likers = UserFactory.create_batch(12)
    tuesday = WEEK_END - timedelta(days=6) + timedelta(hours=9)
    friday = WEEK_END - timedelta(days=3) + timedelta(hours=15)
    art, other = ArtworkFactory(artist=ana, title="Dusk"), ArtworkFactory(artist=ana)
    for liker in likers:
        like_set(user=liker, artwork=art, liked=True)
    Notification.objects.filter(user=ana, kind=K.LIKE).update(created_at=tuesday)
    for liker in likers[:3]:
        like_set(user=liker, artwork=other, liked=True)
    Notification.objects.filter(user=ana, kind=K.LIKE, created_at__gt=friday).update(
        created_at=friday
    )
    for i, follower in enumerate(likers[:4]):
        _at(tuesday + timedelta(hours=i), user=ana, kind=K.FOLLOW, title="f", actor=follower)
        _at(friday, user=bea, kind=K.LIKE, title="l", actor=follower)
    for i in range(2):
        _at(friday, user=ana, kind=K.NEW_POST, title=f"p{i}", actor=likers[5])
        _at(friday, user=dan, kind=K.NEW_POST, title=f"p{i}", actor=likers[5])
    # Comments are on the daily digest by default: never in the weekly one.
    _at(friday, user=ana, kind=K.COMMENT, title="c", actor=likers[6])
    # After the window's end: next week's digest.
    _at(WEEK_END + timedelta(hours=1), user=ana, kind=K.FOLLOW, title="late", actor=likers[7])
    _at(friday, user=eve, kind=K.FOLLOW, title="f", actor=likers[8])
    del cid  # cid has no events at all


@pytest.fixture
def members(db):
    names = ("ana", "bea", "cid", "dan", "eve")
    members = {n: UserFactory(handle=n) for n in names}
    # bea turned likes' email off: her only events are likes.
    notification_settings_set(user=members["bea"], changes={K.LIKE: {"email": EmailChoice.OFF}})
    # dan moved new posts to the daily digest: nothing weekly is left for him.
    notification_settings_set(
        user=members["dan"], changes={K.NEW_POST: {"email": EmailChoice.DAILY}}
    )
    # eve hides follows from her list but keeps them in the weekly digest.
    notification_settings_set(user=members["eve"], changes={K.FOLLOW: {"in_site": False}})
    return members


def _digests_to(handle: str) -> list[EmailMultiAlternatives]:
    return [m for m in mail.outbox if m.to == [f"{handle}@example.com"]]


def test_seeded_week_sends_one_digest_per_member_with_the_right_counts(members, settings):
    settings.SITE_URL = "https://atelier.example"
    _seed_week(members)
    mail.outbox.clear()
    run = digests_send(period="weekly", window_end=WEEK_END)
    assert run.sent == 2 and run.next_after is None
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "eve@example.com"]
    [ana] = _digests_to("ana")
    digest = NotificationDigest.objects.get(user=members["ana"], period="weekly")
    assert digest.counts == {"like": 15, "follow": 4, "new-post": 2}
    assert digest.window_end == WEEK_END and digest.sent_at is not None
    assert "21 new notifications" in ana.subject
    assert "Likes on your work: 15" in ana.body and "Someone followed you: 4" in ana.body
    assert "comment" not in ana.body.lower()
    assert "Likes on your work" in ana.alternatives[0][0]
    assert ana.extra_headers["List-Unsubscribe"].startswith("<https://atelier.example/unsub")
    assert ana.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [eve] = _digests_to("eve")
    assert "Someone followed you: 1" in eve.body


def test_a_rerun_sends_nothing_more(members):
    _seed_week(members)
    mail.outbox.clear()
    digests_send(period="weekly", window_end=WEEK_END)
    sent = len(mail.outbox)
    assert digests_send(period="weekly", window_end=WEEK_END).sent == 0
    # Through the beat task too, twice, on a day within the same week.
    send_digests.delay("weekly", WEEK_END.isoformat())
    send_digests.delay("weekly", WEEK_END.isoformat())
    assert len(mail.outbox) == sent
    assert NotificationDigest.objects.count() == sent


def test_the_next_week_counts_only_what_came_after_the_last_digest(members):
    _seed_week(members)
    digests_send(period="weekly", window_end=WEEK_END)
    mail.outbox.clear()
    next_end = WEEK_END + timedelta(weeks=1)
    # The "late" follow (after WEEK_END) and one more like batch.
    digests_send(period="weekly", window_end=next_end)
    [ana] = _digests_to("ana")
    assert NotificationDigest.objects.get(user=members["ana"], window_end=next_end).counts == {
        "follow": 1
    }
    assert "Someone followed you: 1" in ana.body and len(mail.outbox) == 1


def test_daily_digest_carries_only_daily_kinds(members):
    _seed_week(members)
    mail.outbox.clear()
    day_end = WEEK_END - timedelta(days=2)  # Saturday 00:00: Friday's events are the day before
    digests_send(period="daily", window_end=day_end)
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "dan@example.com"]
    assert NotificationDigest.objects.get(user=members["ana"]).counts == {"comment": 1}
    assert NotificationDigest.objects.get(user=members["dan"]).counts == {"new-post": 2}


def test_a_worker_killed_mid_run_skips_nobody_and_repeats_nothing(members, monkeypatch):
    _seed_week(members)
    mail.outbox.clear()
    real_send = EmailMultiAlternatives.send

    def dies_on_eve(self, *args, **kwargs):
        if self.to == ["eve@example.com"]:
            raise ConnectionError("the worker died here")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", dies_on_eve)
    with pytest.raises(ConnectionError):
        digests_send(period="weekly", window_end=WEEK_END)
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    # eve's digest is claimed but not sent; the rerun sends hers alone.
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert digests_send(period="weekly", window_end=WEEK_END).sent == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.com", "eve@example.com"]


def test_a_claim_left_unsent_by_an_earlier_run_is_sent_by_the_next(members):
    earlier = WEEK_END - timedelta(weeks=1)
    NotificationDigest.objects.create(
        user=members["cid"], period="weekly", window_start=earlier - timedelta(weeks=1),
        window_end=earlier, counts={"follow": 2},
    )  # fmt: skip
    assert digests_send(period="weekly", window_end=WEEK_END).sent == 1
    [email] = mail.outbox
    assert email.to == ["cid@example.com"] and "Someone followed you: 2" in email.body
    assert digests_send(period="weekly", window_end=WEEK_END).sent == 0


def test_members_without_an_address_or_inactive_get_none(members):
    _seed_week(members)
    type(members["ana"]).objects.filter(pk=members["ana"].pk).update(email="")
    type(members["eve"]).objects.filter(pk=members["eve"].pk).update(is_active=False)
    mail.outbox.clear()
    assert digests_send(period="weekly", window_end=WEEK_END).sent == 0


def test_runs_in_batches_and_resumes_after_the_budget(members, monkeypatch):
    from accounts import services_notifications

    _seed_week(members)
    mail.outbox.clear()
    monkeypatch.setattr(services_notifications, "DIGEST_BATCH", 2)
    first = digests_send(period="weekly", window_end=WEEK_END, budget_seconds=0)
    assert first.next_after is not None
    rest = digests_send(period="weekly", window_end=WEEK_END, after_id=first.next_after)
    assert first.sent + rest.sent == 2 and len(mail.outbox) == 2


def test_window_boundaries():
    now = datetime(2026, 11, 26, 13, 5, tzinfo=UTC)  # a Thursday
    assert digest_window_end("daily", now) == datetime(2026, 11, 26, tzinfo=UTC)
    assert digest_window_end("weekly", now) == WEEK_END


def test_digest_tasks_are_in_the_beat_schedule(settings):
    tasks = {e["task"]: e.get("args") for e in settings.CELERY_BEAT_SCHEDULE.values()}
    scheduled = [e.get("args") for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "accounts.tasks.send_digests" in tasks
    assert ("daily",) in scheduled and ("weekly",) in scheduled
    assert "accounts.tasks.sweep_fanouts" in tasks
