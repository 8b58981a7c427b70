"""Segment criteria filters: one JSON document per criteria step, checked against an allow-list
and turned into a `Q` on Contact in this one place (no SQL from users; replayable; readable).

A filter document looks like::

    {
      "contact": {"type": "person", "salesperson_code": "ANNA|OLA", "post_code": "00*"},
      "business_relation_code": "CUST",
      "campaign_no": "CP0001",
      "interaction": {"template_code": "MEETING", "date_from": "2026-01-01",
                      "date_to": "2026-06-30"},
      "no_interaction_since": "2026-09-01"
    }

Matching follows BC (3.4): a contact qualifies when it passes the contact filters AND, for every
other group that has a filter, a related row matching that group exists. Text values take `|`
between alternatives and `*` as a wildcard; matching ignores case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.contacts.models import Contact, ContactBusinessRelation, ContactType
from rapport.core.validation import ValidationError, field_error
from rapport.interactions.models import Evaluation, InteractionLogEntry

MAX_VALUE_LENGTH = 250


@dataclass(frozen=True)
class TextFilter:
    lookup: str  # the Contact (or entry) field path
    caption: Any


# Contact fields a criteria step may filter on (BC's Contact tab, plus what users ask for).
CONTACT_FILTERS: dict[str, TextFilter] = {
    "no": TextFilter("no", _l("No.")),
    "name": TextFilter("name", _l("Name")),
    "search_name": TextFilter("search_name", _l("Search Name")),
    "company_no": TextFilter("company__no", _l("Company No.")),
    "company_name": TextFilter("company__name", _l("Company Name")),
    "salesperson_code": TextFilter("salesperson__code", _l("Salesperson Code")),
    "post_code": TextFilter("post_code", _l("Post Code")),
    "city": TextFilter("city", _l("City")),
    "country_code": TextFilter("country_code", _l("Country/Region Code")),
    "language_code": TextFilter("language__code", _l("Language Code")),
    "job_title": TextFilter("job_title", _l("Job Title")),
    "email": TextFilter("email", _l("Email")),
}
CONTACT_TYPES = {ContactType.COMPANY.value, ContactType.PERSON.value}

# Interaction Log Entry tab: entries of the contact itself (BC: Contact No. = contact).
INTERACTION_FILTERS: dict[str, TextFilter] = {
    "template_code": TextFilter("template__code", _l("Interaction Template Code")),
    "group_code": TextFilter("group__code", _l("Interaction Group Code")),
    "campaign_no": TextFilter("campaign__no", _l("Campaign No.")),
    "salesperson_code": TextFilter("salesperson__code", _l("Salesperson Code")),
    "segment_no": TextFilter("segment_no", _l("Segment No.")),
    "logged_segment_entry_no": TextFilter(
        "logged_segment_entry_no", _l("Logged Segment Entry No.")
    ),
}
INTERACTION_DATES = {"date_from": _l("Date from"), "date_to": _l("Date to")}

TOP_LEVEL = {
    "contact",
    "business_relation_code",
    "campaign_no",
    "interaction",
    "no_interaction_since",
}


def _text_q(lookup: str, raw: str) -> Q:
    """`A|B*|*c` -> exact A, or starts with B, or ends with c (case-insensitive)."""
    q = Q()
    for part in (p.strip() for p in raw.split("|")):
        if not part:
            continue
        core = part.strip("*")
        if part.startswith("*") and part.endswith("*") and len(part) > 1:
            q |= Q(**{f"{lookup}__icontains": core})
        elif part.endswith("*"):
            q |= Q(**{f"{lookup}__istartswith": core})
        elif part.startswith("*"):
            q |= Q(**{f"{lookup}__iendswith": core})
        else:
            q |= Q(**{f"{lookup}__iexact": part})
    return q


def _text(field: str, value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise field_error(
            field, _("%(field)s: enter the filter as text.") % {"field": field}, "invalid"
        )
    text = str(value).strip()
    if len(text) > MAX_VALUE_LENGTH:
        raise field_error(
            field,
            _("%(field)s: the filter is longer than %(max)s characters.")
            % {"field": field, "max": MAX_VALUE_LENGTH},
            "too_long",
        )
    return text


def _date(field: str, value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(
            field,
            _("%(field)s: enter a date as YYYY-MM-DD.") % {"field": field},
            "invalid_date",
        ) from None


def _unknown(field: str) -> ValidationError:
    return field_error(
        field, _("%(field)s is not a filter you can use here.") % {"field": field}, "unknown_filter"
    )


def clean_filters(raw: Any) -> dict[str, Any]:
    """The filter document with blanks dropped, dates as ISO text; a ValidationError naming the
    field for anything not on the allow-list."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise field_error("filters", _("Filters must be an object."), "invalid")
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in TOP_LEVEL:
            raise _unknown(key)
        if value in (None, "", {}):
            continue
        if key == "contact":
            if not isinstance(value, dict):
                raise field_error(key, _("Filters must be an object."), "invalid")
            contact: dict[str, str] = {}
            for name, sub in value.items():
                path = f"contact.{name}"
                if name == "type":
                    text = _text(path, sub).lower()
                    if text and text not in CONTACT_TYPES:
                        raise field_error(
                            path,
                            _("%(field)s: choose company or person.") % {"field": path},
                            "invalid_choice",
                        )
                elif name in CONTACT_FILTERS:
                    text = _text(path, sub)
                else:
                    raise _unknown(path)
                if text:
                    contact[name] = text
            if contact:
                clean[key] = contact
        elif key == "interaction":
            if not isinstance(value, dict):
                raise field_error(key, _("Filters must be an object."), "invalid")
            entry: dict[str, str] = {}
            for name, sub in value.items():
                path = f"interaction.{name}"
                if sub in (None, ""):
                    continue
                if name in INTERACTION_DATES:
                    entry[name] = _date(path, sub).isoformat()
                elif name == "evaluation":
                    text = _text(path, sub)
                    for part in text.split("|"):
                        if part and part not in Evaluation.values:
                            raise field_error(
                                path,
                                _("%(field)s: %(value)s is not an evaluation.")
                                % {"field": path, "value": part},
                                "invalid_choice",
                            )
                    entry[name] = text
                elif name in INTERACTION_FILTERS:
                    entry[name] = _text(path, sub)
                else:
                    raise _unknown(path)
            if (
                entry.get("date_from")
                and entry.get("date_to")
                and entry["date_from"] > entry["date_to"]
            ):
                raise field_error(
                    "interaction.date_to",
                    _("%(field)s must not be before %(other)s.")
                    % {"field": _("Date to"), "other": _("Date from")},
                    "dates_out_of_order",
                )
            if entry:
                clean[key] = entry
        elif key == "no_interaction_since":
            clean[key] = _date(key, value).isoformat()
        else:
            text = _text(key, value)
            if text:
                clean[key] = text
    return clean


def contact_q(filters: dict[str, Any]) -> Q:
    """The contacts matching a cleaned filter document (AND between groups, EXISTS within)."""
    q = Q()
    for name, value in filters.get("contact", {}).items():
        if name == "type":
            q &= Q(type=value)
        else:
            q &= _text_q(CONTACT_FILTERS[name].lookup, value)
    if "business_relation_code" in filters:
        # BC: the business relations of the contact's company (persons inherit).
        q &= Q(
            Exists(
                ContactBusinessRelation.objects.filter(
                    Q(contact=OuterRef("company_id")) | Q(contact=OuterRef("pk")),
                ).filter(_text_q("business_relation__code", filters["business_relation_code"]))
            )
        )
    if "campaign_no" in filters:
        # Campaign membership: the contact has a counted interaction in the campaign.
        q &= Q(
            Exists(
                InteractionLogEntry.objects.counted()
                .filter(contact=OuterRef("pk"))
                .filter(_text_q("campaign__no", filters["campaign_no"]))
            )
        )
    if "interaction" in filters:
        # Entries of a logged segment count canceled ones too (BC's Reuse Segment).
        base = (
            InteractionLogEntry.objects.logged()
            if "logged_segment_entry_no" in filters["interaction"]
            else InteractionLogEntry.objects.counted()
        )
        entries = base.filter(contact=OuterRef("pk"))
        for name, value in filters["interaction"].items():
            if name == "date_from":
                entries = entries.filter(date__gte=value)
            elif name == "date_to":
                entries = entries.filter(date__lte=value)
            elif name == "evaluation":
                entries = entries.filter(evaluation__in=value.split("|"))
            elif name == "logged_segment_entry_no":
                entries = entries.filter(
                    logged_segment_entry_no__in=[int(v) for v in value.split("|") if v.isdigit()]
                )
            else:
                entries = entries.filter(_text_q(INTERACTION_FILTERS[name].lookup, value))
        q &= Q(Exists(entries))
    if "no_interaction_since" in filters:
        q &= ~Q(
            Exists(
                InteractionLogEntry.objects.counted().filter(
                    contact=OuterRef("pk"), date__gte=filters["no_interaction_since"]
                )
            )
        )
    return q


def describe(filters: dict[str, Any]) -> list[str]:
    """Readable filter lines for the criteria page ("Post Code: 00*")."""
    lines: list[str] = []
    for name, value in filters.get("contact", {}).items():
        caption = _("Type") if name == "type" else str(CONTACT_FILTERS[name].caption)
        lines.append(f"{_('Contact')} {caption}: {value}")
    if "business_relation_code" in filters:
        lines.append(f"{_('Business Relation Code')}: {filters['business_relation_code']}")
    if "campaign_no" in filters:
        lines.append(f"{_('Campaign No.')}: {filters['campaign_no']}")
    for name, value in filters.get("interaction", {}).items():
        if name in INTERACTION_DATES:
            caption = str(INTERACTION_DATES[name])
        elif name == "evaluation":
            caption = _("Evaluation")
        else:
            caption = str(INTERACTION_FILTERS[name].caption)
        lines.append(f"{_('Interaction')} {caption}: {value}")
    if "no_interaction_since" in filters:
        lines.append(f"{_('No interaction since')}: {filters['no_interaction_since']}")
    return lines


def matching_contacts(filters: dict[str, Any]) -> Any:
    return Contact.objects.filter(contact_q(filters))
