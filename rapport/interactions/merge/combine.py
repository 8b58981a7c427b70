"""One .docx holding many merged documents, each starting on a new page (the print bundle).

Documents merged from the same template differ only in their rendered parts, so when all their
other parts are identical (headers and footers included) their bodies are concatenated directly,
each ending in a section break that repeats the template's page setup. Documents from different
templates are joined with docxcompose.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import threading
import zipfile

from .docx import (
    MAIN_PART,
    MAX_UNCOMPRESSED_BYTES,
    XML_DECLARATION,
    docx_safety,
    open_checked,
    read_entry,
)
from .ziputil import make_entry, write_zip

_BODY = re.compile(r"<w:body>(.*)</w:body>", re.DOTALL)
_FINAL_SECT = re.compile(r"(<w:sectPr(?:\s[^>]*)?(?:/>|>.*?</w:sectPr>))\s*$", re.DOTALL)
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")(\d+)(")')


def _normalize(content: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and compression, keeping its entry order."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return write_zip(
            [make_entry(info.filename, archive.read(info)) for info in archive.infolist()]
        )


def _split_body(xml: str) -> tuple[str, str, str, str]:
    """(before body content, body content without final sectPr, final sectPr, after body)."""
    match = _BODY.search(xml)
    if match is None:
        raise ValueError("no body")
    inner = match.group(1)
    sect = _FINAL_SECT.search(inner)
    sect_xml = sect.group(1) if sect else ""
    content = inner[: sect.start()] if sect else inner
    return xml[: match.start(1)], content, sect_xml, xml[match.end(1) :]


def _concatenate(documents: list[dict[str, bytes]]) -> bytes:
    first = documents[0]
    head, _content, sect_xml, tail = _split_body(first[MAIN_PART].decode("utf-8"))
    pieces: list[str] = []
    for index, parts in enumerate(documents):
        _h, content, doc_sect, _t = _split_body(parts[MAIN_PART].decode("utf-8"))
        pieces.append(content)
        if index < len(documents) - 1:
            pieces.append(f"<w:p><w:pPr>{doc_sect or sect_xml}</w:pPr></w:p>")
    pieces.append(sect_xml)
    body = "".join(pieces)
    counter = iter(range(1, 10**9))
    body = _DOCPR_ID.sub(lambda m: f"{m.group(1)}{next(counter)}{m.group(3)}", body)
    xml = head + body + tail
    if not xml.startswith("<?xml"):
        xml = XML_DECLARATION + xml
    entries = []
    for name, data in first.items():
        entries.append(make_entry(name, xml.encode("utf-8") if name == MAIN_PART else data))
    return write_zip(entries)


def _signature(archive: zipfile.ZipFile) -> tuple[tuple[str, int, int], ...]:
    """What identifies the template a merged document came from: every part but the body."""
    return tuple(
        (i.filename, i.CRC, i.file_size) for i in archive.infolist() if i.filename != MAIN_PART
    )


def combine_docx(documents: list[bytes]) -> bytes:
    """All documents one after another, each starting on a new page; deterministic."""
    if not documents:
        raise ValueError("combine_docx needs at least one document")
    groups: list[list[dict[str, bytes]]] = []
    last_signature = None
    for document in documents:
        with open_checked(document) as archive:
            signature = _signature(archive)
            if groups and signature == last_signature:
                # Same template parts: only the body is needed (the first of the group has the rest).
                info = archive.getinfo(MAIN_PART)
                groups[-1].append({MAIN_PART: read_entry(archive, info, MAX_UNCOMPRESSED_BYTES)})
                continue
        groups.append([docx_safety(document)])
        last_signature = signature
    combined = [_concatenate(group) for group in groups]
    if len(combined) == 1:
        return combined[0]
    return _compose(combined)


_compose_lock = threading.Lock()


def _compose(documents: list[bytes]) -> bytes:
    """docxcompose across different templates, with its random numbering ids made repeatable."""
    from docx import Document
    from docxcompose import composer as composer_module

    seed = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for d in documents)).digest()
    with _compose_lock:
        saved_random = composer_module.random
        composer_module.random = random.Random(seed)  # type: ignore[assignment]
        try:
            composer = composer_module.Composer(Document(io.BytesIO(documents[0])))
            for content in documents[1:]:
                composer.doc.add_page_break()
                composer.append(Document(io.BytesIO(content)))
            out = io.BytesIO()
            composer.save(out)
        finally:
            composer_module.random = saved_random
    return _normalize(out.getvalue())
