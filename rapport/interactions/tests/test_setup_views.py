"""The setup pages: interaction groups and templates, template languages with attachments,
downloads, statistics with their chart, the Interaction Template Setup and relocating
attachments."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from rapport.contacts.services import update_marketing_setup
from rapport.core.models import Job, JobStatus, Language
from rapport.interactions import services
from rapport.interactions.attachments import Upload, read_content
from rapport.interactions.models import (
    Attachment,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from rapport.interactions.queries import template_setup
from rapport.interactions.tests.conftest import upload

HTMX = {"HTTP_HX_REQUEST": "true"}


def _file(name: str, content: bytes, content_type: str = "text/plain") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _followed_messages(client: Any) -> list[str]:
    """The flash messages waiting for the next page."""
    response = client.get(reverse("interactions:template_list"))
    return _messages(response)


@pytest.fixture
def language(db):
    return Language.objects.get(code="FI")  # seeded by a migration


@pytest.fixture
def letter_row(alice, call_template):
    """CALL's blank-language row with a text attachment."""
    return services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload()
    )


# --- every page, full and as a fragment --------------------------------------------------------


PAGES = [
    ("interactions:group_list", lambda t: []),
    ("interactions:group_new", lambda t: []),
    ("interactions:group_detail", lambda t: [t.group.code]),
    ("interactions:group_edit", lambda t: [t.group.code]),
    ("interactions:template_list", lambda t: []),
    ("interactions:template_new", lambda t: []),
    ("interactions:template_detail", lambda t: [t.code]),
    ("interactions:template_edit", lambda t: [t.code]),
    ("interactions:template_delete", lambda t: [t.code]),
    ("interactions:template_setup", lambda t: []),
]


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[p[0].split(":")[1] for p in PAGES])
def test_every_setup_page_renders_as_a_full_page_and_as_an_htmx_fragment(
    alice, client_for, call_template, letter_row, company, interact, name, args
) -> None:
    interact(company, call_template)
    client = client_for(alice)
    url = reverse(name, args=args(call_template))
    full = client.get(url)
    assert full.status_code == 200
    assert b"<html" in full.content and b'class="sidenav"' in full.content
    fragment = client.get(url, **HTMX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert fragment.content.strip(), "the fragment has content"


def test_the_template_detail_fragment_is_the_statistics_box(
    alice, client_for, call_template
) -> None:
    response = client_for(alice).get(
        reverse("interactions:template_detail", args=["CALL"]) + "?date_from=2020-01-01", **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="statistics"')
    assert 'value="2020-01-01"' in html


# --- creating through the forms ----------------------------------------------------------------


def test_marketing_creates_a_group_and_a_template_through_the_forms_and_sees_them_in_the_list(
    dave, client_for
) -> None:
    client = client_for(dave)
    response = client.post(
        reverse("interactions:group_new"), {"code": "meet", "description": "Meetings"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("interactions:group_detail", args=["MEET"])
    group = InteractionGroup.objects.get(code="MEET")

    response = client.post(
        reverse("interactions:template_new"),
        {
            "code": "visit",
            "group": group.pk,
            "description": "Customer visit",
            "unit_cost": "120.50",
            "unit_duration": "90",
            "information_flow": "outbound",
            "initiated_by": "us",
            "correspondence_type": "",
            "wizard_action": "",
        },
        follow=True,
    )
    assert response.redirect_chain == [
        (reverse("interactions:template_detail", args=["VISIT"]), 302)
    ]
    assert "Interaction template VISIT was created." in _messages(response)
    template = InteractionTemplate.objects.get(code="VISIT")
    assert template.group == group
    assert (template.unit_cost, template.unit_duration) == (Decimal("120.50"), Decimal(90))
    assert template.information_flow == "outbound"

    groups = client.get(reverse("interactions:group_list")).content.decode()
    assert ">MEET</a>" in groups and "Meetings" in groups
    templates = client.get(reverse("interactions:template_list")).content.decode()
    assert ">VISIT</a>" in templates and "Customer visit" in templates and "120.50" in templates


def test_editing_a_template_keeps_its_code_and_saves_the_changes(
    dave, client_for, call_template
) -> None:
    client = client_for(dave)
    response = client.post(
        reverse("interactions:template_edit", args=["CALL"]),
        {
            "code": "OTHER",
            "group": call_template.group.pk,
            "description": "Phone call (long)",
            "unit_cost": "3",
            "unit_duration": "15",
            "information_flow": "inbound",
            "initiated_by": "them",
            "correspondence_type": "",
            "wizard_action": "",
        },
    )
    assert response.status_code == 302
    call_template.refresh_from_db()
    assert call_template.code == "CALL", "the code cannot be changed"
    assert call_template.description == "Phone call (long)"
    assert (call_template.unit_cost, call_template.information_flow) == (Decimal(3), "inbound")


def test_a_negative_unit_cost_is_refused_with_422_naming_the_field_and_keeping_the_input(
    dave, client_for, group
) -> None:
    response = client_for(dave).post(
        reverse("interactions:template_new"),
        {"code": "NEG", "group": group.pk, "description": "Refund call", "unit_cost": "-5"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "unit_cost" in form.errors
    assert "Unit Cost (LCY)" in form.errors["unit_cost"][0]
    html = response.content.decode()
    assert 'value="Refund call"' in html and 'value="-5"' in html and 'value="NEG"' in html
    assert not InteractionTemplate.objects.filter(code="NEG").exists()


def test_a_template_without_a_group_is_refused_in_bcs_words(dave, client_for) -> None:
    response = client_for(dave).post(
        reverse("interactions:template_new"), {"code": "NOGRP", "description": "Lost"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["group"] == [
        "You must fill in the Interaction Group Code field."
    ]
    assert 'value="Lost"' in response.content.decode()


def test_a_group_without_a_code_is_refused_and_a_duplicate_code_too(
    dave, client_for, group
) -> None:
    client = client_for(dave)
    response = client.post(reverse("interactions:group_new"), {"description": "No code"})
    assert response.status_code == 422
    assert response.context["form"].errors["code"] == ["You must fill in the Code field."]
    response = client.post(reverse("interactions:group_new"), {"code": "letter"})
    assert response.status_code == 422
    assert "code" in response.context["form"].errors
    assert InteractionGroup.objects.count() == 1


def test_a_wizard_action_the_attachment_does_not_allow_is_refused_on_the_field(
    dave, client_for, call_template, letter_row
) -> None:
    response = client_for(dave).post(
        reverse("interactions:template_edit", args=["CALL"]),
        {"group": call_template.group.pk, "description": "Phone call", "wizard_action": "merge"},
    )
    assert response.status_code == 422
    assert "Wizard Action = Merge can not be specified" in str(
        response.context["form"].errors["wizard_action"]
    )


# --- permissions -------------------------------------------------------------------------------


POSTS = [
    ("interactions:group_new", lambda t, r: []),
    ("interactions:group_edit", lambda t, r: [t.group.code]),
    ("interactions:group_delete", lambda t, r: [t.group.code]),
    ("interactions:template_new", lambda t, r: []),
    ("interactions:template_edit", lambda t, r: [t.code]),
    ("interactions:template_delete", lambda t, r: [t.code]),
    ("interactions:template_language_save", lambda t, r: [t.code]),
    ("interactions:template_attachment_remove", lambda t, r: [t.code, r.pk]),
    ("interactions:template_language_delete", lambda t, r: [t.code, r.pk]),
    ("interactions:template_setup", lambda t, r: []),
    ("interactions:relocate_attachments", lambda t, r: []),
]


@pytest.mark.parametrize(("name", "args"), POSTS, ids=[p[0].split(":")[1] for p in POSTS])
def test_a_viewer_gets_403_on_every_post(
    carol, client_for, call_template, letter_row, name, args
) -> None:
    client = client_for(carol)
    response = client.post(
        reverse(name, args=args(call_template, letter_row)),
        {
            "code": "X",
            "description": "x",
            "group": call_template.group.pk,
            "file": _file("a", b"a"),
        },
    )
    assert response.status_code == 403
    assert InteractionTemplate.objects.filter(code="CALL").exists()
    assert InteractionTemplateLanguage.objects.filter(pk=letter_row.pk).exists()
    assert Attachment.objects.count() == 1
    assert not Job.objects.exists()


def test_marketing_may_read_but_not_change_the_template_setup(
    dave, client_for, call_template
) -> None:
    client = client_for(dave)
    page = client.get(reverse("interactions:template_setup"))
    assert page.status_code == 200
    assert page.context["form"].fields["outgoing_calls"].disabled
    assert b"Relocate attachments" not in page.content
    response = client.post(reverse("interactions:template_setup"), {"outgoing_calls": "CALL"})
    assert response.status_code == 403
    assert template_setup().outgoing_calls is None


# --- template languages and attachments --------------------------------------------------------


def test_an_uploaded_attachment_downloads_with_the_same_bytes_and_a_safe_file_name(
    dave, client_for, call_template
) -> None:
    client = client_for(dave)
    content = b"root:x:0:0:root:/root:/bin/bash\n\x00\xff binary too"
    response = client.post(
        reverse("interactions:template_language_save", args=["CALL"]),
        {"language": "", "description": "Script", "file": _file("../../etc/passwd", content)},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("interactions:template_detail", args=["CALL"]) + "#languages"
    )
    row = InteractionTemplateLanguage.objects.get(template=call_template, language=None)
    assert row.description == "Script"
    assert row.attachment.file_name == "passwd"

    detail = client.get(reverse("interactions:template_detail", args=["CALL"])).content.decode()
    link = reverse("interactions:attachment_download", args=[row.attachment.pk])
    assert f'href="{link}"' in detail and ">passwd</a>" in detail

    download = client.get(link)
    assert download.status_code == 200
    assert download.content == content
    assert download["Content-Disposition"] == 'attachment; filename="passwd"'
    assert download["Content-Type"] == "text/plain"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_an_html_upload_downloads_as_octet_stream_never_as_a_page(
    alice, client_for, call_template
) -> None:
    client = client_for(alice)
    client.post(
        reverse("interactions:template_language_save", args=["CALL"]),
        {"file": _file("offer.html", b"<script>alert(1)</script>", "text/html")},
    )
    svg = services.save_template_language(
        actor=alice,
        template=call_template,
        language=Language.objects.get(code="NB"),
        upload=Upload(b"<svg onload='alert(1)'/>", "logo.svg", "image/svg+xml"),
    )
    html_row = InteractionTemplateLanguage.objects.get(template=call_template, language=None)
    for attachment in (html_row.attachment, svg.attachment):
        response = client.get(reverse("interactions:attachment_download", args=[attachment.pk]))
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_download_names_the_file_safely_even_with_quotes_and_non_ascii(
    alice, client_for, call_template
) -> None:
    row = services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload('Tarjous "ÄÖ".txt')
    )
    response = client_for(alice).get(
        reverse("interactions:attachment_download", args=[row.attachment.pk])
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert '"' not in disposition.split("''", 1)[1]


def test_an_unknown_attachment_is_a_404(alice, client_for) -> None:
    assert (
        client_for(alice).get(reverse("interactions:attachment_download", args=[999])).status_code
        == 404
    )


def test_an_oversize_upload_is_refused_with_a_message_and_nothing_is_stored(
    dave, client_for, call_template, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 10
    response = client_for(dave).post(
        reverse("interactions:template_language_save", args=["CALL"]),
        {"language": "", "description": "Big", "file": _file("big.txt", b"x" * 11)},
    )
    assert response.status_code == 422
    errors = response.context["language_form"].errors["file"]
    assert errors == ["The file is too large (11 bytes). The limit is 10 bytes."]
    assert "The file is too large" in response.content.decode()
    assert Attachment.objects.count() == 0
    assert not InteractionTemplateLanguage.objects.filter(template=call_template).exists()


def test_replacing_an_attachment_needs_the_replace_checkbox_and_leaves_no_orphan(
    dave, client_for, call_template, letter_row
) -> None:
    client = client_for(dave)
    url = reverse("interactions:template_language_save", args=["CALL"])
    response = client.post(url, {"language": "", "file": _file("new.txt", b"new")})
    assert response.status_code == 422
    assert response.context["language_form"].errors["file"] == ["Replace existing attachment?"]
    response = client.post(url, {"language": "", "file": _file("new.txt", b"new"), "replace": "on"})
    assert response.status_code == 302
    letter_row.refresh_from_db()
    assert letter_row.attachment.file_name == "new.txt"
    assert Attachment.objects.count() == 1


def test_the_upload_action_of_a_row_fills_in_the_language_form(
    alice, client_for, call_template, language
) -> None:
    row = services.save_template_language(
        actor=alice, template=call_template, language=language, description="Suomeksi"
    )
    page = client_for(alice).get(
        reverse("interactions:template_detail", args=["CALL"]) + f"?row={row.pk}"
    )
    html = page.content.decode()
    assert '<option value="FI" selected>' in html
    assert 'name="description" value="Suomeksi"' in html


def test_removing_an_attachment_and_deleting_a_language_row(
    dave, client_for, call_template, letter_row, language
) -> None:
    client = client_for(dave)
    fi_row = services.save_template_language(
        actor=dave, template=call_template, language=language, upload=upload("fi.txt")
    )
    response = client.post(
        reverse("interactions:template_attachment_remove", args=["CALL", letter_row.pk])
    )
    assert response.status_code == 302
    letter_row.refresh_from_db()
    assert letter_row.attachment is None
    assert list(Attachment.objects.all()) == [fi_row.attachment]

    response = client.post(
        reverse("interactions:template_language_delete", args=["CALL", fi_row.pk])
    )
    assert response.status_code == 302
    assert list(call_template.languages.all()) == [letter_row]
    assert Attachment.objects.count() == 0
    assert "Language FI was deleted." in _followed_messages(client)


def test_a_language_row_of_another_template_is_a_404(
    alice, client_for, call_template, letter_row, group
) -> None:
    services.create_interaction_template(actor=alice, code="MAIL", group=group)
    response = client_for(alice).post(
        reverse("interactions:template_language_delete", args=["MAIL", letter_row.pk])
    )
    assert response.status_code == 404
    assert InteractionTemplateLanguage.objects.filter(pk=letter_row.pk).exists()


# --- deleting ----------------------------------------------------------------------------------


def test_deleting_a_template_removes_its_language_rows_and_their_attachments(
    dave, client_for, call_template, letter_row, language
) -> None:
    services.save_template_language(
        actor=dave, template=call_template, language=language, upload=upload("fi.txt")
    )
    assert Attachment.objects.count() == 2
    client = client_for(dave)
    url = reverse("interactions:template_delete", args=["CALL"])
    confirm = client.get(url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Delete interaction template CALL?" in html
    assert '<dd data-count="languages">2</dd>' in html
    assert '<dd data-count="attachments">2</dd>' in html

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("interactions:template_list")
    assert not InteractionTemplate.objects.filter(code="CALL").exists()
    assert InteractionTemplateLanguage.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert "Interaction template CALL was deleted." in _followed_messages(client)


def test_a_template_in_use_is_not_deleted_and_the_reason_is_flashed(
    dave, client_for, call_template, company, interact
) -> None:
    interact(company, call_template)
    client = client_for(dave)
    confirm = client.get(reverse("interactions:template_delete", args=["CALL"]))
    assert b"1 interaction log entry uses this template, so it cannot be deleted." in (
        confirm.content
    )
    assert b'class="danger">Delete</button>' not in confirm.content
    response = client.post(reverse("interactions:template_delete", args=["CALL"]), follow=True)
    assert InteractionTemplate.objects.filter(code="CALL").exists()
    assert "You cannot delete interaction template CALL because it is in use." in _messages(
        response
    )


def test_deleting_a_group_in_use_shows_the_services_message(
    dave, client_for, call_template
) -> None:
    client = client_for(dave)
    response = client.post(
        reverse("interactions:group_delete", args=["LETTER"]), {"confirmed": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("interactions:group_detail", args=["LETTER"])
    assert (
        "You cannot delete interaction group LETTER because templates or interaction log "
        "entries use it." in _messages(response)
    )
    assert InteractionGroup.objects.filter(code="LETTER").exists()


def test_deleting_an_unused_group(dave, client_for) -> None:
    services.create_interaction_group(actor=dave, code="SPARE")
    client = client_for(dave)
    assert client.get(reverse("interactions:group_delete", args=["SPARE"])).status_code == 405
    response = client.post(reverse("interactions:group_delete", args=["SPARE"]), {"confirmed": "1"})
    assert response["Location"] == reverse("interactions:group_list")
    assert not InteractionGroup.objects.filter(code="SPARE").exists()


# --- statistics and the chart ------------------------------------------------------------------


def _chart_table(html: str) -> dict[str, int]:
    table = html[html.index('id="chart-table"') :]
    table = table[: table.index("</table>")]
    return {m: int(n) for m, n in re.findall(r'data-month="([\d-]+)">(\d+)<', table)}


def _bar_values(html: str) -> list[int]:
    svg = html[html.index('<svg class="bar-chart"') :]
    svg = svg[: svg.index("</svg>")]
    return [int(v) for v in re.findall(r'class="bar-chart-bar"[^>]*data-value="(\d+)"', svg)]


def test_template_statistics_exclude_canceled_and_postponed_entries_and_the_chart_agrees(
    alice, client_for, call_template, company, person, interact
) -> None:
    kept = [interact(company, call_template), interact(person, call_template, cost=Decimal("4"))]
    canceled = interact(company, call_template, duration=Decimal(100))
    services.cancel_entries(actor=alice, entries=InteractionLogEntry.objects.filter(pk=canceled.pk))
    interact(company, call_template, postpone=True)
    assert len(kept) == 2

    html = client_for(alice).get(reverse("interactions:template_detail", args=["CALL"]))
    html = html.content.decode()
    assert '<dd data-stat="count">2</dd>' in html
    assert '<dd data-stat="cost">6.50 <span class="unit">EUR</span></dd>' in html
    assert '<dd data-stat="duration">20</dd>' in html

    this_month = timezone.localdate().strftime("%Y-%m")
    table = _chart_table(html)
    assert len(table) == 12
    assert table[this_month] == 2
    assert sum(table.values()) == 2
    assert _bar_values(html) == list(table.values())
    assert 'role="img"' in html and "<title" in html


def test_group_statistics_follow_the_date_filter_in_the_query_string(
    alice, client_for, call_template, company, interact
) -> None:
    today = timezone.localdate()
    interact(company, call_template, date=today)
    interact(company, call_template, date=today - datetime.timedelta(days=400))
    client = client_for(alice)
    url = reverse("interactions:group_detail", args=["LETTER"])
    assert '<dd data-stat="count">2</dd>' in client.get(url).content.decode()
    since = (today - datetime.timedelta(days=30)).isoformat()
    html = client.get(url + f"?date_from={since}").content.decode()
    assert '<dd data-stat="count">1</dd>' in html
    assert '<dd data-stat="cost">2.50' in html
    fragment = client.get(url + f"?date_from={since}", **HTMX).content.decode()
    assert '<dd data-stat="count">1</dd>' in fragment and "chart-table" not in fragment
    bad = client.get(url + "?date_from=2026-02-01&date_to=2026-01-01").content.decode()
    assert "Date from must be on or before Date to." in bad
    assert '<dd data-stat="count">2</dd>' in bad, "an invalid range shows all dates"
    log_link = reverse("interactions:entry_list") + "?group=LETTER"
    assert f'href="{log_link}"' in html
    assert f'href="{log_link}&amp;canceled=no&amp;date_from={since}"' in html, (
        "the figures link to the entries they count"
    )


def test_statistics_are_localized(alice, client_for, call_template, company, interact) -> None:
    interact(company, call_template, cost=Decimal("1234.5"), duration=Decimal(1500))
    client = client_for(alice)
    client.post(reverse("language_set"), {"language": "fi"})
    html = client.get(reverse("interactions:template_detail", args=["CALL"])).content.decode()
    match = re.search(r'data-stat="cost">([^<]+)<', html)
    assert match is not None and match.group(1).replace("\xa0", " ").strip() == "1 234,50"


def test_the_bar_chart_draws_bars_proportional_to_the_counts_with_month_labels() -> None:
    rows = [
        {"month": datetime.date(2026, 1, 1), "count": 5},
        {"month": datetime.date(2026, 2, 1), "count": 0},
        {"month": datetime.date(2026, 3, 1), "count": 10},
    ]
    html = Template("{% load interaction_charts %}{% bar_chart rows title='Per month' %}").render(
        Context({"rows": rows})
    )
    heights = re.findall(r'class="bar-chart-bar"[^>]*height="([\d.]+)"', html)
    assert heights == ["50", "0", "100"]
    assert 'role="img"' in html and "<title id=" in html and "Per month" in html
    assert ">Jan</text>" in html and ">Mar</text>" in html
    assert "Highest: 10 in March 2026." in html
    assert "style=" not in html and "<style" not in html


def test_an_empty_bar_chart_says_so() -> None:
    html = Template("{% load interaction_charts %}{% bar_chart rows %}").render(
        Context({"rows": [{"month": datetime.date(2026, 1, 1), "count": 0}]})
    )
    assert "No interactions in this period." in html
    assert 'height="0"' in html


# --- the template list -------------------------------------------------------------------------


def test_the_template_list_searches_filters_and_sorts(
    alice, client_for, group, call_template
) -> None:
    other = services.create_interaction_group(actor=alice, code="MEET")
    services.create_interaction_template(
        actor=alice, code="VISIT", group=other, description="Aa visit"
    )
    client = client_for(alice)
    url = reverse("interactions:template_list")

    def codes(query: str) -> list[str]:
        page = client.get(url + query).context["page"]
        return [t.code for t in page.items]

    assert codes("") == ["CALL", "VISIT"]
    assert codes("?q=visit") == ["VISIT"]
    assert codes("?group=letter") == ["CALL"]
    assert codes("?sort=-code") == ["VISIT", "CALL"]
    assert codes("?sort=description") == ["VISIT", "CALL"]
    response = client.get(url + "?sort=nonsense")
    assert response.status_code == 200
    assert "You cannot sort by nonsense." in _messages(response)


def test_the_template_list_shows_whether_the_default_language_has_an_attachment(
    alice, client_for, call_template, letter_row, group, language
) -> None:
    services.create_interaction_template(actor=alice, code="MAIL", group=group, language=language)
    other = services.create_interaction_template(actor=alice, code="NOTE", group=group)
    services.save_template_language(
        actor=alice, template=other, language=language, upload=upload("fi.txt")
    )
    page = client_for(alice).get(reverse("interactions:template_list")).context["page"]
    flags = {t.code: t.has_attachment for t in page.items}
    assert flags == {"CALL": True, "MAIL": False, "NOTE": False}, (
        "NOTE's attachment belongs to FI, not to its default (blank) language"
    )


def test_the_template_list_needs_a_bounded_number_of_queries(
    alice, client_for, group, language, django_assert_max_num_queries
) -> None:
    for n in range(30):
        template = services.create_interaction_template(
            actor=alice,
            code=f"T{n:02}",
            group=group,
            description=f"Template {n}",
            language=language if n % 2 else None,
        )
        if n % 3 == 0:
            services.save_template_language(
                actor=alice, template=template, language=template.language, upload=upload()
            )
    client = client_for(alice)
    client.get(reverse("interactions:template_list"))  # warm the session and permissions
    with django_assert_max_num_queries(8):
        response = client.get(reverse("interactions:template_list"))
    assert len(response.context["page"].items) == 30
    assert response.content.decode().count('data-attachment="yes"') == 10


# --- the Interaction Template Setup and relocating attachments ---------------------------------


def test_an_admin_chooses_the_outgoing_calls_template(alice, client_for, call_template) -> None:
    client = client_for(alice)
    response = client.post(reverse("interactions:template_setup"), {"outgoing_calls": "CALL"})
    assert response.status_code == 302
    assert template_setup().outgoing_calls == call_template
    page = client.get(reverse("interactions:template_setup"))
    assert '<option value="CALL" selected>' in page.content.decode()
    assert "Interaction Template Setup was saved." in _messages(page)
    response = client.post(reverse("interactions:template_setup"), {"outgoing_calls": "NOPE"})
    assert response.status_code == 422
    assert "outgoing_calls" in response.context["form"].errors


def test_relocating_attachments_runs_a_job_that_moves_them_to_disk_intact(
    alice, client_for, call_template, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    content = b"Dear customer,\n\xe2\x82\xac 10"
    row = services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload(content=content)
    )
    assert row.attachment.storage_type == "embedded"
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location="att"
    )
    client = client_for(alice)
    page = client.get(reverse("interactions:template_setup")).content.decode()
    assert 'data-storage-type="disk_file"' in page and "Relocate attachments" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interactions:relocate_attachments"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    attachment = Attachment.objects.get(pk=row.attachment.pk)
    assert attachment.storage_type == "disk_file"
    assert attachment.file.storage_key.startswith("att/") and attachment.file.content is None
    assert (tmp_path / attachment.file.storage_key).read_bytes() == content
    assert read_content(attachment) == content
    download = client.get(reverse("interactions:attachment_download", args=[attachment.pk]))
    assert download.content == content
