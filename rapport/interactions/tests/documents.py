"""Merge templates for tests, built in code (no binary fixtures checked in)."""

from __future__ import annotations

import io
import zipfile

from rapport.interactions.attachments import Upload


def docx_bytes(*paragraphs: str) -> bytes:
    """A .docx whose paragraphs are the given texts (merge fields included as typed)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_text(content: bytes) -> str:
    """All paragraph texts of a .docx, one per line."""
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


def letter_upload(*paragraphs: str, name: str = "letter.docx") -> Upload:
    return Upload(
        docx_bytes(*paragraphs),
        name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def layout_upload(subject: str, body: str, name: str = "mail.html") -> Upload:
    from rapport.interactions import merge

    return Upload(merge.make_email_layout(subject, body), name, "text/html")


def zip_names(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.namelist()
