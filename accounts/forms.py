from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import URLValidator

from accounts.models import EmailChoice, FeedPreference, User
from config.text import SingleLineCharField, validate_single_line

MAX_LINKS = 5


class ProfileForm(forms.ModelForm):
    links_text = forms.CharField(
        label="Links",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to five web addresses, one per line (portfolio, shop, socials).",
    )
    avatar_file = forms.FileField(
        label="Avatar", required=False, help_text="JPEG, PNG, WebP or GIF, up to 5 MB."
    )
    remove_avatar = forms.BooleanField(label="Remove my avatar", required=False)

    class Meta:
        model = User
        fields = [
            "display_name", "bio", "feed_preference", "mature_preference", "ai_training_opt_out",
            "allow_zoom",
        ]  # fmt: skip
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        labels = {
            "feed_preference": "What I want to see in feeds",
            "mature_preference": "Mature work (marked by its artist or moderators)",
            "ai_training_opt_out": "Ask AI crawlers not to train on my work",
            "allow_zoom": "Let visitors zoom into my images at full resolution",
        }
        # The model's help text says what the label already says; this says what it does.
        help_texts = {
            "ai_training_opt_out": "Your pages and images then carry the noai, TDMRep and "
            "X-Robots-Tag signals. Crawlers that honour them stay away; they cannot stop one "
            "that ignores them.",
            "allow_zoom": "Off: the image viewer shows your images up to 2048 pixels wide. On: "
            "it loads a larger copy (up to {edge} pixels on the long side, never larger than "
            "your upload, without its location or camera data) when someone zooms in, and "
            "apps using the API get its address. A larger copy is easier to print or reuse "
            "without asking you. Turning it off stops linking the copy at once; an address "
            "someone already saw keeps working.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feed_preference"].choices = FeedPreference.choices
        zoom = self.fields["allow_zoom"]
        zoom.help_text = zoom.help_text.format(edge=settings.ATELIER_ZOOM_MAX_EDGE)
        # Left out of a post (an older form, a script), the mature preference keeps its value.
        self.fields["mature_preference"].required = False
        # The model field stays as it is (no migration); the form adds the one-line rule.
        self.fields["display_name"].validators.append(validate_single_line)
        if not (self.instance.pk and self.instance.avatar):
            # Nothing to remove: the checkbox would only puzzle.
            del self.fields["remove_avatar"]
        if self.instance.pk and not self.is_bound:
            self.fields["links_text"].initial = "\n".join(self.instance.links)
        if self.instance.pk and self.instance.is_suspended:
            # Suspended members keep "Remove my avatar" but may not upload a new one.
            field = self.fields["avatar_file"]
            field.widget.attrs["disabled"] = True
            field.help_text = self.suspended_avatar_message()

    def suspended_avatar_message(self) -> str:
        until = self.instance.suspended_until
        return (
            f"Your account is suspended until {until:%d %B %Y}: you cannot upload a new "
            "avatar until then. You may remove your current one."
        )

    def clean_avatar_file(self):
        upload = self.cleaned_data.get("avatar_file")
        if upload is not None and self.instance.is_suspended:
            raise forms.ValidationError(self.suspended_avatar_message())
        return upload

    def clean_mature_preference(self) -> str:
        return self.cleaned_data.get("mature_preference") or self.instance.mature_preference

    def clean_links_text(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["links_text"].splitlines()]
        links = [line for line in lines if line]
        if len(links) > MAX_LINKS:
            raise forms.ValidationError(f"At most {MAX_LINKS} links, please.")
        validate = URLValidator(schemes=["http", "https"])
        for link in links:
            try:
                validate(link)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"{link[:80]} is not a web address (it must start with https:// or http://)."
                ) from None
        return links

    def profile_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["links"] = self.cleaned_data["links_text"]
        return data


class ApiTokenForm(forms.Form):
    name = SingleLineCharField(
        max_length=60,
        help_text="What will use it, e.g. “portfolio sync script”.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=[
            ("read", "Read only: browse, list, read notifications"),
            ("write", "Read and write: also post, edit, delete, like and follow"),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )


class NotificationSettingsForm(forms.Form):
    """One in-site checkbox and one email choice per kind the member can receive (built from
    ``notification_choices``); ``changes()`` is what ``notification_settings_set`` takes.

    A locked kind's checkbox is shown ticked and disabled: Django then keeps its initial
    value whatever the request sends, so a hand-made POST cannot turn it off either.
    """

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for choice in choices:
            in_site = forms.BooleanField(
                required=False,
                initial=choice.in_site,
                disabled=choice.in_site_locked,
                label=f"{choice.label}: in your notifications",
            )
            email = forms.ChoiceField(
                choices=EmailChoice.choices,
                initial=choice.email,
                label=f"{choice.label}: email",
            )
            self.fields[f"{choice.kind}-in_site"] = in_site
            self.fields[f"{choice.kind}-email"] = email
            self.rows.append(choice)

    def table(self):
        """(choice, in-site bound field, email bound field) per row, for the template."""
        return [(c, self[f"{c.kind}-in_site"], self[f"{c.kind}-email"]) for c in self.rows]

    def changes(self) -> dict[str, dict]:
        return {
            c.kind: {
                "in_site": self.cleaned_data[f"{c.kind}-in_site"],
                "email": self.cleaned_data[f"{c.kind}-email"],
            }
            for c in self.rows
        }
