from __future__ import annotations

import pytest

from tests.factories import ArtworkFactory


@pytest.fixture
def artwork(artist):
    """A published post by ``artist`` (ana), open for comments."""
    return ArtworkFactory(artist=artist, title="Harbour at dusk")


@pytest.fixture
def blocked_member(db, artist):
    """A member the artist blocked."""
    from accounts.models import Block
    from tests.factories import UserFactory

    member = UserFactory(handle="bob")
    Block.objects.create(blocker=artist, blocked=member)
    return member
