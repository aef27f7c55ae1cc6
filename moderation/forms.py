from __future__ import annotations

from django import forms

from config.text import SingleLineCharField
from gallery.models import Label
from moderation.models import Decision, FlagReason, ReviewVote

DECISION_CHOICES = [
    (value, name)
    for value, name in Decision.Action.choices
    # Evidence requests keep the case open and have their own form; unsuspending is per user.
    if value not in (Decision.Action.UNSUSPEND, Decision.Action.REQUEST_EVIDENCE)
]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=FlagReason.choices, widget=forms.RadioSelect)
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
            "new_label": cleaned["new_label"],
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
