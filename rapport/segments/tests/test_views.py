"""Segment pages: each with and without htmx; the workflows post and redirect through the
services."""

from __future__ import annotations

import pytest

from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment, SegmentLine
from rapport.segments.tests.conftest import contacts_of

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def filled(alice, segment, world):
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    return segment


def test_segment_pages_render_with_and_without_htmx(alice, client_for, filled) -> None:
    client = client_for(alice)
    no = filled.no
    for url in (
        "/segments/",
        f"/segments/{no}/",
        f"/segments/{no}/edit/",
        f"/segments/{no}/criteria/add/",
        f"/segments/{no}/criteria/reduce/",
        f"/segments/{no}/go-back/",
        f"/segments/{no}/save-criteria/",
        f"/segments/{no}/reuse-criteria/",
        f"/segments/{no}/reuse-logged-segment/",
        f"/segments/{no}/log/",
        f"/segments/{no}/lines/new/",
        f"/segments/{no}/lines/10000/",
        "/segments/new/",
        "/segments/logged/",
    ):
        full = client.get(url)
        assert full.status_code == 200, url
        assert b"<html" in full.content, url
        partial = client.get(url, **HX)
        assert partial.status_code == 200, url
    assert b"Matti Virtanen" in client.get(f"/segments/{no}/").content
    fragment = client.get(f"/segments/{no}/", **HX).content
    assert b"<html" not in fragment and b"Matti Virtanen" in fragment


def test_create_a_segment_from_the_page(alice, client_for, letter, anna) -> None:
    response = client_for(alice).post(
        "/segments/new/", {"description": "Spring", "template": "NEWSL", "salesperson": "ANNA"}
    )
    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/segments/{segment.no}/"
    assert segment.template == letter and segment.unit_cost == letter.unit_cost


def test_criteria_page_previews_then_adds(alice, client_for, segment, world) -> None:
    client = client_for(alice)
    url = f"/segments/{segment.no}/criteria/add/"
    preview = client.post(url, {"action": "add", "city": "Helsinki", "preview": "1"})
    assert preview.status_code == 200
    assert b"4 contacts will be added." in preview.content
    assert b"1 contact marked Privacy Blocked is left out." in preview.content
    assert not SegmentLine.objects.exists()
    done = client.post(url, {"action": "add", "city": "Helsinki", "run": "1"}, follow=True)
    assert b"4 contacts were added." in done.content
    assert len(contacts_of(segment)) == 4


def test_remove_lines_and_go_back_from_the_page(alice, client_for, filled) -> None:
    client = client_for(alice)
    asked = client.post(f"/segments/{filled.no}/lines/remove/", {"lines": ["10000", "20000"]})
    assert asked.status_code == 200 and b"Remove 2 selected lines?" in asked.content
    assert SegmentLine.objects.filter(segment=filled).count() == 4, "nothing before confirming"
    client.post(
        f"/segments/{filled.no}/lines/remove/", {"lines": ["10000", "20000"], "confirmed": "1"}
    )
    assert SegmentLine.objects.filter(segment=filled).count() == 2
    client.post(f"/segments/{filled.no}/go-back/")
    assert SegmentLine.objects.filter(segment=filled).count() == 4


def test_log_from_the_page_with_follow_up(alice, client_for, filled) -> None:
    client = client_for(alice)
    response = client.post(f"/segments/{filled.no}/log/", {"follow_up": "on"}, follow=True)
    assert response.status_code == 200
    assert f"Segment {filled.no} has been logged: 4 interactions".encode() in response.content
    assert InteractionLogEntry.objects.count() == 4
    follow = Segment.objects.get()
    assert follow.description == f"Follow-up on segment {filled.no}"


def test_cancel_a_logged_segment_from_its_list(alice, client_for, filled) -> None:
    logged = services.log_segment(actor=alice, segment=filled).logged_segment
    client = client_for(alice)
    assert client.get("/segments/logged/").status_code == 200
    assert client.get(f"/segments/logged/{logged.pk}/").status_code == 200
    asked = client.post("/segments/logged/action/", {"action": "cancel", "logged": [logged.pk]})
    assert f"Do you wish to mark Logged Segment {logged.pk} as Canceled?".encode() in asked.content
    client.post(
        "/segments/logged/action/", {"action": "cancel", "logged": [logged.pk], "confirmed": "1"}
    )
    assert LoggedSegment.objects.get().canceled
    assert not InteractionLogEntry.objects.filter(canceled=False).exists()
    entries = client.get(f"/interactions/entries/?logged_segment={logged.pk}")
    assert entries.status_code == 200
    assert entries.content.count(b"Matti Virtanen") >= 1


def test_export_neutralises_formulas(alice, client_for, segment, world) -> None:
    from rapport.contacts.services import update_contact

    update_contact(actor=alice, contact=world["solo"], name="=HYPERLINK(1)")
    services.add_segment_line(actor=alice, segment=segment, contact=world["solo"])
    response = client_for(alice).get(f"/segments/{segment.no}/export/?format=csv")
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def test_a_viewer_sees_but_cannot_change(carol, client_for, filled) -> None:
    client = client_for(carol)
    assert client.get(f"/segments/{filled.no}/").status_code == 200
    assert client.get(f"/segments/{filled.no}/criteria/add/").status_code == 403
    assert client.post(f"/segments/{filled.no}/log/").status_code == 403


def test_the_contact_card_shows_the_segments_a_contact_stands_in(
    alice, client_for, filled, world
) -> None:
    url = f"/contacts/{world['matti'].no}/?tab=segments"
    page = client_for(alice).get(url)
    assert page.status_code == 200 and filled.no.encode() in page.content
    services.log_segment(actor=alice, segment=filled)
    fragment = client_for(alice).get(url, **HX)
    assert b"Autumn newsletter" in fragment.content and b"<html" not in fragment.content


def test_segment_languages_page_adds_changes_and_removes(alice, client_for, filled) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.segments.models import SegmentInteractionLanguage

    client = client_for(alice)
    url = f"/segments/{filled.no}/languages/"
    assert client.get(url).status_code == 200
    assert client.get(url, **HX).status_code == 200
    saved = client.post(
        url,
        {
            "language": "FI",
            "subject": "Syksyn uutiskirje",
            "file": SimpleUploadedFile("kirje.txt", b"Hei"),
        },
    )
    assert saved.status_code == 302
    record = SegmentInteractionLanguage.objects.get()
    assert record.subject == "Syksyn uutiskirje" and record.attachment.file_name == "kirje.txt"
    bad = client.post(url, {"language": "FI", "line_no": "99"})
    assert bad.status_code == 422 and b"The segment has no line 99." in bad.content
    asked = client.post(url, {"delete": record.pk})
    assert asked.status_code == 200 and b"Remove language FI" in asked.content
    client.post(url, {"delete": record.pk, "confirmed": "1"})
    assert not SegmentInteractionLanguage.objects.exists()


def test_a_large_segment_is_logged_by_a_job_from_the_page_and_the_api(
    alice, client_for, filled, monkeypatch
) -> None:
    from rapport.core.jobs import execute_job
    from rapport.core.models import Job
    from rapport.segments.services import logging as log_services

    monkeypatch.setattr(log_services, "BACKGROUND_THRESHOLD", 2)
    monkeypatch.setattr(services, "BACKGROUND_THRESHOLD", 2)
    response = client_for(alice).post(f"/segments/{filled.no}/log/", {})
    body = response.content.decode()
    assert response.status_code == 302, (response.status_code, body[body.find("<main") :][:1500])
    job = Job.objects.get(kind="segments.log_segment")
    assert response.status_code == 302 and response["Location"] == f"/core/jobs/{job.pk}/"
    assert not InteractionLogEntry.objects.exists(), "nothing before the worker runs it"
    job = execute_job(job.pk)
    assert job.status == "succeeded" and job.result["interactions"] == 4
    assert InteractionLogEntry.objects.count() == 4 and not Segment.objects.filter(pk=filled.pk)


def test_the_api_answers_202_with_the_job_for_a_large_segment(alice, filled, monkeypatch) -> None:
    from django.test import Client

    from rapport.segments.tests.test_api import bearer

    monkeypatch.setattr(services, "BACKGROUND_THRESHOLD", 2)
    response = Client(headers=bearer(alice)).post(
        f"/api/v1/segments/{filled.no}/log", {}, content_type="application/json"
    )
    assert response.status_code == 202 and response.json()["job_id"]
