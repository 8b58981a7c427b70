"""Word merge: safety checks, one-time preparation of a .docx template, fast per-contact rendering.

Preparation uses docxtpl's own preprocessing (``patch_xml``: tags split over Word runs, ``{%p %}``,
``{{r }}`` ...) on the document, its headers, footers and footnotes, then checks and compiles each
part once. Rendering is only the Jinja render of those parts plus a deterministic zip write in
which every other part is copied as prepared.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from docxtpl import DocxTemplate
from jinja2 import Template

from .errors import MergeTemplateError
from .sandbox import DOCX_ENV, MAX_OUTPUT_BYTES, parse_and_check
from .ziputil import ZipEntry, make_entry, write_zip

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAIN_PART = "word/document.xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_JINJA_MARK = re.compile(r"\{[\{%#]")
# docxtpl's {{r x}} / {{p x}} forms expect RichText objects; a plain string there breaks the XML.
_RICH_OUTPUT = re.compile(r"\{\{(r|p|tr|tc)\s")
_LISTING_CHARS = ("\n", "\t", "\a", "\f")
_PATCHER = DocxTemplate(io.BytesIO())  # patch_xml and resolve_listing use no instance state


def _unsafe_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


def _not_docx() -> MergeTemplateError:
    return MergeTemplateError(gettext("The file is not a Word document (.docx)."))


def _too_big() -> MergeTemplateError:
    return MergeTemplateError(
        gettext("The Word document is too large when unpacked (more than %(max)s MB).")
        % {"max": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
    )


def open_checked(content: bytes) -> zipfile.ZipFile:
    """The zip, after checking its directory: entry count, declared sizes, names, main part."""
    if not content.startswith(b"PK"):
        raise _not_docx()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_docx() from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise MergeTemplateError(
            gettext("The Word document has too many parts (more than %(max)s).")
            % {"max": MAX_ENTRIES}
        )
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
        raise _too_big()
    names = set()
    for info in infos:
        if _unsafe_name(info.filename):
            raise MergeTemplateError(
                gettext("The Word document contains an unsafe file name: %(name)s")
                % {"name": info.filename}
            )
        if info.filename in names:
            raise _not_docx()
        names.add(info.filename)
    if MAIN_PART not in names:
        raise _not_docx()
    return archive


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """An entry's bytes, reading no more than declared (+1 to notice a lying header) or ``budget``."""
    try:
        with archive.open(info) as stream:
            data = stream.read(min(info.file_size, budget) + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        raise _not_docx() from None
    if len(data) > info.file_size or len(data) > budget:
        raise _too_big()
    return data


def docx_safety(content: bytes) -> dict[str, bytes]:
    """Refuse zip bombs and junk before any XML parsing; returns the entries' bytes in zip order.

    Refused: not a zip or no word/document.xml, more than MAX_ENTRIES entries, more than
    MAX_UNCOMPRESSED_BYTES unpacked (declared or actual), names with ``..`` or absolute paths.
    """
    with open_checked(content) as archive:
        entries: dict[str, bytes] = {}
        budget = MAX_UNCOMPRESSED_BYTES
        for info in archive.infolist():
            if info.is_dir():
                continue
            data = read_entry(archive, info, budget)
            budget -= len(data)
            entries[info.filename] = data
    return entries


def _paragraph_lines(source: str) -> Callable[[int], int]:
    """Map Jinja line numbers (one line per ``<w:p``) to 1-based paragraph numbers."""
    cache: list[int] = []

    def line_of(lineno: int) -> int:
        if not cache:
            count = 0
            for text in source.split("\n"):
                if text.startswith("<w:p>") or text.startswith("<w:p "):
                    count += 1
                cache.append(count)
        return max(1, cache[min(lineno, len(cache)) - 1]) if cache else 1

    return line_of


@dataclass(frozen=True)
class PreparedDocx:
    # In zip order: a ready entry, or the name of a part rendered per document.
    layout: tuple[ZipEntry | str, ...]
    templates: dict[str, Template]


def _template_parts(content: bytes) -> Iterable[tuple[str, str]]:
    """(zip entry name, XML text) of the document, headers, footers and footnotes."""
    tpl = DocxTemplate(io.BytesIO(content))
    try:
        tpl.init_docx()
    except Exception:  # python-docx raises many kinds on malformed packages
        raise MergeTemplateError(gettext("The file is not a Word document (.docx).")) from None
    document = tpl.docx
    yield document.part.partname.lstrip("/"), tpl.xml_to_string(document.element)
    seen = set()
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _rel, part in tpl.get_headers_footers(uri):
            name = part.partname.lstrip("/")
            if name not in seen:
                seen.add(name)
                yield name, tpl.get_part_xml(part)
    for part in document.part.package.parts:
        if part.content_type == FOOTNOTES_TYPE:
            yield part.partname.lstrip("/"), tpl.get_part_xml(part)


def prepare_docx(content: bytes) -> PreparedDocx:
    """Check and compile a .docx merge template (raises MergeTemplateError)."""
    entries = docx_safety(content)
    templates: dict[str, Template] = {}
    for name, xml in _template_parts(content):
        if name not in entries:
            raise MergeTemplateError(gettext("The file is not a Word document (.docx)."))
        rich = _RICH_OUTPUT.search(re.sub(r"<[^>]*>", "", xml))
        if rich:
            raise MergeTemplateError(
                gettext("This template uses %(tag)s, which is not allowed.")
                % {"tag": "{{" + rich.group(1) + " }}"}
            )
        patched = _PATCHER.patch_xml(xml)
        if not _JINJA_MARK.search(patched):
            continue
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
        tree = parse_and_check(DOCX_ENV, source, line_of=_paragraph_lines(source))
        templates[name] = DOCX_ENV.from_string(tree)
    layout = tuple(
        name if name in templates else make_entry(name, data) for name, data in entries.items()
    )
    return PreparedDocx(layout, templates)


def render_stream(template: Template, context: dict[str, Any]) -> str:
    """Render with an output budget, so a template cannot produce gigabytes."""
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > MAX_OUTPUT_BYTES:
            raise MergeTemplateError(
                gettext("The merged document is larger than %(max)s MB.")
                % {"max": MAX_OUTPUT_BYTES // (1024 * 1024)}
            )
        chunks.append(chunk)
    return "".join(chunks)


def _needs_listing(context: dict[str, Any]) -> bool:
    for value in context.values():
        values = value.values() if isinstance(value, dict) else (value,)
        for text in values:
            if any(char in text for char in _LISTING_CHARS):
                return True
    return False


def render_docx(prepared: PreparedDocx, context: dict[str, Any]) -> bytes:
    listing = _needs_listing(context)
    entries: list[ZipEntry] = []
    for item in prepared.layout:
        if isinstance(item, ZipEntry):
            entries.append(item)
            continue
        xml = render_stream(prepared.templates[item], context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        if listing:
            xml = _PATCHER.resolve_listing(xml)
        entries.append(make_entry(item, (XML_DECLARATION + xml).encode("utf-8")))
    return write_zip(entries)
