"""The merge values a template may use, and the context built from a snapshot."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _l

# (path, label) in the order pages list them. A snapshot holds exactly these leaves as strings.
MERGE_FIELDS: tuple[tuple[str, Any], ...] = (
    ("contact.no", _l("Contact No.")),
    ("contact.name", _l("Contact Name")),
    ("contact.company_name", _l("Company Name")),
    ("contact.salutation", _l("Salutation")),
    ("contact.address", _l("Address")),
    ("contact.address_2", _l("Address 2")),
    ("contact.post_code", _l("Post Code")),
    ("contact.city", _l("City")),
    ("contact.country", _l("Country/Region")),
    ("contact.email", _l("Email")),
    ("contact.phone", _l("Phone No.")),
    ("contact.language", _l("Language")),
    ("salesperson.name", _l("Salesperson Name")),
    ("salesperson.email", _l("Salesperson Email")),
    ("salesperson.job_title", _l("Job Title")),
    ("interaction.description", _l("Description")),
    ("interaction.subject", _l("Subject")),
    ("interaction.date", _l("Date")),
    ("remarks", _l("Remarks")),
)

FIELD_PATHS: frozenset[str] = frozenset(path for path, _label in MERGE_FIELDS)
# Top-level names and, for each group, the attributes it has.
GROUPS: dict[str, frozenset[str]] = {}
for _path in FIELD_PATHS:
    if "." in _path:
        _group, _attr = _path.split(".", 1)
        GROUPS.setdefault(_group, frozenset())
        GROUPS[_group] = GROUPS[_group] | {_attr}
SCALARS: frozenset[str] = frozenset(p for p in FIELD_PATHS if "." not in p)


def merge_language(language: str | None) -> str:
    """A supported Django language code; anything else falls back to English."""
    codes = {code for code, _name in settings.LANGUAGES}
    code = (language or "").lower()
    if code in codes:
        return code
    base = code.split("-")[0]
    return base if base in codes else "en"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def format_merge_date(value: str, language: str) -> str:
    """An ISO date as the language writes it (DATE_FORMAT); anything unparsable is kept as given."""
    value = _text(value).strip()
    if not value:
        return ""
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        return value
    with translation.override(merge_language(language)):
        return formats.date_format(day, "DATE_FORMAT")


def build_context(snapshot: dict[str, Any] | None, language: str) -> dict[str, Any]:
    """The template context: every field present as a string, the date formatted for ``language``."""
    snapshot = snapshot or {}
    context: dict[str, Any] = {}
    for group, attrs in GROUPS.items():
        source = snapshot.get(group) or {}
        if not isinstance(source, dict):
            source = {}
        context[group] = {attr: _text(source.get(attr)) for attr in sorted(attrs)}
    for name in SCALARS:
        context[name] = _text(snapshot.get(name))
    context["interaction"]["date"] = format_merge_date(context["interaction"]["date"], language)
    return context


def sample_snapshot() -> dict[str, Any]:
    """Plausible demo values for previewing a template without a contact."""
    return {
        "contact": {
            "no": "CT000123",
            "name": "Robin Example",
            "company_name": "Example Trading Ltd.",
            "salutation": "Dear Robin Example",
            "address": "1 Sample Street",
            "address_2": "Suite 200",
            "post_code": "00100",
            "city": "Springfield",
            "country": "GB",
            "email": "robin@example.com",
            "phone": "+44 20 7946 0000",
            "language": "en",
        },
        "salesperson": {
            "name": "Sam Seller",
            "email": "sam.seller@example.com",
            "job_title": "Account Manager",
        },
        "interaction": {
            "description": "Product presentation",
            "subject": "Our new product range",
            "date": "2026-11-23",
        },
        "remarks": "Thank you for visiting our stand at the fair.",
    }
