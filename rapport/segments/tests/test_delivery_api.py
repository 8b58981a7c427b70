"""Issue #12 in the segments API: remarks on lines, the preview of a line's document, logging
with deliver (the job's id), delivery counts on logged segments and resending the failed ones,
over a real SMTP server (aiosmtpd)."""

# ruff: noqa: F811  (the fixtures imported from test_delivery are test arguments here)
from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from rapport.accounts.services import create_api_token
from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus
from rapport.interactions.services import delivery
from rapport.interactions.tests.documents import docx_text
from rapport.segments import services
from rapport.segments.models import SegmentLine
from rapport.segments.tests.test_delivery import (  # noqa: F401  (fixtures)
    mailing,
    readers,
    segment_of,
)
from rapport.segments.tests.test_delivery_pages import HOSTILE, offer  # noqa: F401

pytestmark = pytest.mark.django_db

JSON = "application/json"


def client_of(user: Any) -> Client:
    _token, raw = create_api_token(actor=user, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api(alice) -> Client:
    return client_of(alice)


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data if data is not None else {}, content_type=JSON)


def test_line_remarks_go_in_and_come_out(api, alice, anna, mailing, readers) -> None:
    segment = segment_of(alice, anna, mailing, [readers[0]])
    added = post(
        api,
        f"/api/v1/segments/{segment.no}/lines",
        {"contact_no": readers[1].no, "remarks": "Tervetuloa messuille"},
    )
    assert added.status_code == 201, added.content
    assert added.json()["remarks"] == "Tervetuloa messuille"
    line_no = added.json()["line_no"]
    patched = api.patch(
        f"/api/v1/segments/{segment.no}/lines/{line_no}",
        {"remarks": "Nähdään!"},
        content_type=JSON,
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["remarks"] == "Nähdään!"
    assert SegmentLine.objects.get(segment=segment, line_no=line_no).remarks == "Nähdään!"
    listed = api.get(f"/api/v1/segments/{segment.no}/lines").json()["items"]
    assert [line["remarks"] for line in listed] == ["", "Nähdään!"]
    too_long = api.patch(
        f"/api/v1/segments/{segment.no}/lines/{line_no}",
        {"remarks": "x" * 251},
        content_type=JSON,
    )
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "remarks"


def test_previewing_an_email_line_returns_the_merged_message(
    api, alice, anna, mailing, readers
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    line = SegmentLine.objects.get(segment=segment, contact=readers[1])
    services.update_segment_line(actor=alice, line=line, remarks=HOSTILE)
    response = api.get(f"/api/v1/segments/{segment.no}/lines/{line.line_no}/preview")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"subject", "file_name", "content_type", "html", "text", "content_base64"}
    assert body["subject"] == "News for Sven Svensson"
    assert "<script>" not in body["html"]
    assert "&lt;script&gt;alert" in body["html"]
    assert HOSTILE in body["text"]  # the plain-text part says what was typed
    assert "Anna Ahonen" in base64.b64decode(body["content_base64"]).decode()
    assert (
        api.get(f"/api/v1/segments/{segment.no}/lines/{line.line_no}/preview?colour=red").json()[
            "field"
        ]
        == "colour"
    )
    assert api.get(f"/api/v1/segments/{segment.no}/lines/99999/preview").status_code == 404


def test_previewing_a_word_line_returns_the_document_and_its_html(
    api, alice, anna, offer, readers
) -> None:
    segment = segment_of(alice, anna, offer, readers)
    line = SegmentLine.objects.get(segment=segment, contact=readers[0])
    services.update_segment_line(actor=alice, line=line, remarks=HOSTILE)
    body = api.get(f"/api/v1/segments/{segment.no}/lines/{line.line_no}/preview").json()
    assert body["file_name"].endswith(".docx")
    assert "wordprocessingml" in body["content_type"]
    assert "Dear Aino Aalto" in body["html"] and "<script>" not in body["html"]
    assert HOSTILE in docx_text(base64.b64decode(body["content_base64"]))


def test_previewing_a_line_without_attachment_is_a_422_naming_it(
    api, alice, anna, letter, readers
) -> None:
    segment = segment_of(alice, anna, letter, readers)
    line = SegmentLine.objects.get(segment=segment, contact=readers[0])
    response = api.get(f"/api/v1/segments/{segment.no}/lines/{line.line_no}/preview")
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "attachment"
    assert body["code"] == "no_attachment"
    assert "attachment" in body["message"]


def test_log_with_deliver_returns_the_job_and_the_logged_segment_counts_its_delivery(
    api, alice, anna, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    smtp.refuse.add("bounce@eq.no")
    logged = post(api, f"/api/v1/segments/{segment.no}/log", {"deliver": True})
    assert logged.status_code == 201, logged.content
    body = logged.json()
    job_id = body["delivery_job_id"]
    assert Job.objects.get(pk=job_id).kind == delivery.DELIVER
    assert body["logged_segment"]["delivery"] == {
        "in_progress": 3,
        "sent": 0,
        "error": 0,
        "unknown": 0,
    }
    assert execute_job(job_id).status == JobStatus.SUCCEEDED
    assert len(smtp.messages_to("aino@kesko.fi")) == 1
    entry_no = body["logged_segment"]["entry_no"]
    got = api.get(f"/api/v1/logged-segments/{entry_no}").json()
    assert got["delivery"] == {"in_progress": 0, "sent": 2, "error": 1, "unknown": 0}
    listed = api.get("/api/v1/logged-segments").json()["items"]
    assert [item["delivery"]["sent"] for item in listed if item["entry_no"] == entry_no] == [2]

    # Resend the failed one: 202 with the job; only the bounced address gets mail again.
    smtp.refuse.clear()
    resent = post(api, f"/api/v1/logged-segments/{entry_no}/resend-failed")
    assert resent.status_code == 202, resent.content
    job = resent.json()
    assert job["kind"] == delivery.DELIVER and job["status"] == "queued" and job["total"] == 1
    execute_job(job["id"])
    assert len(smtp.messages_to("bounce@eq.no")) == 1
    assert len(smtp.messages_to("aino@kesko.fi")) == 1
    got = api.get(f"/api/v1/logged-segments/{entry_no}").json()
    assert got["delivery"]["sent"] == 3 and got["no_of_interactions"] == 3

    # Nothing failed any more.
    again = post(api, f"/api/v1/logged-segments/{entry_no}/resend-failed")
    assert again.status_code == 422
    assert again.json()["code"] == "nothing_to_send"
    assert again.json()["field"] == "entries"


def test_log_without_deliver_has_no_job_and_zero_counts(
    api, alice, anna, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    body = post(api, f"/api/v1/segments/{segment.no}/log", {"deliver": False}).json()
    assert body["delivery_job_id"] is None
    assert set(body["logged_segment"]["delivery"].values()) == {0}
    assert smtp.received == []


def test_resend_failed_needs_the_right_to_send_and_an_existing_logged_segment(
    api, alice, carol, anna, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    smtp.refuse.add("bounce@eq.no")
    result = services.log_segment(actor=alice, segment=segment, deliver=True)
    execute_job(result.delivery_job.pk)
    viewer = client_of(carol)
    response = post(viewer, f"/api/v1/logged-segments/{result.logged_segment.pk}/resend-failed")
    assert response.status_code == 403
    assert post(api, "/api/v1/logged-segments/99999/resend-failed").status_code == 404
    assert Job.objects.filter(kind=delivery.DELIVER).count() == 1
