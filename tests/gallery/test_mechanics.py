"""The shared mechanics gallery owns: the label preference and the evidence formatter."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from accounts.models import FeedPreference
from gallery.evidence import evidence_fields, evidence_words, images_evidence
from gallery.selectors import PREFERENCE_COOKIE, label_preference, viewer_preference

AI = {"source": "c2pa", "field": "dst", "value": "trainedAlgorithmicMedia", "kind": "ai-generated",
      "summary": "C2PA says a generator made it"}  # fmt: skip
INFO = {"source": "exif", "field": "size", "value": "800x600", "kind": "info", "summary": ""}
HUMAN = {"source": "exif", "field": "Model", "value": "X100", "kind": "human", "summary": ""}


@pytest.mark.parametrize(
    ("value", "allowed", "expected"),
    [
        (None, True, "human"),
        ("nonsense", True, "human"),
        ("assisted", True, "assisted"),
        ("all", True, "all"),
        ("all", False, "assisted"),
    ],
)
def test_label_preference_falls_back_to_human_and_never_lists_refused_work(
    settings, value, allowed, expected
):
    settings.ATELIER_ALLOW_AI_GENERATED = allowed
    assert label_preference(value) == expected


def test_viewer_preference_prefers_an_explicit_choice_then_the_cookie(rf: RequestFactory):
    request = rf.get("/")
    request.user = SimpleNamespace(is_authenticated=False)
    request.COOKIES[PREFERENCE_COOKIE] = FeedPreference.ASSISTED
    assert viewer_preference(request) == FeedPreference.ASSISTED
    assert viewer_preference(request, "all") == FeedPreference.ALL
    assert viewer_preference(request, "bogus") == FeedPreference.ASSISTED


def test_images_evidence_keeps_each_item_once_in_image_order():
    images = [
        SimpleNamespace(provenance={"evidence": [AI, INFO]}),
        SimpleNamespace(provenance=None),
        SimpleNamespace(provenance={"evidence": [AI, HUMAN]}),
    ]
    assert images_evidence(images) == [AI, INFO, HUMAN]
    assert images_evidence(images, with_info=False) == [AI, HUMAN]


def test_evidence_words_say_only_what_disputes_a_label():
    assert evidence_words([AI, INFO, HUMAN, {"kind": "duplicate", "value": "distance 2"}]) == [
        "C2PA says a generator made it",
        "distance 2",
    ]
    assert evidence_fields({"kind": "ai-assisted", "extra": 1}) == {
        "source": "", "field": "", "value": "", "kind": "ai-assisted", "summary": "",
    }  # fmt: skip
