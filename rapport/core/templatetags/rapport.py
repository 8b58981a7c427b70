"""Small template filters for list pages."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join

from rapport.core.currency import lcy_caption, local_currency
from rapport.core.listing import Page
from rapport.formats.months import month_and_year

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


@register.filter
def tel_link(number: str) -> str:
    """A phone number as a tel: link (spaces and dashes left out of the link only)."""
    if not number:
        return ""
    target = re.sub(r"[^0-9+]", "", number)
    if not target:
        return conditional_escape(number)
    return format_html('<a href="tel:{}">{}</a>', target, number)


@register.filter
def mailto_links(value: str) -> str:
    """E-mail addresses (BC allows several, separated by ";") as mailto: links."""
    addresses = [part.strip() for part in (value or "").split(";") if part.strip()]
    return format_html_join("; ", '<a href="mailto:{}">{}</a>', ((a, a) for a in addresses))


@register.filter
def month_year(value: Any) -> str:
    """A month in a month table, abbreviated as the UI language writes it ("marras 2026")."""
    if not value:
        return ""
    return month_and_year(value)


# Each language by its own name, as the switcher shows it whatever the UI language is.
LOCAL_LANGUAGE_NAMES = {"en": "English", "fi": "suomi", "nb": "norsk"}


@register.filter
def language_name_local(code: str) -> str:
    return LOCAL_LANGUAGE_NAMES.get(code, code)


@register.simple_tag(takes_context=True)
def keep_params(context: Any, *names: str) -> str:
    """Hidden inputs that carry `names` (sort, page_size) of the current query string through a
    filter form, so filtering keeps the list's order and page size."""
    request = context.get("request")
    if request is None:
        return ""
    return format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}">',
        ((name, value) for name in names for value in request.GET.getlist(name) if value),
    )


@register.inclusion_tag("core/includes/audit_history.html", takes_context=True)
def audit_history(context: Any, obj: Any, key: Any = None) -> dict[str, Any]:
    """A record's History section (its newest audit events) for its card: `obj` is the row, or
    a record type ("mailbox.mailboxsetup") with its `key` for a page without a row at hand."""
    from rapport.core.audit_views import history_for

    request = context.get("request")
    user = getattr(request, "user", None)
    history = None
    if user is not None and obj:
        if isinstance(obj, str):
            history = history_for(user, obj, key=str(key or ""))
        elif obj.pk:
            history = history_for(user, obj)
    return {"history": history, "request": request}
