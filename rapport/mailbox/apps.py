from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailboxConfig(AppConfig):
    name = "rapport.mailbox"
    label = "mailbox"
    verbose_name = _("Email Logging")

    def ready(self) -> None:
        from rapport.mailbox import tasks  # noqa: F401  (job handler, periodic start)
