from __future__ import annotations

from django import forms
from django.conf import settings
from taggit.utils import parse_tags

from config.text import SINGLE_LINE_MESSAGE, SingleLineCharField, validate_single_line
from gallery.models import LABEL_EXPLANATIONS, AiStage, Label, Medium
from gallery.services.upload_keys import upload_key_verify

MAX_TAGS = 20


class TagsField(SingleLineCharField):
    def clean(self, value) -> list[str]:
        value = super().clean(value)
        tags = [t.strip()[:50] for t in parse_tags(value or "") if t.strip()]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags, please.")
        return tags


class ArtworkFieldsForm(forms.Form):
    title = SingleLineCharField(max_length=120)
    description = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    medium = forms.ChoiceField(choices=Medium.choices)
    tags = TagsField(
        required=False,
        help_text="Separate tags with commas, e.g. landscape, watercolour, study.",
    )
    label = forms.ChoiceField(choices=Label.choices, widget=forms.RadioSelect)
    ai_stages = forms.MultipleChoiceField(
        choices=AiStage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which steps used AI?",
    )
    ai_note = SingleLineCharField(
        max_length=300,
        required=False,
        label="Anything else about how AI was used",
        help_text="Required when you tick “Other”.",
    )

    mature = forms.BooleanField(
        required=False,
        label="Mature content",
        help_text="Nudity, gore or other content not everyone wants to see: viewers who have "
        "not opted in see it blurred until they click, or not at all.",
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_mature-help"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Label.choices
        if not settings.ATELIER_ALLOW_AI_GENERATED:
            choices = [c for c in choices if c[0] != Label.GENERATED]
        self.fields["label"].choices = choices

    def label_options(self) -> list[dict]:
        current = self["label"].value()
        return [
            {
                "value": value,
                "name": name,
                "explain": LABEL_EXPLANATIONS[Label(value)],
                "checked": current == value,
            }
            for value, name in self.fields["label"].choices
        ]

    def clean(self):
        data = super().clean()
        label = data.get("label")
        stages = data.get("ai_stages") or []
        if label == Label.GENERATED and not settings.ATELIER_ALLOW_AI_GENERATED:
            self.add_error("label", "This site does not accept AI-generated images.")
        if label == Label.ASSISTED and not stages:
            self.add_error("ai_stages", "Tick at least one step where AI was used.")
        if label == Label.ASSISTED and AiStage.OTHER in stages and not data.get("ai_note"):
            self.add_error("ai_note", "Tell viewers what “Other” means here.")
        return data


def alt_text_error(values: list[str]) -> str | None:
    """The error for a list of submitted alt texts, or None: each is one line of text."""
    for value in values:
        try:
            validate_single_line(value.strip())
        except forms.ValidationError:
            return f"Alt text: {SINGLE_LINE_MESSAGE}"
    return None


class UploadForm(ArtworkFieldsForm):
    """Text fields of an upload; the files are checked by gallery.services.upload.upload_probe."""

    # One per form render (the view fills it in): a second POST of the same render answers
    # with the post already made. Optional, so a client without it still posts (without the
    # guarantee); the API takes the Idempotency-Key header instead.
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, files_present: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_present = files_present

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key") or ""
        return upload_key_verify(key) if key else ""

    def clean(self):
        data = super().clean()
        if self.files_present == 0:
            raise forms.ValidationError("Add at least one image.")
        if self.files_present > settings.ATELIER_MAX_IMAGES_PER_POST:
            raise forms.ValidationError(
                f"At most {settings.ATELIER_MAX_IMAGES_PER_POST} images per post."
            )
        # The alt texts arrive beside the form's fields (one per file); the view reads them
        # after is_valid(), so refusing them here covers the site's upload.
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None and (error := alt_text_error(getlist("alt_text"))):
            raise forms.ValidationError(error)
        return data


class ArtworkEditForm(ArtworkFieldsForm):
    reason = SingleLineCharField(
        max_length=300,
        required=False,
        label="Why did the label change? (shown in the label history)",
    )

    def clean(self):
        data = super().clean()
        # Alt texts arrive as alt_<image id> beside the form's fields (artwork_edit reads them).
        alts = [v for k, v in self.data.items() if k.startswith("alt_") and isinstance(v, str)]
        if error := alt_text_error(alts):
            raise forms.ValidationError(error)
        return data
