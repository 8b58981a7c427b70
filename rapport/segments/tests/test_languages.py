"""Segment interaction languages (BC 3.3): per-language attachment and subject, inherited by
lines, overridden per line; attachments shared and deleted with their last reference."""

from __future__ import annotations

from rapport.core.models import Language
from rapport.interactions.attachments import Upload
from rapport.interactions.models import Attachment
from rapport.segments import services
from rapport.segments.models import SegmentInteractionLanguage, SegmentLine


def upload(name: str = "letter.txt", content: bytes = b"Dear customer") -> Upload:
    return Upload(content=content, name=name, content_type="text/plain")


def test_a_header_language_reaches_the_lines_that_inherit(alice, segment, world) -> None:
    from rapport.contacts.services import update_contact

    fi = Language.objects.get(code="FI")
    update_contact(actor=alice, contact=world["equinor"], language=Language.objects.get(code="NB"))
    services.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    record = services.save_segment_language(
        actor=alice, segment=segment, language=fi, subject="Syksyn uutiskirje", upload=upload()
    )
    kesko = SegmentLine.objects.get(segment=segment, contact=world["kesko"])
    equinor = SegmentLine.objects.get(segment=segment, contact=world["equinor"])
    # Kesko speaks Finnish: it gets the Finnish record; Equinor keeps the default language's.
    assert (kesko.language, kesko.subject, kesko.attachment_id) == (
        fi,
        "Syksyn uutiskirje",
        record.attachment_id,
    )
    assert equinor.attachment_id is None
    services.save_segment_language(
        actor=alice, segment=segment, language=fi, subject="Talven uutiskirje"
    )
    kesko.refresh_from_db()
    assert kesko.subject == "Talven uutiskirje", "an unchanged subject follows the header"


def test_a_line_language_overrides_the_header_and_files_go_with_the_last_reference(
    alice, segment, world
) -> None:
    fi = Language.objects.get(code="FI")
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kesko"].no}}
    )
    header = services.save_segment_language(
        actor=alice, segment=segment, language=fi, upload=upload()
    )
    line = SegmentLine.objects.get(segment=segment)
    own = services.save_segment_language(
        actor=alice, segment=segment, line=line, language=fi, upload=upload(content=b"Hei")
    )
    line.refresh_from_db()
    assert line.attachment_id == own.attachment_id != header.attachment_id
    services.delete_segment_language(actor=alice, record=own)
    line.refresh_from_db()
    assert line.attachment_id == header.attachment_id, "the line falls back to the header"
    assert not Attachment.objects.filter(pk=own.attachment_id or 0).exists()
    services.delete_segment_language(actor=alice, record=header)
    assert not Attachment.objects.exists()
    assert not SegmentInteractionLanguage.objects.exists()
    line.refresh_from_db()
    assert line.attachment_id is None


def test_a_removed_line_kept_in_the_history_keeps_its_file_for_go_back(
    alice, segment, world
) -> None:
    from rapport.interactions.models import StoredFile

    fi = Language.objects.get(code="FI")
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kesko"].no}}
    )
    record = services.save_segment_language(
        actor=alice, segment=segment, language=fi, upload=upload(content=b"Hei")
    )
    services.remove_segment_lines(actor=alice, segment=segment, lines=segment.lines.all())
    services.delete_segment_language(actor=alice, record=record)
    assert Attachment.objects.filter(pk=record.attachment_id or 0).exists(), "history uses it"
    services.go_back(actor=alice, segment=segment)
    line = SegmentLine.objects.get(segment=segment)
    assert line.attachment_id == record.attachment_id
    services.delete_segment(actor=alice, segment=segment)
    assert not Attachment.objects.exists() and not StoredFile.objects.exists()


def test_files_only_a_segment_used_go_with_the_segment(alice, segment, world) -> None:
    from rapport.interactions.models import StoredFile

    fi = Language.objects.get(code="FI")
    services.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": world["kesko"].no}}
    )
    services.save_segment_language(
        actor=alice, segment=segment, language=fi, upload=upload(content=b"Header")
    )
    line = SegmentLine.objects.get(segment=segment)
    services.save_segment_language(
        actor=alice, segment=segment, line=line, language=fi, upload=upload(content=b"Own")
    )
    assert Attachment.objects.count() == 2 and StoredFile.objects.count() == 2
    services.delete_segment(actor=alice, segment=segment)
    assert not Attachment.objects.exists() and not StoredFile.objects.exists()
