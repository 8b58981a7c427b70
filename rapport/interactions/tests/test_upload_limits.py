"""An attachment over the upload limit on the Create Interaction page is an error next to the
file and nothing is logged (issue 14.3)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.interactions.models import Attachment, InteractionLogEntry
from rapport.interactions.tests.test_log_views import CREATE, drawn_form, field_block

pytestmark = pytest.mark.django_db


def test_an_oversize_attachment_on_the_create_page_is_an_error_next_to_it(
    bob, client_for, company, call_template, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 100
    client = client_for(bob)
    data = drawn_form(client, f"{CREATE}?contact={company.no}&template=CALL")
    big = SimpleUploadedFile("offer.txt", b"x" * 101, "text/plain")
    response = client.post(data.url, {**data, "attachment": big, "finish": "1"})
    assert response.status_code == 422
    assert "The file is too large (101 bytes). The limit is 100 bytes." in field_block(
        response.content.decode(), "attachment"
    )
    assert not InteractionLogEntry.objects.exists()
    assert not Attachment.objects.exists()
