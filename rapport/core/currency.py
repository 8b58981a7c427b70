"""Captions with the company's own currency: BC's "(LCY)" shown as the setup's currency code."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

# BC caption -> the same caption with the currency code as a placeholder (translated).
LCY_CAPTIONS: dict[str, str] = {
    "Cost (LCY)": gettext_noop("Cost (%(currency)s)"),
    "Unit Cost (LCY)": gettext_noop("Unit Cost (%(currency)s)"),
    "Estimated Value (LCY)": gettext_noop("Estimated Value (%(currency)s)"),
    "Calcd. Current Value (LCY)": gettext_noop("Calcd. Current Value (%(currency)s)"),
}


def local_currency() -> str:
    """The currency code from marketing setup (BC's LCY Code), EUR before setup is saved."""
    from django.apps import apps

    setup = apps.get_model("contacts", "MarketingSetup")
    code = setup.objects.filter(pk=1).values_list("currency_code", flat=True).first()
    return code or "EUR"


def lcy_caption(caption: str, currency: str | None = None) -> str:
    """`caption` ("Cost (LCY)") in the active language with the company's currency code."""
    template = LCY_CAPTIONS[caption]
    return gettext(template) % {"currency": currency or local_currency()}


lcy_caption_lazy: Any = lazy(lcy_caption, str)
