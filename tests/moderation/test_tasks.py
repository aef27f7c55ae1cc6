"""Moderation's Celery tasks: flag processing, expiries and reports (each run twice)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from gallery.models import Artwork
from moderation import tasks
from moderation.models import AuditEntry, Case, Report
from moderation.services.decisions import case_request_evidence
from moderation.services.flags import flag_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_enough_trusted_flaggers_hold_the_post_out_of_human_feeds(
    artwork, settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_AUTO_HOLD_FLAGS = 2
    trusted = [UserFactory(handle=f"t{i}", trust_level=3) for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(reporter=trusted[0], artwork=artwork, reason="undisclosed-ai")
    assert not Artwork.objects.get().held
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(reporter=trusted[1], artwork=artwork, reason="wrong-ai-label")
    assert Artwork.objects.get().held
    assert AuditEntry.objects.filter(action="auto-hold").count() == 1
    tasks.process_case.apply(args=[Case.objects.get().pk])  # twice: still one entry
    assert AuditEntry.objects.filter(action="auto-hold").count() == 1


def test_untrusted_flags_never_hold(artwork, settings, django_capture_on_commit_callbacks):
    settings.MODERATION_AUTO_HOLD_FLAGS = 1
    with django_capture_on_commit_callbacks(execute=True):
        flag_create(reporter=UserFactory(trust_level=1), artwork=artwork, reason="undisclosed-ai")
    assert not Artwork.objects.get().held


def test_high_risk_case_notifies_moderators_once(flagged, moderator):
    Case.objects.filter(pk=flagged.pk).update(escalated=True)
    from moderation.models import Flag

    Flag.objects.create(artwork=flagged.artwork, case=flagged, source="reupload",
                        reason="undisclosed-ai")  # fmt: skip
    tasks.process_case.apply(args=[flagged.pk])
    tasks.process_case.apply(args=[flagged.pk])
    assert Notification.objects.filter(user=moderator, kind="case-high-risk").count() == 1


def test_claim_expiry_task(flagged, moderator):
    Case.objects.filter(pk=flagged.pk).update(
        claimed_by=moderator, claimed_until=timezone.now() - timedelta(minutes=1)
    )
    assert tasks.expire_claims.apply().get() == 1
    assert tasks.expire_claims.apply().get() == 0
    assert Case.objects.get().claimed_by is None


def test_overdue_evidence_escalates_the_case(flagged, moderator):
    case_request_evidence(moderator=moderator, case_id=flagged.pk, reason="Layers please.")
    Case.objects.filter(pk=flagged.pk).update(evidence_due=timezone.now() - timedelta(hours=1))
    assert tasks.daily_upkeep.apply().get()["evidence_overdue"] == 1
    assert tasks.daily_upkeep.apply().get()["evidence_overdue"] == 0
    case = Case.objects.get()
    assert case.escalated and case.score_parts["escalated"] == 20.0


def test_upkeep_raises_missed_mismatch_flags(artist):
    from tests.factories import ArtworkFactory

    art = ArtworkFactory(artist=artist, label_mismatch=True, provenance_verdict="ai-generated")
    tasks.daily_upkeep.apply()
    tasks.daily_upkeep.apply()
    case = Case.objects.get(artwork=art)
    assert case.flags.filter(source="provenance").count() == 1


def test_build_reports_task_is_idempotent(flagged):
    tasks.build_reports.apply()
    tasks.build_reports.apply()
    assert Report.objects.filter(period="daily").count() == 1
    assert Report.objects.filter(period="weekly").count() == 1


def test_moderation_tasks_retry_database_and_broker_errors():
    from django.db import InterfaceError, OperationalError

    from moderation import tasks

    for task in (tasks.process_case, tasks.intake_artwork):
        assert OperationalError in task.autoretry_for
        assert InterfaceError in task.autoretry_for
        assert OSError in task.autoretry_for
