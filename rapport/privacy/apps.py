from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "rapport.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from rapport.privacy import hooks, tasks  # noqa: F401  (card actions, the export job)
