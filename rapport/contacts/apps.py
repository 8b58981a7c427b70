from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from rapport.contacts import tasks  # noqa: F401  (registers the job handlers)
