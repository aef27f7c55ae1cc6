from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from tests.factories import ModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_cache_and_media():
    """Rate limits live in this worker's own Redis database: start every test from zero."""
    cache.clear()
    yield
    for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def artist(db):
    return UserFactory(handle="ana", display_name="Ana Artist")


@pytest.fixture
def other_artist(db):
    return UserFactory(handle="bruno", display_name="Bruno Other")


@pytest.fixture
def viewer(db):
    return UserFactory(handle="vic")


@pytest.fixture
def trusted_reviewer(db):
    return UserFactory(handle="tess", trust_level=3)


@pytest.fixture
def moderator(db):
    return ModeratorFactory(handle="mona")


@pytest.fixture
def suspended_user(db):
    return UserFactory(handle="sam", suspended_until=timezone.now() + timedelta(days=7))


@pytest.fixture
def unverified_user(db):
    return UserFactory(handle="uma", verified=False)
