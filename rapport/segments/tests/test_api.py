"""The segments API: every workflow over HTTP, through the same services as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rapport.accounts.services import create_api_token
from rapport.interactions.models import InteractionLogEntry
from rapport.segments import services
from rapport.segments.models import LoggedSegment, Segment

JSON = "application/json"


def bearer(user: Any) -> dict[str, str]:
    _token, raw = create_api_token(actor=user, user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(alice) -> Client:
    return Client(headers=bearer(alice))


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data if data is not None else {}, content_type=JSON)


def test_build_log_and_cancel_a_segment_over_the_api(api, letter, anna, world, campaign) -> None:
    made = post(
        api,
        "/api/v1/segments",
        {
            "description": "Autumn",
            "template_code": "newsl",
            "salesperson_code": "ANNA",
            "campaign_no": campaign.no,
        },
    )
    assert made.status_code == 201, made.content
    no = made.json()["no"]
    assert made.json()["template_code"] == "NEWSL"

    preview = post(
        api,
        f"/api/v1/segments/{no}/criteria/preview",
        {"action": "add", "filters": {"contact": {"city": "Helsinki"}}},
    )
    assert preview.json()["added"] == 4 and preview.json()["privacy_blocked"] == 1
    run = post(
        api,
        f"/api/v1/segments/{no}/criteria",
        {"action": "add", "filters": {"contact": {"city": "Helsinki"}}},
    )
    assert run.status_code == 201 and run.json()["lines"] == 4
    reduce = post(
        api,
        f"/api/v1/segments/{no}/criteria",
        {"action": "reduce", "filters": {"contact": {"type": "company"}}},
    )
    assert reduce.json()["removed"] == 1
    assert post(api, f"/api/v1/segments/{no}/go-back", {}).json() == {"changed": 1}
    steps = api.get(f"/api/v1/segments/{no}/criteria").json()
    assert [s["action"] for s in steps] == ["add"]
    assert steps[0]["filter_text"] == ["Contact City: Helsinki"]

    lines = api.get(f"/api/v1/segments/{no}/lines").json()
    assert lines["count"] == 4
    first = lines["items"][0]["line_no"]
    changed = api.patch(
        f"/api/v1/segments/{no}/lines/{first}", {"description": "Hi"}, content_type=JSON
    )
    assert changed.status_code == 200 and changed.json()["description"] == "Hi"

    logged = post(api, f"/api/v1/segments/{no}/log", {"follow_up": True})
    assert logged.status_code == 201, logged.content
    body = logged.json()
    assert body["interactions"] == 4 and body["campaign_entries"] == 1
    assert body["follow_up_segment_no"]
    assert not Segment.objects.filter(no=no).exists()
    entry_no = body["logged_segment"]["entry_no"]

    canceled = post(api, "/api/v1/logged-segments/cancel", {"entry_nos": [entry_no]})
    assert canceled.status_code == 200, canceled.content[:2000]
    assert canceled.json() == {"changed": 1}
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 4
    listed = api.get("/api/v1/logged-segments?canceled=true")
    assert listed.status_code == 200, listed.content[:3000]
    listed = listed.json()
    assert listed["items"][0]["no_of_interactions"] == 4


def test_errors_name_the_field(api, letter, anna, world) -> None:
    made = post(api, "/api/v1/segments", {"description": "X", "template_code": "NOPE"})
    assert made.status_code == 422 and made.json()["field"] == "template_code"
    made = post(api, "/api/v1/segments", {"description": "X", "template_code": "NEWSL"})
    no = made.json()["no"]
    bad = post(
        api,
        f"/api/v1/segments/{no}/criteria",
        {"action": "add", "filters": {"interaction": {"evaluation": "great"}}},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "interaction.evaluation"
    empty = post(api, f"/api/v1/segments/{no}/log", {})
    assert empty.status_code == 422
    assert empty.json()["message"] == f"Segment {no} is empty."


def test_a_viewer_reads_but_cannot_change_segments(alice, carol, letter, world) -> None:
    segment = services.create_segment(actor=alice, description="X", template=letter)
    viewer = Client(headers=bearer(carol))
    assert viewer.get(f"/api/v1/segments/{segment.no}").status_code == 200
    assert post(viewer, f"/api/v1/segments/{segment.no}/log", {}).status_code == 403
    assert (
        post(viewer, f"/api/v1/segments/{segment.no}/criteria", {"action": "add"}).status_code
        == 403
    )
    assert not LoggedSegment.objects.exists()


def test_segment_languages_over_the_api(api, alice, segment, world) -> None:
    import base64

    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kesko"].no}}
    )
    url = f"/api/v1/segments/{segment.no}/languages/fi"
    bad = api.put(url, {"file_base64": "not base64!", "file_name": "x.txt"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "file_base64"
    saved = api.put(
        url,
        {
            "subject": "Hei",
            "file_base64": base64.b64encode(b"Hello").decode(),
            "file_name": "a.txt",
        },
        content_type=JSON,
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["file_name"] == "a.txt" and saved.json()["line_no"] is None
    line = api.get(f"/api/v1/segments/{segment.no}/lines").json()["items"][0]
    assert line["subject"] == "Hei" and line["attachment"] == "inherited"
    assert api.delete(url).status_code == 204
    assert api.get(f"/api/v1/segments/{segment.no}/languages").json() == []
