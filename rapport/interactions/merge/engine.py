"""The merge engine's entry points: classify, check and render a template against a snapshot."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.translation import gettext

from .docx import (
    DOCX_CONTENT_TYPE,
    MAIN_PART,
    PreparedDocx,
    prepare_docx,
    render_docx,
    render_stream,
)
from .errors import MergeTemplateError
from .fields import build_context, merge_language
from .html import HTML_CONTENT_TYPE, PreparedHtml, html_title, html_to_text, prepare_html

DOCX = "docx"
HTML = "html"
CACHE_SIZE = 64


def classify(file_name: str, content: bytes) -> str:
    """ "docx" for a valid .docx (a zip holding word/document.xml), "html" for .html/.htm, else ""."""
    name = (file_name or "").lower()
    if name.endswith((".html", ".htm")):
        return HTML
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if MAIN_PART in archive.namelist():
                    return DOCX
        except (zipfile.BadZipFile, ValueError, OSError):
            return ""
    return ""


class _LruCache:
    """Compiled templates by (kind, sha256 of content); bounded, thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, kind: str, content: bytes) -> Any:
        key = (kind, hashlib.sha256(content).hexdigest())
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        prepared = _prepare(kind, content)  # raises MergeTemplateError: refusals are not cached
        with self.lock:
            self.items[key] = prepared
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return prepared

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


def _prepare(kind: str, content: bytes) -> Any:
    try:
        if kind == DOCX:
            return prepare_docx(content)
        if kind == HTML:
            return prepare_html(content)
    except RecursionError:  # compiling a deeply nested (but allowed) expression
        raise MergeTemplateError(gettext("The template is nested too deeply.")) from None
    raise MergeTemplateError(
        gettext("Only Word documents (.docx) and HTML e-mail layouts can be merge templates.")
    )


_cache = _LruCache(CACHE_SIZE)


def check_template(kind: str, content: bytes) -> None:
    """Validate a merge template at upload; raises MergeTemplateError naming the field or line."""
    _cache.get(kind, content)


@dataclass(frozen=True)
class RenderedDocument:
    kind: str
    content: bytes
    content_type: str
    extension: str
    subject: str
    plain: str | None = None  # the text part when the layout rendered it directly

    @cached_property
    def html(self) -> str:
        """The HTML body: the rendered layout, or mammoth's conversion of the merged .docx."""
        if self.kind == HTML:
            return self.content.decode("utf-8")
        import mammoth

        return str(mammoth.convert_to_html(io.BytesIO(self.content)).value)

    @cached_property
    def text(self) -> str:
        """A plain-text part generated from the HTML."""
        return self.plain if self.plain is not None else html_to_text(self.html)

    def as_html(self) -> str:
        return self.html

    def as_text(self) -> str:
        return self.text


def render_document(
    kind: str, content: bytes, snapshot: dict[str, Any], language: str
) -> RenderedDocument:
    """Merge ``snapshot`` into the template; byte-identical for the same inputs."""
    prepared = _cache.get(kind, content)  # checks the template again (cached per content)
    context = build_context(snapshot, merge_language(language))
    interaction = context["interaction"]
    fallback_subject = interaction["subject"] or interaction["description"]
    if kind == DOCX:
        assert isinstance(prepared, PreparedDocx)
        return RenderedDocument(
            DOCX, render_docx(prepared, context), DOCX_CONTENT_TYPE, "docx", fallback_subject
        )
    assert isinstance(prepared, PreparedHtml)
    html = render_stream(prepared.html, context)
    text = re.sub(r"\n{3,}", "\n\n", render_stream(prepared.text, context)).strip("\n")
    return RenderedDocument(
        HTML,
        html.encode("utf-8"),
        HTML_CONTENT_TYPE,
        "html",
        html_title(html) or fallback_subject,
        plain=text + "\n" if text.strip() else "",
    )
