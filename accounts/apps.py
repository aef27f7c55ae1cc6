from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from config.urls_abs import sync_site_row

        # Runs after django.contrib.sites' own handler (sites comes first in INSTALLED_APPS),
        # which creates the row as example.com.
        post_migrate.connect(sync_site_row, sender=self, dispatch_uid="accounts_sync_site_row")
