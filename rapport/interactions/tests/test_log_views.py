"""The interaction log pages: create/resume, postponed, the log, entries, purge, phone calls."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.contacts.services import update_contact
from rapport.core.models import Job, JobStatus
from rapport.interactions import services
from rapport.interactions.models import (
    Attachment,
    InteractionLogEntry,
    InteractionLogEntryComment,
    Opportunity,
)
from rapport.interactions.tests.conftest import upload
from rapport.interactions.views import log as log_views

HX = {"HX-Request": "true"}
CREATE = "/interactions/new/"
ENTRIES = "/interactions/entries/"
POSTPONED = "/interactions/postponed/"
PURGE = "/interactions/entries/delete-canceled/"


def browser_values(form: forms.BaseForm) -> dict[str, str]:
    """What a browser submits for `form` as drawn (disabled fields and files left out)."""
    data: dict[str, str] = {}
    for bound in form:
        if bound.field.disabled or isinstance(bound.field, forms.FileField):
            continue
        value: Any = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.name] = "on"
            continue
        if value is None:
            value = ""
        elif isinstance(value, datetime.time):
            value = value.strftime("%H:%M")
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[bound.name] = str(value)
    return data


class DrawnForm(dict[str, str]):
    """A drawn form's values, with the URL it posts to (its action) and its read-only values."""

    url: str
    shown: dict[str, str]


def drawn_form(client: Any, url: str) -> DrawnForm:
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    data = DrawnForm(browser_values(form))
    data.url = response.context["action"]
    data.shown = {name: str(form[name].value() or "") for name in form.fields}
    return data


def field_block(html: str, name: str) -> str:
    """The markup of one form field's block (label, input, help, errors)."""
    start = html.index(f'name="{name}"')
    start = html.rfind('<div class="field', 0, start)
    following = html.find('<div class="field', html.index(f'name="{name}"'))
    return html[start : following if following != -1 else len(html)]


def tab_count(client: Any, contact: Any) -> int:
    html = client.get(f"{contact.get_absolute_url()}?tab=interactions", headers=HX)
    match = re.search(r'data-stat="count">([\d,]+)<', html.content.decode())
    assert match, "the contact tab shows the number of interactions"
    return int(match.group(1).replace(",", ""))


def selected(*entries: InteractionLogEntry) -> list[str]:
    return [str(e.pk) for e in entries]


# --- pages render, whole and as htmx fragments -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fragment_id"),
    [
        ("create", 'id="interaction-form"'),
        ("create_from_entry", 'id="interaction-form"'),
        ("postponed", 'id="results"'),
        ("entries", 'id="results"'),
        ("entry", 'id="entry"'),
        ("resume", 'id="interaction-form"'),
        ("opportunity", 'id="card"'),
        ("purge", 'id="purge"'),
        ("call", 'id="phone-call"'),
        ("tab", 'id="interaction-stats"'),
    ],
)
def test_every_log_page_renders_whole_and_as_htmx_fragment(
    alice, client_for, company, call_template, interact, url, fragment_id
) -> None:
    entry = interact(company, call_template, comments=["Asked for a quote"])
    later = interact(company, call_template, postpone=True)
    opportunity = services.create_opportunity_from_entry(actor=alice, entry=entry)
    urls = {
        "create": f"{CREATE}?contact={company.no}",
        "create_from_entry": f"{CREATE}?from_entry={entry.pk}",
        "postponed": POSTPONED,
        "entries": ENTRIES,
        "entry": f"{ENTRIES}{entry.pk}/",
        "resume": f"{POSTPONED}{later.pk}/resume/",
        "opportunity": f"/interactions/opportunities/{opportunity.no}/",
        "purge": PURGE,
        "call": f"/interactions/contacts/{company.no}/call/",
        "tab": f"{company.get_absolute_url()}?tab=interactions",
    }
    client = client_for(alice)
    page = client.get(urls[url])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and fragment_id in html
    fragment = client.get(urls[url], headers=HX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and fragment_id in html


# --- create interaction -----------------------------------------------------------------------


def test_the_contact_card_offers_create_interaction_and_phone_call(
    bob, carol, client_for, company
) -> None:
    card = client_for(bob).get(company.get_absolute_url()).content.decode()
    assert f'href="{CREATE}?contact={company.no}"' in card
    assert f'href="/interactions/contacts/{company.no}/call/"' in card
    card = client_for(carol).get(company.get_absolute_url()).content.decode()
    assert CREATE not in card and "/call/" not in card


def test_create_an_interaction_from_a_contact_with_the_templates_defaults(
    bob, client_for, company, call_template, salesperson
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    assert data.shown["contact"] == company.no and data["description"] == "Phone call"
    assert data["salesperson"] == salesperson.code and data["cost"] == "2.50"
    response = client.post(data.url, {**data, "finish": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{company.get_absolute_url()}?tab=interactions"
    entry = InteractionLogEntry.objects.get()
    assert (entry.template, entry.description) == (call_template, "Phone call")
    assert (entry.cost, entry.duration) == (Decimal("2.50"), Decimal(10))
    assert (entry.information_flow, entry.initiated_by) == ("outbound", "us")
    assert entry.salesperson == salesperson and entry.date == timezone.localdate()
    assert not entry.postponed and not entry.attempt_failed
    card = client.get(response["Location"]).content.decode()
    assert f"Interaction log entry {entry.pk} was created." in card


def test_what_the_user_enters_wins_over_the_template_defaults(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    data.update(
        description="Called about the offer",
        duration="45",
        evaluation="positive",
        comments="Wants 40 licences\n\nCall back in May",
    )
    del data["successful"]
    assert client.post(data.url, {**data, "finish": "1"}).status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.description == "Called about the offer" and entry.duration == 45
    assert entry.cost == Decimal("2.50"), "an untouched default stays the template's"
    assert entry.evaluation == "positive" and entry.attempt_failed
    assert list(entry.comments.values_list("comment", flat=True)) == [
        "Wants 40 licences",
        "Call back in May",
    ]


def test_a_template_chosen_without_javascript_brings_its_defaults(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}")
    assert data["template"] == "" and data["description"] == ""
    data["template"] = "CALL"  # chosen, then Finish without "Apply template defaults"
    assert client.post(data.url, {**data, "finish": "1"}).status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert (entry.description, entry.cost, entry.duration) == ("Phone call", 2.5, 10)
    assert (entry.information_flow, entry.initiated_by) == ("outbound", "us")


def test_choosing_a_template_redraws_the_form_with_its_defaults(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}")
    data.update(template="CALL", refresh="template")
    fragment = client.get(CREATE, data, headers=HX)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert 'value="Phone call"' in field_block(html, "description")
    assert 'value="CALL"' in html and 'name="applied_template" value="CALL"' in html
    # Without JavaScript the "Apply template defaults" button does the same, saving nothing.
    page = client.post(data.url, {**data, "cost": "9"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert 'value="2.50"' in field_block(page.content.decode(), "cost"), "reset to the template"
    assert not InteractionLogEntry.objects.exists()


def test_the_form_checks_in_bc_order_and_keeps_the_input(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}")
    data.update(description="Keep me", comments="typed comment")
    response = client.post(data.url, {**data, "finish": "1"})
    assert response.status_code == 422
    html = response.content.decode()
    message = "You must fill in the Interaction Template Code field."
    assert message in field_block(html, "template")
    assert message not in field_block(html, "description")
    assert 'value="Keep me"' in html and "typed comment" in html
    assert not InteractionLogEntry.objects.exists()

    data = drawn_form(client, CREATE)
    response = client.post(data.url, {**data, "contact": "", "finish": "1"})
    assert "You must select a contact to interact with." in field_block(
        response.content.decode(), "contact"
    )

    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    response = client.post(data.url, {**data, "description": "", "finish": "1"})
    assert response.status_code == 422
    assert "You must fill in the Description field." in field_block(
        response.content.decode(), "description"
    )
    response = client.post(data.url, {**data, "date": "", "postpone": "1"})
    assert response.status_code == 422, "finish later checks the same fields"
    html = response.content.decode()
    assert "You must fill in the Date field." in field_block(html, "date")
    assert '<details class="more" open>' in html, "the folded field with the error is shown"
    assert not InteractionLogEntry.objects.exists()


def test_the_contact_can_be_typed_as_part_of_its_name(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?template=CALL")
    data.update(contact="kesko", salesperson="AH", finish="1")
    assert client.post(data.url, data).status_code == 302
    assert InteractionLogEntry.objects.get().contact == company


def test_comment_lines_longer_than_80_characters_are_refused(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    response = client.post(data.url, {**data, "comments": "ok\n" + "x" * 81, "finish": "1"})
    assert response.status_code == 422
    assert "Line 2 has 81 characters" in field_block(response.content.decode(), "comments")


def test_an_uploaded_file_becomes_the_entrys_read_only_attachment(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    offer = SimpleUploadedFile("offer.txt", b"Our offer", "text/plain")
    assert client.post(data.url, {**data, "attachment": offer, "finish": "1"}).status_code == 302
    attachment = InteractionLogEntry.objects.get().attachment
    assert attachment is not None and attachment.file_name == "offer.txt"
    assert attachment.read_only


def test_create_interaction_from_an_entry_takes_its_contact_salesperson_and_opportunity(
    bob, client_for, person, call_template, interact, salesperson
) -> None:
    entry = interact(person, call_template)
    opportunity = services.create_opportunity_from_entry(actor=bob, entry=entry)
    data = drawn_form(client_for(bob), f"{CREATE}?from_entry={entry.pk}&template=CALL")
    assert data.shown["contact"] == person.no and data.shown["salesperson"] == salesperson.code
    assert data.shown["opportunity"] == opportunity.no


# --- postponed interactions -------------------------------------------------------------------


def test_finish_later_saves_a_postponed_entry_outside_the_log_and_the_statistics(
    bob, client_for, company, call_template
) -> None:
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    response = client.post(data.url, {**data, "description": "Call back", "postpone": "1"})
    assert response.status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.postponed and entry.description == "Call back"
    assert (
        f"Interaction log entry {entry.pk} was saved as postponed."
        in client.get(response["Location"]).content.decode()
    )
    assert "Call back" not in client.get(ENTRIES).content.decode()
    assert tab_count(client, company) == 0
    assert "Postponed Interactions (1)" in client.get(response["Location"]).content.decode()
    listed = client.get(f"{POSTPONED}?contact={company.no}").content.decode()
    assert "Call back" in listed and f"{POSTPONED}{entry.pk}/resume/" in listed
    assert "Call back" not in client.get(f"{POSTPONED}?salesperson=NOBODY").content.decode()


def test_resuming_keeps_the_entry_no_and_finishing_makes_it_a_normal_entry(
    bob, client_for, company, call_template, interact
) -> None:
    later = interact(
        company,
        call_template,
        postpone=True,
        description="Call back",
        date=datetime.date(2026, 1, 5),
        comments=["first note"],
        upload=upload("notes.txt", b"v1"),
    )
    client = client_for(bob)
    url = f"{POSTPONED}{later.pk}/resume/"
    page = client.get(url)
    form = page.context["form"]
    assert form["date"].value() == timezone.localdate(), "BC resets the date to today"
    assert form["comments"].value() == "first note" and form["contact"].field.disabled
    assert "notes.txt" in page.content.decode()
    data = browser_values(form)

    assert client.post(url, {**data, "postpone": "1"}).status_code == 302
    later.refresh_from_db()
    assert later.postponed, "finish later again keeps it postponed"

    response = client.post(url, {**data, "description": "Called back", "finish": "1"})
    assert response.status_code == 302
    entry = InteractionLogEntry.objects.get()
    assert entry.pk == later.pk and not entry.postponed
    assert entry.description == "Called back" and entry.date == timezone.localdate()
    assert entry.attachment_id == later.attachment_id, "no new file: the attachment stays"
    assert list(entry.comments.values_list("comment", flat=True)) == ["first note"]
    assert (
        f"Interaction log entry {entry.pk} was finished."
        in client.get(response["Location"]).content.decode()
    )
    assert client.get(url).status_code == 404, "a logged entry cannot be resumed"


def test_deleting_postponed_interactions_removes_them_with_their_comments(
    bob, client_for, company, call_template, interact
) -> None:
    later = interact(company, call_template, postpone=True, comments=["x", "y"])
    logged = interact(company, call_template)
    client = client_for(bob)
    response = client.post(
        "/interactions/postponed/action/",
        {
            "action": "delete",
            "entries": selected(later, logged),
            "next": POSTPONED,
            "confirmed": "1",
        },
    )
    assert response.status_code == 302 and response["Location"] == POSTPONED
    assert list(InteractionLogEntry.objects.all()) == [logged], "logged entries are not touched"
    assert not InteractionLogEntryComment.objects.exists()
    assert "1 postponed interaction was deleted." in client.get(POSTPONED).content.decode()


# --- the log: list, cancel, restore, evaluate -------------------------------------------------


def test_cancel_and_restore_on_the_log_change_the_contact_statistics(
    bob, client_for, company, person, call_template, interact
) -> None:
    a = interact(company, call_template)
    b = interact(person, call_template)
    client = client_for(bob)
    assert tab_count(client, company) == 2
    response = client.post(
        "/interactions/entries/action/",
        {
            "action": "cancel",
            "entries": selected(a),
            "next": f"{ENTRIES}?company={company.no}",
            "confirmed": "1",
        },
    )
    assert response["Location"] == f"{ENTRIES}?company={company.no}"
    html = client.get(response["Location"]).content.decode()
    assert "1 entry was canceled." in html
    row = re.search(rf'<tr class="canceled">(?:(?!</tr>).)*entries/{a.pk}/', html, re.S)
    assert row and "Canceled" in row.group(0), "struck through and says so"
    assert tab_count(client, company) == 1 and tab_count(client, person) == 1
    tab = client.get(f"{company.get_absolute_url()}?tab=interactions").content.decode()
    assert '<tr class="canceled">' in tab

    client.post(
        "/interactions/entries/action/",
        {"action": "restore", "entries": selected(a, b), "confirmed": "1"},
    )
    assert tab_count(client, company) == 2
    assert "1 entry was restored." in client.get(ENTRIES).content.decode()


def test_evaluate_the_selected_entries(bob, client_for, company, call_template, interact) -> None:
    a, b, c = (interact(company, call_template) for _ in range(3))
    client = client_for(bob)
    client.post(
        "/interactions/entries/action/",
        {"action": "evaluate", "evaluation": "very_positive", "entries": selected(a, b)},
    )
    assert sorted(InteractionLogEntry.objects.values_list("evaluation", flat=True)) == [
        "",
        "very_positive",
        "very_positive",
    ]
    html = client.get(ENTRIES).content.decode()
    assert "The evaluation of 2 entries was set to Very Positive." in html
    c.refresh_from_db()
    assert c.evaluation == ""


def test_a_bulk_action_without_a_selection_says_so(bob, client_for) -> None:
    client = client_for(bob)
    client.post("/interactions/entries/action/", {"action": "cancel"})
    assert "Select one or more entries first." in client.get(ENTRIES).content.decode()


def test_the_log_filters_and_sorts_from_the_query_string(
    bob, client_for, company, person, call_template, interact
) -> None:
    a = interact(company, call_template, description="Company call", date=datetime.date(2026, 1, 1))
    b = interact(person, call_template, description="Person call", date=datetime.date(2026, 3, 1))
    services.cancel_entries(actor=bob, entries=InteractionLogEntry.objects.filter(pk=a.pk))
    client = client_for(bob)
    html = client.get(f"{ENTRIES}?contact={person.no}", headers=HX).content.decode()
    assert f"entries/{b.pk}/" in html and f"entries/{a.pk}/" not in html
    html = client.get(f"{ENTRIES}?canceled=yes").content.decode()
    assert f"entries/{a.pk}/" in html and f"entries/{b.pk}/" not in html
    html = client.get(f"{ENTRIES}?date_from=2026-02-01&date_to=2026-12-31").content.decode()
    assert f"entries/{b.pk}/" in html and f"entries/{a.pk}/" not in html
    html = client.get(f"{ENTRIES}?sort=date").content.decode()
    assert html.index(f"entries/{a.pk}/") < html.index(f"entries/{b.pk}/")
    html = client.get(f"{ENTRIES}?date_from=yesterday").content.decode()
    assert "is not a valid value for the filter" in html and f"entries/{a.pk}/" not in html


def test_the_log_shows_the_entry_title_from_the_template(
    bob, client_for, company, call_template, interact, salesperson
) -> None:
    interact(company, call_template, description="Own words")
    html = client_for(bob).get(ENTRIES).content.decode()
    assert "Phone call - by Aino Heikkinen" in html


def test_the_log_lists_fifty_entries_with_bounded_queries(
    bob, client_for, company, person, call_template, interact, django_assert_max_num_queries
) -> None:
    for i in range(50):
        interact(person if i % 2 else company, call_template, comments=[f"note {i}"])
    client = client_for(bob)
    client.get(ENTRIES)  # warm the session and the permission cache
    # Constant: the contacts joined, each other related table one query (never one per row).
    with django_assert_max_num_queries(14):
        response = client.get(ENTRIES)
    assert response.status_code == 200
    assert response.content.decode().count('name="entries"') == 50


# --- one entry: comments, cancel, opportunity -------------------------------------------------


def test_comments_are_added_on_the_entry_page(
    bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    client = client_for(bob)
    url = f"{ENTRIES}{entry.pk}/comments/"
    response = client.post(url, {"comment": "  ", "code": "X"})
    assert response.status_code == 422
    assert "You must fill in the Comment field." in response.content.decode()
    response = client.post(url, {"comment": "Sent the brochure", "code": ""})
    assert response.status_code == 302 and response["Location"] == f"{ENTRIES}{entry.pk}/"
    assert "Sent the brochure" in client.get(response["Location"]).content.decode()


def test_cancel_a_single_entry_from_its_page(
    bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    client = client_for(bob)
    detail = f"{ENTRIES}{entry.pk}/"
    response = client.post(
        "/interactions/entries/action/",
        {"action": "cancel", "entries": [entry.pk], "next": detail, "confirmed": "1"},
    )
    assert response["Location"] == detail
    entry.refresh_from_db()
    assert entry.canceled
    html = client.get(detail).content.decode()
    assert 'value="restore"' in html and "Create Opportunity" not in html


def test_create_an_opportunity_from_an_entry_but_not_twice(
    bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template, comments=["Needs 40 licences"])
    client = client_for(bob)
    url = f"{ENTRIES}{entry.pk}/opportunity/"
    assert "Create Opportunity" in client.get(f"{ENTRIES}{entry.pk}/").content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/interactions/opportunities/OP000001/"
    card = client.get(response["Location"]).content.decode()
    assert "Opportunity OP000001 was created based on selected interaction log entry." in card
    assert "Needs 40 licences" in card and f"entries/{entry.pk}/" in card
    assert "Create Opportunity" not in client.get(f"{ENTRIES}{entry.pk}/").content.decode()

    response = client.post(url)
    assert response["Location"] == f"{ENTRIES}{entry.pk}/"
    page = unescape(client.get(response["Location"]).content.decode())
    assert "Opportunity No. must be equal to '' in Interaction Log Entry" in page
    assert Opportunity.objects.count() == 1


# --- permissions ------------------------------------------------------------------------------


def test_a_viewer_sees_the_log_but_gets_403_on_every_write(
    carol, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    later = interact(company, call_template, postpone=True)
    client = client_for(carol)
    assert client.get(ENTRIES).status_code == 200
    assert client.get(POSTPONED).status_code == 200
    assert client.get(f"{ENTRIES}{entry.pk}/").status_code == 200
    assert client.get(f"{CREATE}?contact={company.no}").status_code == 403
    assert client.get(f"{POSTPONED}{later.pk}/resume/").status_code == 403
    assert client.get(f"/interactions/contacts/{company.no}/call/").status_code == 403
    posts = [
        (CREATE, {"contact": company.no, "template": "CALL", "finish": "1"}),
        (f"{POSTPONED}{later.pk}/resume/", {"finish": "1"}),
        ("/interactions/postponed/action/", {"action": "delete", "entries": [later.pk]}),
        ("/interactions/entries/action/", {"action": "cancel", "entries": [entry.pk]}),
        ("/interactions/entries/action/", {"action": "restore", "entries": [entry.pk]}),
        (
            "/interactions/entries/action/",
            {"action": "evaluate", "evaluation": "positive", "entries": [entry.pk]},
        ),
        (f"{ENTRIES}{entry.pk}/comments/", {"comment": "no"}),
        (f"{ENTRIES}{entry.pk}/opportunity/", {}),
        (PURGE, {"confirm": "1"}),
        (f"/interactions/contacts/{company.no}/call/", {"phone_no": "1"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert InteractionLogEntry.objects.count() == 2
    entry.refresh_from_db()
    assert not entry.canceled and entry.evaluation == "" and not entry.comments.exists()
    html = client.get(ENTRIES).content.decode()
    assert 'name="entries"' not in html and "Create Interaction" not in html


# --- delete canceled entries ------------------------------------------------------------------


def test_only_admins_may_delete_canceled_entries(bob, dave, client_for) -> None:
    for user in (bob, dave):
        client = client_for(user)
        assert client.get(PURGE).status_code == 403
        assert client.post(PURGE, {"confirm": "1"}).status_code == 403
        assert "Delete Canceled Entries" not in client.get(ENTRIES).content.decode()


def test_delete_canceled_entries_previews_the_count_then_deletes(
    alice, bob, client_for, company, person, call_template, interact
) -> None:
    made = [interact(company, call_template, comments=["c"]) for _ in range(3)]
    other = interact(person, call_template)
    keep = interact(company, call_template)
    services.cancel_entries(actor=bob, entries=InteractionLogEntry.objects.exclude(pk=keep.pk))
    client = client_for(alice)
    assert "Delete Canceled Entries" in client.get(ENTRIES).content.decode()
    preview = client.post(PURGE, {"contact": company.no, "preview": "1"})
    assert preview.status_code == 200
    assert "Delete 3 canceled entries?" in preview.content.decode()
    assert InteractionLogEntry.objects.count() == 5, "the preview deletes nothing"
    fragment = client.post(PURGE, {"contact": "NOPE"}, headers=HX)
    assert (
        fragment.status_code == 422
        and "There is no contact with No. NOPE." in fragment.content.decode()
    )

    response = client.post(PURGE, {"contact": company.no, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == ENTRIES
    assert "3 interaction log entries have been deleted." in client.get(ENTRIES).content.decode()
    assert set(InteractionLogEntry.objects.all()) == {other, keep}
    assert not InteractionLogEntryComment.objects.filter(entry_id__in=[e.pk for e in made]).exists()
    response = client.post(PURGE, {"confirm": "1"})
    assert "1 interaction log entry has been deleted." in client.get(ENTRIES).content.decode()


def test_many_canceled_entries_are_deleted_by_a_background_job(
    alice,
    bob,
    client_for,
    company,
    call_template,
    interact,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    monkeypatch.setattr(log_views, "DIRECT_DELETE_LIMIT", 2)
    for _ in range(3):
        interact(company, call_template)
    services.cancel_entries(actor=bob, entries=InteractionLogEntry.objects.all())
    client = client_for(alice)
    assert "background job" in client.post(PURGE, {"preview": "1"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PURGE, {"confirm": "1"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/core/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"deleted": 3} and not InteractionLogEntry.objects.exists()
    assert "<progress" in client.get(response["Location"]).content.decode()


# --- phone call -------------------------------------------------------------------------------


def test_a_phone_call_is_logged_with_the_outgoing_calls_template(
    alice, bob, client_for, company, call_template
) -> None:
    update_contact(actor=alice, contact=company, phone_no="+358 40 123 4567")
    client = client_for(bob)
    url = f"/interactions/contacts/{company.no}/call/"
    page = client.get(url).content.decode()
    assert 'href="tel:+358401234567"' in page and 'value="+358 40 123 4567"' in page

    response = client.post(url, {"phone_no": "+358 40 123 4567", "successful": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Outg. Calls must have a value in Interaction Template Setup." in html
    assert 'href="/interactions/setup/"' in html
    assert not InteractionLogEntry.objects.exists()

    services.update_template_setup(actor=alice, outgoing_calls=call_template)
    response = client.post(
        url, {"phone_no": "+358 40 123 4567", "duration": "12", "comments": "Busy"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{company.get_absolute_url()}?tab=interactions"
    entry = InteractionLogEntry.objects.get()
    assert entry.template == call_template and entry.contact_via == "+358 40 123 4567"
    assert entry.duration == 12 and entry.attempt_failed, "the box was not ticked"
    assert list(entry.comments.values_list("comment", flat=True)) == ["Busy"]


def test_a_phone_call_needs_a_number(alice, bob, client_for, company, call_template) -> None:
    services.update_template_setup(actor=alice, outgoing_calls=call_template)
    response = client_for(bob).post(f"/interactions/contacts/{company.no}/call/", {})
    assert response.status_code == 422
    assert "You must fill in the phone number." in field_block(
        response.content.decode(), "phone_no"
    )


def test_the_contact_tab_shows_statistics_chart_and_latest_entries(
    bob, client_for, company, person, call_template, interact
) -> None:
    interact(company, call_template, cost=Decimal("10.00"))
    interact(person, call_template, description="Person call")
    interact(company, call_template, postpone=True)
    html = (
        client_for(bob)
        .get(f"{company.get_absolute_url()}?tab=interactions", headers=HX)
        .content.decode()
    )
    assert 'data-stat="count">2<' in html and 'data-stat="cost">12.50<' in html
    assert 'data-stat="duration">20<' in html
    assert "<svg" in html and "bar-chart-bar" in html and "style=" not in html
    month = timezone.localdate().strftime("%b %Y")
    assert re.search(rf"<td>{month}</td><td class=\"num\">2</td>", html)
    assert "Phone call - by Aino Heikkinen" in html and "Matti Virtanen" in html
    assert f"{ENTRIES}?company={company.no}" in html
    assert f"{POSTPONED}?company={company.no}" in html and "Postponed Interactions (1)" in html


def test_the_entry_page_links_its_attachment(
    bob, client_for, company, call_template, interact
) -> None:
    entry = interact(company, call_template, upload=upload("big.txt", b"x" * 1000))
    html = client_for(bob).get(f"{ENTRIES}{entry.pk}/").content.decode()
    assert "big.txt" in html
    assert Attachment.objects.filter(pk=entry.attachment_id).exists()
