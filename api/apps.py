from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        # drf-spectacular finds the token scheme through an extension registered on import.
        from api import schema  # noqa: F401
