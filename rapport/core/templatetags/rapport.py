"""Small template filters for list pages."""

from __future__ import annotations

from typing import Any

from django import template

from rapport.core.currency import lcy_caption, local_currency
from rapport.core.listing import Page

register = template.Library()


@register.filter
def sort_query(page: Page[Any], key: str) -> str:
    return page.sort_query(key)


@register.filter
def attr_value(obj: Any, name: str) -> Any:
    return getattr(obj, name, "")


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def field(form: Any, name: str) -> Any:
    return form[name]


@register.simple_tag(takes_context=True)
def lcy(context: Any, caption: str) -> str:
    """{% lcy "Cost (LCY)" %}: the caption with the setup's currency code, in the UI language
    (the code is read once per request)."""
    request = context.get("request")
    currency = getattr(request, "_rapport_currency", None)
    if currency is None:
        currency = local_currency()
        if request is not None:
            request._rapport_currency = currency
    return lcy_caption(caption, currency)
