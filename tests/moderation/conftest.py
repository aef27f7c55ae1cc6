import pytest

from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory, UserFactory


@pytest.fixture
def artwork(artist):
    a = ArtworkFactory(artist=artist, title="Harbour")
    a.tags.set(["sea"])
    return a


@pytest.fixture
def flagged(artwork, viewer, django_capture_on_commit_callbacks):
    """The artist's artwork with one member flag for undisclosed AI; returns the case."""
    with django_capture_on_commit_callbacks(execute=True):
        flag = flag_create(
            reporter=viewer, artwork=artwork, reason="undisclosed-ai", note="Six fingers."
        )
    return flag.case


@pytest.fixture
def reviewers(db):
    return [UserFactory(handle=f"rev{i}", trust_level=3) for i in range(6)]
