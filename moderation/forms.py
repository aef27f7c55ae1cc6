from __future__ import annotations

from django import forms

from config.text import SingleLineCharField
from gallery.models import Label
from moderation.models import (
    ARTWORK_REASONS,
    COLLECTION_ACTION_LABELS,
    COLLECTION_REASONS,
    COMMENT_ACTION_LABELS,
    COMMENT_REASONS,
    CaseSubject,
    Decision,
    FlagReason,
    ReviewVote,
)

DECISION_CHOICES = [
    (value, name)
    for value, name in Decision.Action.choices
    # Evidence requests keep the case open and have their own form; unsuspending is per user.
    if value not in (Decision.Action.UNSUSPEND, Decision.Action.REQUEST_EVIDENCE)
]

# In the vocabulary's order, so the forms list the reasons as the API's schema does.
ARTWORK_REASON_CHOICES = [(r.value, r.label) for r in FlagReason if r in ARTWORK_REASONS]
COMMENT_REASON_CHOICES = [(r.value, r.label) for r in FlagReason if r in COMMENT_REASONS]
COMMENT_DECISION_CHOICES = [
    (value, COMMENT_ACTION_LABELS[value]) for value, _ in DECISION_CHOICES
    if value in COMMENT_ACTION_LABELS
]  # fmt: skip
COLLECTION_REASON_CHOICES = [(r.value, r.label) for r in FlagReason if r in COLLECTION_REASONS]
COLLECTION_DECISION_CHOICES = [
    (value, COLLECTION_ACTION_LABELS[value]) for value, _ in DECISION_CHOICES
    if value in COLLECTION_ACTION_LABELS
]  # fmt: skip


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=ARTWORK_REASON_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What did you notice? Moderators read every word.",
    )
    original_url = forms.URLField(
        required=False,
        max_length=500,
        label="Link to the original (for stolen work)",
        assume_scheme="https",
    )

    def clean(self):
        data = super().clean()
        if data.get("original_url") and data.get("reason") != FlagReason.STOLEN:
            data["original_url"] = ""
        return data


class CommentFlagForm(forms.Form):
    """Reporting a comment: only the reasons a comment can have, and a note."""

    reason = forms.ChoiceField(choices=COMMENT_REASON_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is wrong with it? Moderators read every word.",
    )


class CollectionFlagForm(CommentFlagForm):
    """Reporting a collection's title or description."""

    reason = forms.ChoiceField(choices=COLLECTION_REASON_CHOICES, widget=forms.RadioSelect)


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The artist reads this, with the evidence. Reporters see only the outcome.",
    )
    new_label = forms.ChoiceField(choices=[("", "—"), *Label.choices], required=False)
    strike = forms.BooleanField(required=False, label="Also give a strike")
    suspend_days = forms.IntegerField(required=False, min_value=1, max_value=3650)

    def __init__(self, *args, subject: str = CaseSubject.ARTWORK, **kwargs):
        super().__init__(*args, **kwargs)
        if subject == CaseSubject.COMMENT:
            # A comment case offers only what applies to a comment, in its own words; the
            # service refuses the others whatever the form offered.
            self.fields["action"].choices = COMMENT_DECISION_CHOICES
            self.fields[
                "reason"
            ].help_text = "The comment's author reads this. Reporters see only the outcome."
            del self.fields["new_label"]
        elif subject == CaseSubject.COLLECTION:
            self.fields["action"].choices = COLLECTION_DECISION_CHOICES
            self.fields[
                "reason"
            ].help_text = "The collection's owner reads this. Reporters see only the outcome."
            del self.fields["new_label"]

    def clean(self):
        data = super().clean()
        if data.get("action") == Decision.Action.RELABEL and not data.get("new_label"):
            self.add_error("new_label", "Choose the new label.")
        return data

    @staticmethod
    def decision_arguments(cleaned: dict) -> dict:
        """The cleaned fields as ``case_decide``'s keyword arguments: the site's view and the
        API's call the service alike from them."""
        return {
            "action": cleaned["action"],
            "reason": cleaned["reason"],
            "new_label": cleaned.get("new_label", ""),
            "strike": cleaned["strike"],
            "suspend_days": cleaned["suspend_days"],
        }


class EvidenceRequestForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    statement = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Explain why the decision is wrong. Another moderator will read it.",
    )


class AppealDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[("uphold", "Uphold the appeal: reverse the decision"), ("deny", "Deny")],
        widget=forms.RadioSelect,
    )
    response = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class VoteForm(forms.Form):
    vote = forms.ChoiceField(choices=ReviewVote.Vote.choices, widget=forms.RadioSelect)


class UnsuspendForm(forms.Form):
    reason = SingleLineCharField(max_length=500)
