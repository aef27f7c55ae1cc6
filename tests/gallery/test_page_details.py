"""Small things people noticed on the artist's own pages (issue 13, "Ugly")."""

import pytest
from django.urls import reverse

from gallery.models import ArtworkImage
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def artwork(artist):
    artwork = ArtworkFactory(artist=artist, title="Harbour")
    ArtworkImage.objects.filter(pk=artwork.cover_id).update(alt_text="Boats in a grey harbour")
    ArtworkImage.objects.create(
        artwork=artwork, position=0, kind=ArtworkImage.Kind.PROCESS, original="originals/t/p.jpg",
        format="JPEG", sha256="1" * 64, state=ArtworkImage.State.PROCESSING,
    )  # fmt: skip
    return artwork


def test_processing_page_shows_a_thumbnail_or_a_placeholder_beside_each_image(
    client, artist, artwork
):
    client.force_login(artist)
    html = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    cover = artwork.cover
    assert html.count('class="thumb"') == 2
    assert f'<img class="thumb" src="{cover.best_url()}"' in html
    assert '<span class="thumb" aria-hidden="true"' in html  # the process image is not ready


def test_edit_page_shows_each_image_beside_its_alt_text_field(client, artist, artwork):
    client.force_login(artist)
    response = client.get(reverse("gallery:artwork_edit", args=[artwork.pk]))
    html = response.content.decode()
    assert html.count('<div class="field alt-field"><img class="thumb"') == 1
    assert html.count('<div class="field alt-field"><span class="thumb"') == 1
    assert 'value="Boats in a grey harbour"' in html


def test_processing_page_does_not_say_published_beside_a_label_mismatch(client, artist, artwork):
    type(artwork).objects.filter(pk=artwork.pk).update(label_mismatch=True)
    client.force_login(artist)
    html = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    assert "Published." not in html
    assert "it is posted, but kept out of human-only feeds until a moderator" in html
    assert "notice-ok" not in html


def test_processing_page_says_published_when_nothing_disputes_the_label(client, artist, artwork):
    client.force_login(artist)
    html = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    assert "<strong>Published.</strong>" in html and 'id="mismatch"' not in html


def test_alt_text_is_in_the_image_only_not_again_in_a_hidden_caption(client, artwork):
    html = client.get(artwork.get_absolute_url()).content.decode()
    assert 'alt="Boats in a grey harbour"' in html
    assert "<figcaption" not in html
    assert html.count(">Boats in a grey harbour<") == 0
