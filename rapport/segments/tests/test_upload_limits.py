"""A segment language's file over the upload limit is an error next to the file and nothing
is stored (issue 14.3)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.interactions.models import Attachment
from rapport.segments import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(alice, segment, world):
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    return segment


def test_an_oversize_segment_language_file_is_refused_naming_the_file(
    alice, client_for, filled, settings
) -> None:
    from rapport.segments.models import SegmentInteractionLanguage

    attachments = Attachment.objects.count()
    settings.RAPPORT_MAX_UPLOAD_BYTES = 100
    response = client_for(alice).post(
        f"/segments/{filled.no}/languages/",
        {"language": "FI", "subject": "S", "file": SimpleUploadedFile("k.txt", b"x" * 101)},
    )
    assert response.status_code == 422
    assert "The limit is 100 bytes" in response.content.decode()
    assert response.context["form"].errors.get("file")
    assert not SegmentInteractionLanguage.objects.exists()
    assert Attachment.objects.count() == attachments
