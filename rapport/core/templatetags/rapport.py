"""Small template filters for list pages."""

from __future__ import annotations

from typing import Any

from django import template

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
