"""The merge values of an interaction, frozen when it is logged (issue #12, "what the log keeps").

An entry whose attachment is a merge template (a .docx with fields or an HTML e-mail layout)
keeps these values in `InteractionLogEntry.merge_data`; with the immutable template file they
reproduce its document byte for byte, whatever happens to the contact or the template later.

The same values are built two ways: in Python for one interaction (and previews), and as one SQL
expression for set-based segment logging (`snapshot_sql`). `test_snapshots` holds the two equal.
The shape is the contract with `rapport.interactions.merge`:

    {"contact": {no, name, company_name, salutation, address, address_2, post_code, city,
                 country, email, phone, language},
     "salesperson": {name, email, job_title},
     "interaction": {description, subject, date},     # date ISO "YYYY-MM-DD"
     "remarks": str}
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.models import Contact, ContactType
from rapport.core.models import Language

CONTACT_KEYS = (
    "no",
    "name",
    "company_name",
    "salutation",
    "address",
    "address_2",
    "post_code",
    "city",
    "country",
    "email",
    "phone",
    "language",
)
SALESPERSON_KEYS = ("name", "email", "job_title")
INTERACTION_KEYS = ("description", "subject", "date")


def render_language(language: Language | str | None) -> str:
    """The interface language a document in `language` is written in (dates, salutations):
    the Language code when Rapport speaks it (FI -> fi, NB -> nb), else the default."""
    code = (language.code if isinstance(language, Language) else language or "").lower()
    known = {code for code, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _salutation_parts(lang: str) -> tuple[str, str, str]:
    """(prefix, suffix, no-name phrase) of the formal salutation in `lang`."""
    with translation.override(lang):
        pattern = _("Dear %(name)s")
        anonymous = _("Dear Sir or Madam")
    prefix, _sep, suffix = pattern.partition("%(name)s")
    return prefix, suffix, anonymous


def salutation(contact: Contact, lang: str) -> str:
    """BC's formal salutation, simplified: a person by first name and surname (or name), a
    company as "Dear Sir or Madam", in the document's language."""
    prefix, suffix, anonymous = _salutation_parts(lang)
    if contact.type != ContactType.PERSON:
        return anonymous
    name = f"{contact.first_name} {contact.surname}".strip() or contact.name
    return f"{prefix}{name}{suffix}"


def snapshot_values(
    *,
    contact: Contact,
    salesperson: Salesperson | None,
    description: str,
    subject: str,
    date: datetime.date | None,
    remarks: str = "",
    language: Language | None = None,
) -> dict[str, Any]:
    """The merge values of one interaction, as segment logging stores them."""
    lang = render_language(language)
    company = contact.company if contact.company_id else None
    return {
        "contact": {
            "no": contact.no,
            "name": contact.name,
            "company_name": company.name if company is not None else "",
            "salutation": salutation(contact, lang),
            "address": contact.address,
            "address_2": contact.address_2,
            "post_code": contact.post_code,
            "city": contact.city,
            "country": contact.country_code,
            "email": contact.email,
            "phone": contact.phone_no,
            "language": contact.language.code if contact.language_id else "",  # type: ignore[union-attr]
        },
        "salesperson": {
            "name": salesperson.name if salesperson else "",
            "email": salesperson.email if salesperson else "",
            "job_title": salesperson.job_title if salesperson else "",
        },
        "interaction": {
            "description": description,
            "subject": subject or description,
            "date": date.isoformat() if date else "",
        },
        "remarks": remarks,
    }


# --- the same values as SQL ----------------------------------------------------------------


def _json_object() -> str:
    return "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"


def _pairs(pairs: list[tuple[str, str]]) -> str:
    # Keys are constants of this module (never input), so they are written as literals.
    items = ", ".join("'" + key + "', " + expr for key, expr in pairs)
    return f"{_json_object()}({items})"


def _text(expr: str) -> str:
    return f"COALESCE({expr}, '')"


def snapshot_sql(
    *, line: str, contact: str, company: str, salesperson: str, contact_language: str
) -> tuple[str, list[Any]]:
    """One SQL expression building `snapshot_values` for a row of a segment line (alias
    `line`) joined to its contact, the contact's company, the salesperson and the contact's
    language (LEFT JOINs, aliases given). Returns the expression and its parameters, which
    come first in the statement's SELECT list order (the expression appears once)."""

    def q(name: str) -> str:
        return connection.ops.quote_name(name)

    def col(alias: str, name: str) -> str:
        return f"{alias}.{q(name)}"

    params: list[Any] = []

    def param(value: str) -> str:
        params.append(value)
        return "CAST(%s AS VARCHAR(250))"

    # The salutation depends on the line's language: one CASE arm per language Rapport
    # speaks that a Language row exists for; others use the default language.
    person_name = (
        f"CASE WHEN TRIM({col(contact, 'first_name')} || ' ' || {col(contact, 'surname')}) <> '' "
        f"THEN TRIM({col(contact, 'first_name')} || ' ' || {col(contact, 'surname')}) "
        f"ELSE {col(contact, 'name')} END"
    )

    def salutation_for(lang: str) -> str:
        prefix, suffix, anonymous = _salutation_parts(lang)
        return (
            f"CASE WHEN {col(contact, 'type')} = '{ContactType.PERSON.value}' "
            f"THEN {param(prefix)} || {person_name} || {param(suffix)} "
            f"ELSE {param(anonymous)} END"
        )

    arms = []
    for language_id, code in Language.objects.values_list("pk", "code"):
        lang = render_language(code)
        if lang != settings.LANGUAGE_CODE:
            arms.append(f"WHEN {int(language_id)} THEN {salutation_for(lang)}")
    default = salutation_for(settings.LANGUAGE_CODE)
    salutation_expr = (
        f"CASE {col(line, 'language_id')} {' '.join(arms)} ELSE {default} END" if arms else default
    )
    date = col(line, "date")
    date_text = (
        f"COALESCE(TO_CHAR({date}, 'YYYY-MM-DD'), '')"
        if connection.vendor == "postgresql"
        else _text(date)
    )
    contact_json = _pairs(
        [
            ("no", col(contact, "no")),
            ("name", col(contact, "name")),
            ("company_name", _text(col(company, "name"))),
            ("salutation", salutation_expr),
            ("address", col(contact, "address")),
            ("address_2", col(contact, "address_2")),
            ("post_code", col(contact, "post_code")),
            ("city", col(contact, "city")),
            ("country", col(contact, "country_code")),
            ("email", col(contact, "email")),
            ("phone", col(contact, "phone_no")),
            ("language", _text(col(contact_language, "code"))),
        ]
    )
    salesperson_json = _pairs([(key, _text(col(salesperson, key))) for key in SALESPERSON_KEYS])
    interaction_json = _pairs(
        [
            ("description", col(line, "description")),
            (
                "subject",
                f"CASE WHEN {col(line, 'subject')} <> '' THEN {col(line, 'subject')} "
                f"ELSE {col(line, 'description')} END",
            ),
            ("date", date_text),
        ]
    )
    expression = _pairs(
        [
            ("contact", contact_json),
            ("salesperson", salesperson_json),
            ("interaction", interaction_json),
            ("remarks", col(line, "remarks")),
        ]
    )
    return expression, params
