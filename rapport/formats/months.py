"""Month names as each language writes them in tables and chart labels.

Django's `M` takes the first three letters of the month and capitalizes them, which gives
Finnish "Mar" for marraskuu (and "Maa" for maaliskuu). Finnish and Norwegian abbreviate months
in lower case and Finnish by the word's stem (CLDR): tammi, helmi, maalis ... marras, joulu.
"""

from __future__ import annotations

import datetime

from django.utils.translation import pgettext, pgettext_lazy

MONTH_ABBREVIATIONS = [
    pgettext_lazy("abbreviated month", "Jan"),
    pgettext_lazy("abbreviated month", "Feb"),
    pgettext_lazy("abbreviated month", "Mar"),
    pgettext_lazy("abbreviated month", "Apr"),
    pgettext_lazy("abbreviated month", "May"),
    pgettext_lazy("abbreviated month", "Jun"),
    pgettext_lazy("abbreviated month", "Jul"),
    pgettext_lazy("abbreviated month", "Aug"),
    pgettext_lazy("abbreviated month", "Sep"),
    pgettext_lazy("abbreviated month", "Oct"),
    pgettext_lazy("abbreviated month", "Nov"),
    pgettext_lazy("abbreviated month", "Dec"),
]


def month_abbreviation(value: datetime.date) -> str:
    """ "Nov" in English, "marras" in Finnish, "nov" in Norwegian."""
    return str(MONTH_ABBREVIATIONS[value.month - 1])


def month_and_year(value: datetime.date) -> str:
    """A month of a month table: "Nov 2026", "marras 2026", "nov 2026"."""
    return pgettext("abbreviated month and year", "%(month)s %(year)s") % {
        "month": month_abbreviation(value),
        "year": value.year,
    }
