"""E-mail merge: HTML layouts, their subject (the <title>) and the generated plain-text part."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

from django.utils.translation import gettext
from jinja2 import Template

from .errors import MergeTemplateError
from .sandbox import HTML_ENV, TEXT_DELIMITERS, TEXT_ENV, parse_and_check

_TAGS = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)
HTML_CONTENT_TYPE = "text/html; charset=utf-8"

# Blocks separated by a blank line, and blocks that only start a new line.
PARAGRAPH_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "blockquote",
        "pre",
        "hr",
        "figure",
    }
)
LINE_TAGS = frozenset(
    {
        "div", "li", "tr", "dt", "dd", "address", "article", "aside", "section", "header", "footer",
        "main", "nav", "form", "fieldset", "figcaption", "title", "caption",
    }
)  # fmt: skip
SKIPPED_TAGS = frozenset({"script", "style", "head", "template", "noscript"})


def make_email_layout(subject: str, body_html: str) -> bytes:
    """A UTF-8 HTML layout from a subject and a body written in a form (both may hold merge fields)."""
    # The subject is text: escape it, but leave its merge tags as written.
    title = "".join(
        part if index % 2 else escape(part, quote=False)
        for index, part in enumerate(_TAGS.split(subject))
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        f"{title}</title></head><body>{body_html}</body></html>"
    ).encode()


def decode_layout(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MergeTemplateError(gettext("The e-mail layout is not valid UTF-8 text.")) from None


@dataclass(frozen=True)
class PreparedHtml:
    """A layout compiled twice: the HTML, and its plain-text part (so the text part of each
    message costs a render, not an HTML parse)."""

    html: Template
    text: Template


def prepare_html(content: bytes) -> PreparedHtml:
    source = decode_layout(content)
    html = HTML_ENV.from_string(parse_and_check(HTML_ENV, source))
    text = text_source(source)
    return PreparedHtml(html, TEXT_ENV.from_string(parse_and_check(TEXT_ENV, text)))


_PLACEHOLDER = re.compile("\x1a(\\d+)\x1a")


def text_source(source: str) -> str:
    """The layout as a plain-text template: html_to_text of the layout with its merge tags
    kept (written with TEXT_ENV's delimiters, so literal braces in the text stay text).
    Values are escaped in the HTML, so they cannot add markup: rendering this gives what
    html_to_text of the rendered HTML gives, up to whitespace inside values."""
    tags: list[str] = []

    def protect(match: re.Match[str]) -> str:
        tags.append(match.group(0))
        return f"\x1a{len(tags) - 1}\x1a"

    text = html_to_text(_TAGS.sub(protect, source.replace("\x1a", "").replace("\x1b", "")))
    text = text.replace("\x1b", "")

    def restore(match: re.Match[str]) -> str:
        tag = tags[int(match.group(1))]
        kind, inner = tag[1], tag[2:-2]
        start, end = {
            "{": ("variable_start_string", "variable_end_string"),
            "%": ("block_start_string", "block_end_string"),
            "#": ("comment_start_string", "comment_end_string"),
        }[kind]
        return TEXT_DELIMITERS[start] + inner + TEXT_DELIMITERS[end]

    return _PLACEHOLDER.sub(restore, text)


_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def html_title(html: str) -> str:
    """The text of the first <title>, entities decoded, whitespace collapsed ("" when there is none)."""
    match = _TITLE.search(html)
    if match is None:
        return ""
    return " ".join(unescape(re.sub(r"<[^>]*>", "", match.group(1))).split())


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.pending = 0  # line breaks owed before the next text
        self.links: list[tuple[str | None, int]] = []

    def block(self, tag: str) -> None:
        if tag in PARAGRAPH_TAGS:
            self.pending = max(self.pending, 2)
        elif tag in LINE_TAGS:
            self.pending = max(self.pending, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))
        elif tag in ("td", "th"):
            self.out.append("\t")
        else:
            self.pre += tag == "pre"
            self.block(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        else:
            self.block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "a":
            href, start = self.links.pop() if self.links else (None, 0)
            if href and not href.startswith(("#", "javascript:")) and not self.skip:
                text = "".join(self.out[start:]).strip()
                if text != href and text != href.removeprefix("mailto:"):
                    self.out.append(f" ({href})")
        else:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.block(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = data if self.pre else re.sub(r"\s+", " ", data)
        if not text.strip() and not self.pre:
            if not self.pending and self.out:
                self.out.append(" ")
            return
        if self.pending:
            if self.out:
                self.out.append("\n" * self.pending)
            text = text if self.pre else text.lstrip()
            self.pending = 0
        self.out.append(text)


def html_to_text(html: str) -> str:
    """A plain-text part: blocks become line breaks, links "text (href)", no scripts or styles."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "\n".join(line.rstrip(" \t").lstrip(" ") for line in "".join(parser.out).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n" if text.strip() else ""


__all__ = [
    "HTML_CONTENT_TYPE",
    "PreparedHtml",
    "html_title",
    "html_to_text",
    "make_email_layout",
    "prepare_html",
    "text_source",
]
