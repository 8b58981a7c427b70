"""The pages in Finnish and Norwegian read as those languages write (issue 16.12)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from rapport.interactions.models import InteractionGroup, InteractionTemplate

HX = {"HX-Request": "true"}


def in_language(client, language: str):
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize(
    ("language", "november", "march"),
    [
        ("fi", "marras 2026", "maalis 2026"),
        ("nb", "nov 2026", "mar 2026"),
        ("en", "Nov 2026", "Mar 2026"),
    ],
)
def test_month_tables_abbreviate_months_as_the_language_does(
    bob, client_for, company, call_template, language, november, march
) -> None:
    client = in_language(client_for(bob), language)
    for headers in ({}, HX):
        html = client.get(
            f"{company.get_absolute_url()}?tab=interactions", headers=headers
        ).content.decode()
        assert november in html and march in html
        if language == "fi":
            assert "Mar 2026" not in html and "Maa 2026" not in html
    stats = client.get(f"/interactions/templates/{call_template.code}/").content.decode()
    assert november in stats


def test_the_chart_labels_months_in_lower_case_finnish(bob, client_for, company) -> None:
    html = (
        in_language(client_for(bob), "fi")
        .get(f"{company.get_absolute_url()}?tab=interactions")
        .content.decode()
    )
    assert ">marras</text>" in html and ">Mar</text>" not in html


def test_entry_titles_read_naturally_in_finnish(
    bob, client_for, company, call_template, interact, salesperson
) -> None:
    interact(company, call_template)
    html = in_language(client_for(bob), "fi").get("/interactions/entries/").content.decode()
    assert "Phone call - tekijä: Aino Heikkinen" in html


def test_help_texts_use_the_same_word_as_the_label_for_comments() -> None:
    from django.utils import translation

    with translation.override("fi"):
        assert (
            "kommentti"
            in translation.gettext("One comment per line, at most 80 characters each.").lower()
        )
        assert translation.gettext("Comments") == "Kommentit"
    with translation.override("nb"):
        assert "kommentar" in translation.gettext(
            "One comment per line, at most 80 characters each."
        )
        assert translation.gettext("Comments") == "Kommentarer"


@pytest.mark.parametrize("language", ["en", "fi", "nb"])
def test_the_language_switcher_names_each_language_in_itself(bob, client_for, language) -> None:
    html = in_language(client_for(bob), language).get("/contacts/").content.decode()
    for name in ("suomi", "norsk", "English"):
        assert f'title="{name}" aria-label="{name}"' in html


def test_the_demo_data_is_in_the_language_of_the_demo_company(db) -> None:
    call_command("load_demo", stdout=io.StringIO())
    assert InteractionGroup.objects.get(code="PUHELU").description == "Puhelut"
    assert InteractionTemplate.objects.get(code="SOITTO").description == "Lähtevä puhelu"


@pytest.mark.parametrize(
    ("language", "shown", "hint"),
    [
        ("fi", "01.02.2026", "pp.kk.vvvv"),
        ("nb", "01.02.2026", "dd.mm.åååå"),
        ("en", "2026-02-01", "yyyy-mm-dd"),
    ],
)
def test_date_inputs_show_the_order_of_the_ui_language(
    bob, client_for, call_template, language, shown, hint
) -> None:
    client = in_language(client_for(bob), language)
    html = client.get(f"/interactions/templates/{call_template.code}/").content.decode()
    assert f'placeholder="{hint}"' in html and 'type="date"' not in html
    html = client.get(
        f"/interactions/templates/{call_template.code}/?date_from={shown}"
    ).content.decode()
    assert f'value="{shown}"' in html
    assert "errorlist" not in html
    log = client.get("/interactions/entries/").content.decode()
    assert f'placeholder="{hint}"' in log


def test_the_log_filters_by_a_date_typed_in_the_finnish_order(
    bob, client_for, company, call_template, interact
) -> None:
    old = interact(company, call_template, description="Old", date=datetime.date(2026, 1, 5))
    new = interact(company, call_template, description="New", date=datetime.date(2026, 3, 5))
    html = (
        in_language(client_for(bob), "fi")
        .get("/interactions/entries/?date_from=1.2.2026")
        .content.decode()
    )
    assert f"entries/{new.pk}/" in html and f"entries/{old.pk}/" not in html
