"""The demo content (``make run``): its members are not scored as new accounts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gallery import demo
from moderation.models import Case

pytestmark = pytest.mark.django_db


def test_demo_members_joined_long_ago_so_the_demo_case_scores_no_account_age(
    django_capture_on_commit_callbacks,
):
    tomasz = demo._ensure_user("tomasz", "Tomasz Wilk", "Ink.", trust_level=2)
    assert timezone.now() - tomasz.date_joined > timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):
        assert demo._demo_mismatch(None) == 1
    case = Case.objects.get(artwork__title="Night market", artwork__artist=tomasz)
    assert case.score_parts, "the case was scored"
    assert not any("account" in part for part in case.score_parts), case.score_parts
    assert case.risk_score == sum(case.score_parts.values())
