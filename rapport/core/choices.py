"""Choice lists shared across apps (BC enums, in BC's order)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CorrespondenceType(models.TextChoices):
    BLANK = "", _("(none)")
    HARD_COPY = "hard_copy", _("Hard Copy")
    EMAIL = "email", _("Email")
