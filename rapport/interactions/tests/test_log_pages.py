"""The log pages as a new user meets them: links keep filters, bulk actions stay inside them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from rapport.contacts.services import update_marketing_setup
from rapport.interactions.models import InteractionLogEntry

HX = {"HX-Request": "true"}
ENTRIES = "/interactions/entries/"
ACTION = "/interactions/entries/action/"


def test_the_sort_and_paging_links_of_the_log_keep_the_contact_filter(
    bob, client_for, company, person, call_template, interact
) -> None:
    for day in range(1, 4):
        interact(person, call_template, date=datetime.date(2026, 1, day))
    client = client_for(bob)
    for headers in ({}, HX):
        html = client.get(f"{ENTRIES}?contact={person.no}&page_size=1", headers=headers)
        text = html.content.decode()
        assert f"?contact={person.no}&amp;page_size=1&amp;sort=date" in text
        assert f"?contact={person.no}&amp;page_size=1&amp;page=2" in text
        assert "%5B" not in text


def test_a_bulk_cancel_acts_only_on_selected_rows_inside_the_filter_shown(
    bob, client_for, company, person, call_template, interact
) -> None:
    mine = interact(person, call_template)
    other = interact(company, call_template)
    client = client_for(bob)
    client.post(
        ACTION,
        {
            "action": "cancel",
            "confirmed": "1",
            "entries": [str(mine.pk), str(other.pk)],
            "filter": f"contact={person.no}",
        },
    )
    canceled: Any = InteractionLogEntry.objects.filter(canceled=True)
    assert list(canceled.values_list("pk", flat=True)) == [mine.pk]


@pytest.mark.parametrize(
    ("language", "caption"),
    [("en", "Cost (SEK)"), ("fi", "Kustannus (SEK)"), ("nb", "Kostnad (SEK)")],
)
def test_currency_captions_show_the_currency_code_of_the_setup_in_every_language(
    alice, bob, client_for, company, call_template, interact, language, caption
) -> None:
    update_marketing_setup(actor=alice, currency_code="SEK")
    entry = interact(company, call_template)
    client = client_for(bob)
    client.cookies["django_language"] = language
    for url in (ENTRIES, f"{ENTRIES}{entry.pk}/", f"{company.get_absolute_url()}?tab=interactions"):
        for headers in ({}, HX):
            html = client.get(url, headers=headers).content.decode()
            assert caption in html, url
            assert "LCY" not in html and "NOK" not in html and "PVA" not in html


def test_bulk_cancel_without_javascript_asks_on_a_page_that_names_the_count(
    bob, client_for, company, person, call_template, interact
) -> None:
    a = interact(person, call_template, description="First call")
    b = interact(company, call_template, description="Second call")
    client = client_for(bob)
    data = {"action": "cancel", "entries": [str(a.pk), str(b.pk)], "next": ENTRIES}
    response = client.post(ACTION, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Cancel 2 selected entries?</h1>" in html
    assert "First call" in html and "Second call" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert not InteractionLogEntry.objects.filter(canceled=True).exists()
    response = client.post(ACTION, {**data, "confirmed": "1"})
    assert response.status_code == 302
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 2


def test_the_log_offers_counted_questions_to_the_confirm_dialog(
    bob, client_for, company, call_template, interact
) -> None:
    interact(company, call_template)
    html = client_for(bob).get(ENTRIES).content.decode()
    assert 'data-confirm-one="Cancel %(count)s selected entry?"' in html
    assert 'data-confirm="Cancel %(count)s selected entries?"' in html


def test_bulk_evaluate_preselects_nothing_and_asks_for_an_evaluation(
    bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    client = client_for(bob)
    html = client.get(ENTRIES).content.decode()
    assert '<option value="" selected>(choose an evaluation)</option>' in html
    client.post(ACTION, {"action": "evaluate", "evaluation": "", "entries": [str(entry.pk)]})
    assert "Choose an evaluation first." in client.get(ENTRIES).content.decode()
    entry.refresh_from_db()
    assert entry.evaluation == ""


def test_the_month_table_of_the_contact_runs_oldest_first_like_the_template_statistics(
    bob, client_for, company, call_template, interact
) -> None:
    html = client_for(bob).get(f"{company.get_absolute_url()}?tab=interactions").content.decode()
    assert html.index("Dec 2025") < html.index("Oct 2026") < html.index("Nov 2026")
    stats = client_for(bob).get(f"/interactions/templates/{call_template.code}/").content.decode()
    assert stats.index("Dec 2025") < stats.index("Oct 2026") < stats.index("Nov 2026")


@pytest.mark.parametrize("headers", [{}, HX])
def test_the_log_puts_the_columns_read_first_and_folds_the_rare_ones(
    bob, client_for, company, call_template, interact, headers
) -> None:
    interact(company, call_template, attempt_failed=True)
    html = client_for(bob).get(ENTRIES, headers=headers).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    order = ["Date", "Contact Name", "Description", "Interaction Template Code", "Evaluation"]
    assert [head.index(f">{h}<") for h in order] == sorted(head.index(f">{h}<") for h in order)
    assert '<th class="extra">Salesperson Code</th>' in head
    assert 'id="more-columns"' in html
    assert '<span class="badge warn" title="Attempt Failed">Attempt Failed</span>' in html
