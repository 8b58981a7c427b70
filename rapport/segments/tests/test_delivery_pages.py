"""Issue #12 in the segment pages: remarks on a line, the preview of a line's document, logging
with Send Attachments, and the logged segment's delivery (counts per status, jobs with their
progress, resend failed, print bundles), over a real SMTP server (aiosmtpd)."""

# ruff: noqa: F811  (the fixtures imported from test_delivery are test arguments here)
from __future__ import annotations

import html
import io
import zipfile

import pytest

from rapport.core.jobs import end_job, execute_job
from rapport.core.models import Job, JobStatus, Language
from rapport.interactions import services as interactions
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry
from rapport.interactions.services import delivery
from rapport.interactions.tests.documents import letter_upload
from rapport.segments import services
from rapport.segments.models import LoggedSegment, SegmentLine
from rapport.segments.tests.test_delivery import (  # noqa: F401  (fixtures)
    mailing,
    readers,
    segment_of,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert("x")</script> & tervetuloa'


@pytest.fixture
def offer(alice, letter):
    """A Word merge letter sent on paper: hard copy, one .docx per contact."""
    template = interactions.create_interaction_template(
        actor=alice,
        code="OFFER",
        group=letter.group,
        description="Offer letter",
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="hard_copy",
        ignore_contact_corres_type=True,
        language=Language.objects.get(code="EN"),
    )
    interactions.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="EN"),
        upload=letter_upload("Dear {{ contact.name }},", "{{ remarks }}", "{{ salesperson.name }}"),
    )
    template.refresh_from_db()
    return template


def line_of(segment, contact) -> SegmentLine:
    return SegmentLine.objects.get(segment=segment, contact=contact)


def counts_on_page(content: str) -> dict[str, int]:
    """The delivery counts table of the logged segment page: status -> count."""
    import re

    return {
        status: int(count) for status, count in re.findall(r'data-count="(\w+)">(\d+)<', content)
    }


# --- remarks and preview -----------------------------------------------------------------------


def test_the_line_form_edits_the_remarks(alice, anna, client_for, mailing, readers) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    line = line_of(segment, readers[0])
    client = client_for(alice)
    url = f"/segments/{segment.no}/lines/{line.line_no}/"
    page = client.get(url)
    assert b'<textarea name="remarks"' in page.content
    response = client.post(
        url,
        {
            "contact": readers[0].no,
            "description": line.description,
            "template": line.template.code,
            "salesperson": line.salesperson.code,
            "correspondence_type": line.correspondence_type,
            "cost": str(line.cost),
            "duration": str(line.duration),
            "evaluation": line.evaluation,
            "remarks": "Nähdään messuilla!",
        },
    )
    assert response.status_code == 302, response.content
    changed = SegmentLine.objects.get(pk=line.pk)
    assert changed.remarks == "Nähdään messuilla!"
    assert (changed.description, changed.cost) == (line.description, line.cost)
    assert "Nähdään messuilla!" in client.get(url).content.decode()


def test_the_segment_page_has_a_preview_action_per_line(
    alice, anna, client_for, mailing, readers
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    content = client_for(alice).get(f"/segments/{segment.no}/").content.decode()
    for line in SegmentLine.objects.filter(segment=segment):
        assert f'href="/segments/{segment.no}/lines/{line.line_no}/preview/"' in content


def test_an_email_preview_shows_the_subject_and_the_body_in_a_sandboxed_frame(
    alice, anna, client_for, mailing, readers
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    line = line_of(segment, readers[1])  # Sven: the English (default) layout
    services.update_segment_line(actor=alice, line=line, remarks=HOSTILE)
    client = client_for(alice)
    for extra in ({}, HX):
        response = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/", **extra)
        assert response.status_code == 200
        content = response.content.decode()
        assert "News for Sven Svensson" in content
        assert "<iframe" in content and " sandbox " in content and "srcdoc=" in content
        # The remarks are escaped by the merge and again in the srcdoc attribute: no script
        # reaches the page, and none runs in the frame.
        assert "<script>alert" not in content
        assert "&lt;script&gt;alert" not in html.unescape(content.split("srcdoc=")[0])
        srcdoc = html.unescape(content.split('srcdoc="', 1)[1].split('"', 1)[0])
        assert "<script>" not in srcdoc
        assert "&lt;script&gt;alert" in srcdoc
        assert "Anna Ahonen" in srcdoc
    download = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"  # HTML is never shown inline
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_word_preview_is_a_download_and_an_html_rendering(
    alice, anna, client_for, offer, readers
) -> None:
    segment = segment_of(alice, anna, offer, readers)
    line = line_of(segment, readers[0])
    services.update_segment_line(actor=alice, line=line, remarks=HOSTILE)
    client = client_for(alice)
    content = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/").content.decode()
    assert "<script>alert" not in content
    srcdoc = html.unescape(content.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert "Dear Aino Aalto" in srcdoc
    assert "&lt;script&gt;alert" in srcdoc
    download = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment") and ".docx" in disposition
    assert "/" not in disposition.split("filename", 1)[1]
    from rapport.interactions.tests.documents import docx_text

    assert HOSTILE in docx_text(download.content)


def test_a_line_without_attachment_previews_as_a_message_not_an_error(
    alice, anna, client_for, letter, readers
) -> None:
    segment = segment_of(alice, anna, letter, readers)
    line = line_of(segment, readers[0])
    client = client_for(alice)
    response = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/")
    assert response.status_code == 200
    assert "has no attachment" in response.content.decode()
    download = client.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/download/")
    assert download.status_code == 302


# --- logging with Send Attachments ---------------------------------------------------------------


def test_send_attachments_is_offered_only_when_a_line_has_a_correspondence_type(
    alice, anna, client_for, letter, mailing, readers
) -> None:
    client = client_for(alice)
    with_type = segment_of(alice, anna, mailing, readers)
    content = client.get(f"/segments/{with_type.no}/log/").content.decode()
    deliver = content.split('name="deliver"', 1)[1].split(">", 1)[0]
    assert "checked" in deliver and "disabled" not in deliver

    without = segment_of(alice, anna, letter, readers)  # the letter has no correspondence type
    for line in SegmentLine.objects.filter(segment=without):
        services.update_segment_line(actor=alice, line=line, correspondence_type="")
    content = client.get(f"/segments/{without.no}/log/").content.decode()
    deliver = content.split('name="deliver"', 1)[1].split(">", 1)[0]
    assert "disabled" in deliver and "checked" not in deliver
    # A forged tick is ignored: nothing to send, so nothing is delivered.
    response = client.post(f"/segments/{without.no}/log/", {"deliver": "on"})
    assert response.status_code == 302
    assert not Job.objects.filter(kind=delivery.DELIVER).exists()


def test_logging_with_send_leads_to_the_logged_segment_showing_the_delivery(
    alice, anna, client_for, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    smtp.refuse.add("bounce@eq.no")
    client = client_for(alice)
    response = client.post(f"/segments/{segment.no}/log/", {"deliver": "on"})
    logged = LoggedSegment.objects.get(segment_no=segment.no)
    assert response.status_code == 302
    assert response["Location"] == f"/segments/logged/{logged.pk}/"
    job = Job.objects.get(kind=delivery.DELIVER, params__logged_segment=logged.pk)

    page = client.get(response["Location"]).content.decode()
    assert counts_on_page(page)["in_progress"] == 3
    assert f'href="/core/jobs/{job.pk}/"' in page
    assert 'hx-trigger="every 1s"' in page  # polls while the job runs
    assert '<meta http-equiv="refresh"' in page  # and refreshes without JavaScript

    assert execute_job(job.pk).status == JobStatus.SUCCEEDED
    assert len(smtp.messages_to("aino@kesko.fi")) == 1
    for extra in ({}, HX):
        response = client.get(f"/segments/logged/{logged.pk}/", **extra)
        assert response.status_code == 200
        page = response.content.decode()
        counts = counts_on_page(page)
        assert counts["sent"] == 2 and counts["error"] == 1 and counts["in_progress"] == 0
        assert "every 1s" not in page  # finished: no more polling
        assert "bounce@eq.no" in page  # the failed entry with the server's answer
        assert "Resend failed" in page
    partial = client.get(f"/segments/logged/{logged.pk}/", **HX).content.decode()
    assert partial.lstrip().startswith('<section id="delivery"')


def test_resend_failed_asks_first_then_sends_only_the_failed_again(
    alice, anna, client_for, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    smtp.refuse.add("bounce@eq.no")
    result = services.log_segment(actor=alice, segment=segment, deliver=True)
    execute_job(result.delivery_job.pk)
    smtp.refuse.clear()
    client = client_for(alice)
    url = f"/segments/logged/{result.logged_segment.pk}/resend-failed/"

    asked = client.post(url)
    assert asked.status_code == 200
    assert "Send the 1 failed document of logged segment" in asked.content.decode()
    assert Job.objects.filter(kind=delivery.DELIVER).count() == 1

    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 302
    again = Job.objects.filter(kind=delivery.DELIVER).exclude(pk=result.delivery_job.pk).get()
    assert again.params == {"logged_segment": result.logged_segment.pk}
    execute_job(again.pk)
    assert len(smtp.messages_to("bounce@eq.no")) == 1
    assert len(smtp.messages_to("aino@kesko.fi")) == 1  # sent ones are not sent twice
    page = client.get(response["Location"]).content.decode()
    assert counts_on_page(page)["sent"] == 3
    assert "Resend failed" not in page
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    assert entries.count() == 3  # nothing logged twice

    # Nothing left to resend: a message, not an error page.
    response = client.post(url, {"confirmed": "1"}, follow=True)
    assert "There is nothing to send." in response.content.decode()


def test_a_viewer_sees_the_delivery_and_previews_but_cannot_resend(
    alice, carol, anna, client_for, mailing, readers, smtp
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    line = line_of(segment, readers[0])
    viewer = client_for(carol)
    preview = viewer.get(f"/segments/{segment.no}/lines/{line.line_no}/preview/")
    assert preview.status_code == 200 and "<iframe" in preview.content.decode()
    smtp.refuse.add("bounce@eq.no")
    result = services.log_segment(actor=alice, segment=segment, deliver=True)
    execute_job(result.delivery_job.pk)
    page = viewer.get(f"/segments/logged/{result.logged_segment.pk}/").content.decode()
    assert counts_on_page(page)["error"] == 1
    assert "Resend failed" not in page
    for data in ({}, {"confirmed": "1"}):  # not even asked
        response = viewer.post(f"/segments/logged/{result.logged_segment.pk}/resend-failed/", data)
        assert response.status_code == 403
    assert Job.objects.filter(kind=delivery.DELIVER).count() == 1


def test_unknown_entries_are_explained(
    alice, anna, client_for, mailing, readers, smtp, monkeypatch
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    result = services.log_segment(actor=alice, segment=segment, deliver=True)

    class Killed(BaseException):
        pass

    def dying_record(outcomes):
        raise Killed  # the process dies after sending, before recording

    monkeypatch.setattr(delivery, "_record", dying_record)
    with pytest.raises(Killed):
        execute_job(result.delivery_job.pk)
    assert end_job(Job.objects.get(pk=result.delivery_job.pk), JobStatus.FAILED, "gone")
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    assert set(entries.values_list("delivery_status", flat=True)) == {DeliveryStatus.UNKNOWN}

    page = client_for(alice).get(f"/segments/logged/{result.logged_segment.pk}/").content.decode()
    assert counts_on_page(page)["unknown"] == 3
    assert "stopped before it recorded the outcome" in page
    assert "Resend failed" in page


def test_a_hard_copy_delivery_offers_its_print_bundle(
    alice, anna, client_for, offer, readers
) -> None:
    segment = segment_of(alice, anna, offer, readers)
    client = client_for(alice)
    client.post(f"/segments/{segment.no}/log/", {"deliver": "on"})
    logged = LoggedSegment.objects.get(segment_no=segment.no)
    job = Job.objects.get(kind=delivery.DELIVER, params__logged_segment=logged.pk)
    execute_job(job.pk)
    page = client.get(f"/segments/logged/{logged.pk}/").content.decode()
    url = f"/segments/logged/{logged.pk}/bundles/{job.pk}/"
    assert f'href="{url}"' in page
    assert counts_on_page(page)["sent"] == 3
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
    assert len([n for n in names if n.endswith(".docx")]) == 4  # three contacts + combined
    # Another logged segment's URL does not reach this bundle.
    assert client.get(f"/segments/logged/{logged.pk + 1}/bundles/{job.pk}/").status_code == 404


def test_a_logged_segment_without_delivery_says_so(
    alice, anna, client_for, mailing, readers
) -> None:
    segment = segment_of(alice, anna, mailing, readers)
    result = services.log_segment(actor=alice, segment=segment, deliver=False)
    page = client_for(alice).get(f"/segments/logged/{result.logged_segment.pk}/").content.decode()
    assert "were not sent" in page
    assert "every 1s" not in page
