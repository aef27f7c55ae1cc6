"""accounts.services owns the restriction and trust fields that moderation sets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import TrustLevel, User
from accounts.services import (
    user_restrictions_lift,
    user_suspend,
    user_trust_set,
    user_uploads_hold,
)

pytestmark = pytest.mark.django_db


def test_suspension_never_shortens_a_longer_one(artist):
    before, after = user_suspend(user=artist, days=30, reason="Repeated.")
    assert before == {"suspended_until": None}
    longer = User.objects.get(pk=artist.pk).suspended_until
    assert after == {"suspended_until": longer.isoformat()}
    user_suspend(user=artist, days=3, reason="Again.")
    row = User.objects.get(pk=artist.pk)
    assert row.suspended_until == longer
    assert row.suspension_reason == "Again."


def test_hold_and_lift_write_the_row_and_report_before_and_after(artist):
    _, after = user_uploads_hold(user=artist, days=7)
    held = User.objects.get(pk=artist.pk).uploads_held_until
    assert held > timezone.now() + timedelta(days=6)
    user_suspend(user=artist, days=1, reason="x")
    before, after = user_restrictions_lift(user=artist, suspension=False, hold=True)
    assert before == {"uploads_held_until": held.isoformat()}
    assert after == {"uploads_held_until": None}
    row = User.objects.get(pk=artist.pk)
    assert row.uploads_held_until is None and row.suspended_until is not None
    assert user_restrictions_lift(user=artist, suspension=False, hold=False) == ({}, {})
    user_restrictions_lift(user=artist, suspension=True, hold=False)
    row = User.objects.get(pk=artist.pk)
    assert row.suspended_until is None and row.suspension_reason == ""


def test_trust_level_is_written_only_when_it_changes(artist):
    assert user_trust_set(user_id=artist.pk, level=TrustLevel.TRUSTED) is True
    assert user_trust_set(user_id=artist.pk, level=TrustLevel.TRUSTED) is False
    assert User.objects.get(pk=artist.pk).trust_level == TrustLevel.TRUSTED
