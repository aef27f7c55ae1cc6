from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Members' rights over their data (issue 17): download everything, delete the account.

    Its place in the import order is accounts ← gallery ← community ← moderation ← privacy ←
    api: an export reads every app's rows of one member, and a deletion releases the files
    each app keeps for them (moderation's evidence included), so it sits after them all.
    """

    name = "privacy"
    verbose_name = "Privacy"
