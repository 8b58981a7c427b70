from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "rapport.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from rapport.interactions import hooks, tasks  # noqa: F401  (registers contact checks, job handlers)
