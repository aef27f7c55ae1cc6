from __future__ import annotations

from django import forms
from django.conf import settings
from taggit.utils import parse_tags

from accounts.models import CommissionStatus
from config.text import SINGLE_LINE_MESSAGE, SingleLineCharField, validate_single_line
from gallery.models import LABEL_EXPLANATIONS, AiStage, Label, Medium, Visibility
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

    visibility = forms.ChoiceField(
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        required=False,
        widget=forms.RadioSelect,
        label="Who can find it",
        help_text="Unlisted posts open for anyone with the link, and appear in no feed, tag, "
        "search, artist page or Atom feed.",
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


class _AltTextsInput(forms.Widget):
    """Reads alt texts as the site's pages and the API send them; the pages render their own
    inputs (one per file or image), so this widget renders nothing.

    Upload: repeated ``alt_text`` values, one per file in order. Edit: ``alt_<image id>``
    fields (the site) or an ``alt_texts`` object of image id → text (the API's JSON).
    """

    def __init__(self, *, per_image: bool) -> None:
        super().__init__()
        self.per_image = per_image

    def value_from_datadict(self, data, files, name):
        if self.per_image and name not in data:
            return {k[4:]: v for k, v in data.items() if k.startswith("alt_") and k[4:].isdigit()}
        getlist = getattr(data, "getlist", None)
        return getlist(name) if getlist is not None else data.get(name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return ""


class AltTextListField(forms.Field):
    """An upload's alt texts, one per file in order: each one line, stripped, at most 500."""

    widget = _AltTextsInput(per_image=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> list[str]:
        values = [] if value is None else value
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise forms.ValidationError("Expected a list of text values.")
        if error := alt_text_error(values):
            raise forms.ValidationError(error, code="single_line")
        return [v.strip()[:500] for v in values]


class AltTextsField(forms.Field):
    """An edit's alt texts by image id: each one line, stripped, at most 500 characters. Ids
    of images that are not the artwork's are left for the service to ignore."""

    widget = _AltTextsInput(per_image=True)
    problem = "Send an object of image id → alt text."

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> dict[int, str]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise forms.ValidationError(self.problem)
        try:
            texts = {int(k): v for k, v in value.items()}
        except (TypeError, ValueError):
            raise forms.ValidationError(self.problem) from None
        if error := alt_text_error(list(texts.values())):
            raise forms.ValidationError(error, code="single_line")
        return {k: v.strip()[:500] for k, v in texts.items()}


class UploadForm(ArtworkFieldsForm):
    """Text fields of an upload and the files' alt texts; the files themselves are checked by
    gallery.services.upload.artwork_upload."""

    # One per form render (the view fills it in): a second POST of the same render answers
    # with the post already made. Optional, so a client without it still posts (without the
    # guarantee); the API takes the Idempotency-Key header instead.
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)
    alt_text = AltTextListField()
    # Set by the "Save as draft" button (name="draft"): processed, then kept for the artist.
    draft = forms.BooleanField(required=False, widget=forms.HiddenInput)

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
        return data


class ImagesAddForm(forms.Form):
    """The edit page's "Add images" form: the key and the alt texts; the files themselves are
    checked by gallery.services.posting.artwork_images_add."""

    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)
    alt_text = AltTextListField()

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key") or ""
        return upload_key_verify(key) if key else ""


class ArtworkEditForm(ArtworkFieldsForm):
    reason = SingleLineCharField(
        max_length=300,
        required=False,
        label="Why did the label change? (shown in the label history)",
    )
    alt_texts = AltTextsField()

    @staticmethod
    def edit_arguments(cleaned: dict) -> dict:
        """The cleaned fields as ``artwork_edit``'s keyword arguments: the site's view and the
        API's call the service alike from them (the API then overrides ``mature``, which it
        reads strictly and may leave out)."""
        return {
            "title": cleaned["title"],
            "description": cleaned["description"],
            "medium": cleaned["medium"],
            "tags": cleaned["tags"],
            "label": cleaned["label"],
            "ai_stages": cleaned["ai_stages"],
            "ai_note": cleaned["ai_note"],
            "alt_texts": cleaned["alt_texts"],
            "reason": cleaned["reason"],
            "mature": cleaned.get("mature"),
            # Left out (a client that does not send it): "" keeps the post's visibility.
            "visibility": cleaned.get("visibility") or None,
        }


class PortfolioForm(forms.Form):
    """The portfolio page's top form: commission status and note, and the banner."""

    commission_status = forms.ChoiceField(
        label="Commissions", choices=CommissionStatus.choices, required=False
    )
    commission_note = SingleLineCharField(
        label="Commission note",
        max_length=140,
        required=False,
        help_text="Optional, one line: prices, turnaround, what you take on.",
    )
    banner_file = forms.FileField(
        label="Banner",
        required=False,
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB; shown 3:1 (1500 x 500), cropped from "
        "the centre. Location and camera data are removed.",
    )
    remove_banner = forms.BooleanField(label="Remove my banner", required=False)
