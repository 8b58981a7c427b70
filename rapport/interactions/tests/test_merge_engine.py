"""The merge engine: Word and HTML templates rendered in a sandbox (issue 12, points 1, 2, 4, 7)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from docx import Document

from rapport.interactions.merge import (
    MERGE_FIELDS,
    MergeTemplateError,
    check_template,
    classify,
    combine_docx,
    docx_safety,
    engine,
    make_email_layout,
    render_document,
    sample_snapshot,
)
from rapport.interactions.merge.html import html_to_text

FIELD_PATHS = [path for path, _label in MERGE_FIELDS]


def docx_bytes(*paragraphs: str | tuple[str, ...], header: str = "", footer: str = "") -> bytes:
    """A .docx made by python-docx; a tuple is one paragraph written as several runs."""
    document = Document()
    for paragraph in paragraphs:
        runs = paragraph if isinstance(paragraph, tuple) else (paragraph,)
        p = document.add_paragraph()
        for run in runs:
            p.add_run(run)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


def unique_snapshot() -> dict:
    """Every field a distinct value, so a test can tell which field went where."""
    snapshot: dict = {"contact": {}, "salesperson": {}, "interaction": {}}
    for path in FIELD_PATHS:
        if "." in path:
            group, attr = path.split(".")
            snapshot[group][attr] = f"<{path}>"
        else:
            snapshot[path] = f"<{path}>"
    snapshot["interaction"]["date"] = "2026-11-23"
    return snapshot


def value_for(path: str) -> str:
    return "2026-11-23" if path == "interaction.date" else f"<{path}>"


def test_every_merge_field_renders_in_a_word_document():
    template = docx_bytes(*[f"{path}={{{{ {path} }}}}" for path in FIELD_PATHS])

    rendered = render_document("docx", template, unique_snapshot(), "en")

    assert rendered.extension == "docx"
    assert rendered.content_type.endswith("wordprocessingml.document")
    assert docx_texts(rendered.content) == [f"{path}={value_for(path)}" for path in FIELD_PATHS]


def test_every_merge_field_renders_in_an_email_layout_autoescaped():
    body = "".join(f"<p>{path}={{{{ {path} }}}}</p>" for path in FIELD_PATHS)
    layout = make_email_layout("Offer for {{ contact.name }}", body)

    rendered = render_document("html", layout, unique_snapshot(), "en")

    html = rendered.content.decode("utf-8")
    for path in FIELD_PATHS:
        expected = value_for(path).replace("<", "&lt;").replace(">", "&gt;")
        assert f"<p>{path}={expected}</p>" in html
    assert rendered.subject == "Offer for <contact.name>"
    assert rendered.html == html
    assert rendered.extension == "html"


def test_a_merge_field_split_over_two_word_runs_is_merged():
    template = docx_bytes(("Dear {{ contact.", "name }}, welcome"))
    assert len(Document(io.BytesIO(template)).paragraphs[0].runs) == 2

    check_template("docx", template)
    rendered = render_document("docx", template, {"contact": {"name": "Robin"}}, "en")

    assert docx_texts(rendered.content) == ["Dear Robin, welcome"]


def test_headers_and_footers_are_merged():
    template = docx_bytes(
        "Body", header="From {{ salesperson.name }}", footer="{{ salesperson.job_title }}"
    )

    rendered = render_document(
        "docx", template, {"salesperson": {"name": "Sam", "job_title": "Account Manager"}}, "en"
    )

    section = Document(io.BytesIO(rendered.content)).sections[0]
    assert section.header.paragraphs[0].text == "From Sam"
    assert section.footer.paragraphs[0].text == "Account Manager"


def test_docxtpl_paragraph_tags_are_preprocessed_before_the_check():
    template = docx_bytes(
        "{%p if contact.company_name %}",
        "Company: {{ contact.company_name }}",
        "{%p endif %}",
        "Bye",
    )

    with_company = render_document("docx", template, {"contact": {"company_name": "Acme"}}, "en")
    without = render_document("docx", template, {}, "en")

    assert docx_texts(with_company.content) == ["Company: Acme", "Bye"]
    assert docx_texts(without.content) == ["Bye"]


def test_docxtpl_rich_text_output_forms_are_refused():
    with pytest.raises(MergeTemplateError) as caught:
        check_template("docx", docx_bytes("{{r contact.name }}"))
    assert "{{r }}" in caught.value.message


def test_missing_values_render_as_empty_text():
    layout = make_email_layout(
        "{{ interaction.subject }}", "<p>[{{ contact.name }}][{{ remarks }}]</p>"
    )
    rendered = render_document("html", layout, {"contact": {"name": None}}, "en")
    assert "<p>[][]</p>" in rendered.content.decode()


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_an_unknown_field_is_refused_naming_the_field_and_line(kind):
    lines = ["Dear {{ contact.name }}", "Hello", "{{ contact.nam }}"]
    content = docx_bytes(*lines) if kind == "docx" else "\n".join(lines).encode()

    with pytest.raises(MergeTemplateError) as caught:
        check_template(kind, content)

    assert caught.value.field == "contact.nam"
    assert caught.value.line == 3
    assert caught.value.message == "Unknown merge field contact.nam on line 3."


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_a_syntax_error_is_refused_with_its_line(kind):
    lines = ["Dear {{ contact.name }}", "{{ contact.name }"]
    content = docx_bytes(*lines) if kind == "docx" else "\n".join(lines).encode()

    with pytest.raises(MergeTemplateError) as caught:
        check_template(kind, content)

    assert caught.value.line == 2
    assert caught.value.message.startswith("Syntax error on line 2: ")


HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", "attributes starting with _"),
    ("{{ contact.__class__ }}", "attributes starting with _"),
    ("{{ contact._secret }}", "attributes starting with _"),
    ("{{ contact.name.__len__() }}", "calling functions"),
    ("{{ contact.name.upper() }}", "calling functions"),
    ("{% include 'x' %}", "{% include %}"),
    ("{% import 'x' as y %}", "{% import %}"),
    ("{% from 'x' import y %}", "{% from %}"),
    ("{% extends 'x' %}", "{% extends %}"),
    ("{% for i in range(10**9) %}x{% endfor %}", "{% for %}"),
    ("{% macro m() %}x{% endmacro %}", "{% macro %}"),
    ("{% set x = 'a' %}", "{% set %}"),
    ("{% with x = 1 %}{% endwith %}", "{% with %}"),
    ("{% filter upper %}x{% endfilter %}", "{% filter %}"),
    ("{{ 'a' * 1000000000 }}", "operator *"),
    ("{{ 9 ** 9 }}", "operator **"),
    ("{{ 'a'|center(999999999) }}", "filter center"),
    ("{{ 'a'|indent(999999999) }}", "filter indent"),
    ("{{ 'a'|wordwrap(1) }}", "filter wordwrap"),
    ("{{ '%s'|format(1) }}", "filter format"),
    (
        "{{ 'a'|replace('a', 'aaaaaaaa')|replace('a', 'aaaaaaaa')|replace('a', 'aaaaaaaa') }}",
        "filter replace",
    ),
    ("{{ contact.name|batch(2) }}", "filter batch"),
    ("{{ contact.name|attr('__class__') }}", "filter attr"),
    ("{{ lipsum(1000) }}", "calling functions"),
    ("{{ range(10) }}", "calling functions"),
    ("{{ cycler }}", "Unknown merge field cycler"),
    ("{{ namespace }}", "Unknown merge field namespace"),
    ("{{ dict }}", "Unknown merge field dict"),
    ("{{ contact['name'] }}", "not allowed"),
    ("{{ [contact.name] }}", "not allowed"),
    ("{{ contact }}", "Unknown merge field contact"),
    ("{{ self }}", "Unknown merge field self"),
    ("{{ 'x' ~ '" + "a" * 2000 + "' }}", "longer than"),
]


@pytest.mark.parametrize(("source", "reason"), HOSTILE)
@pytest.mark.parametrize("kind", ["html", "docx"])
def test_a_hostile_template_is_refused_at_upload_and_at_render(kind, source, reason):
    content = (
        docx_bytes("Dear customer", source) if kind == "docx" else f"<p>x</p>\n{source}".encode()
    )

    with pytest.raises(MergeTemplateError) as at_check:
        check_template(kind, content)
    engine._cache.clear()
    with pytest.raises(MergeTemplateError) as at_render:
        render_document(kind, content, sample_snapshot(), "en")

    assert reason in at_check.value.message
    assert at_check.value.line == 2
    assert at_render.value.message == at_check.value.message


def test_output_over_the_budget_is_refused_at_render():
    layout = make_email_layout("Hi", "{{ remarks }}{{ remarks }}")
    check_template("html", layout)

    with pytest.raises(MergeTemplateError) as caught:
        render_document("html", layout, {"remarks": "x" * (3 * 1024 * 1024)}, "en")

    assert "larger than 5 MB" in caught.value.message


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a zip", "not a Word document"),
        (_zip({"word/other.xml": b"<x/>"}), "not a Word document"),
        (_zip({"word/document.xml": b"\0" * (60 * 1024 * 1024)}), "too large when unpacked"),
        (
            _zip({"word/document.xml": b"<x/>"} | {f"junk/{i}": b"" for i in range(250)}),
            "too many parts",
        ),
        (_zip({"word/document.xml": b"<x/>", "../evil.xml": b""}), "unsafe file name: ../evil.xml"),
        (_zip({"word/document.xml": b"<x/>", "/etc/passwd": b""}), "unsafe file name"),
    ],
    ids=["not-a-zip", "no-document", "zip-bomb", "too-many-entries", "dot-dot", "absolute"],
)
def test_zip_bombs_and_junk_are_refused_before_parsing(content, message):
    with pytest.raises(MergeTemplateError) as caught:
        docx_safety(content)
    assert message in caught.value.message
    with pytest.raises(MergeTemplateError):
        check_template("docx", content)


def test_a_zip_lying_about_its_sizes_is_refused():
    content = bytearray(_zip({"word/document.xml": b"<x>" + b"a" * 5000 + b"</x>"}))
    # Patch the declared uncompressed size (central directory) down to 10 bytes.
    central = content.rfind(b"PK\x01\x02")
    content[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(MergeTemplateError):
        docx_safety(bytes(content))


def test_a_script_in_a_value_comes_out_escaped_in_html():
    layout = make_email_layout("Hi {{ contact.name }}", "<p>Dear {{ contact.name }}</p>")

    rendered = render_document(
        "html", layout, {"contact": {"name": "<script>alert(1)</script>"}}, "en"
    )

    html = rendered.content.decode()
    assert "<script>" not in html
    assert "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert rendered.subject == "Hi <script>alert(1)</script>"  # the subject is plain text


def test_xml_special_characters_in_values_keep_the_word_document_valid():
    template = docx_bytes("Dear {{ contact.name }}", "{{ contact.company_name }}")
    snapshot = {"contact": {"name": 'A <b> & "C"', "company_name": "]]></w:t></w:r></w:p><w:p>"}}

    rendered = render_document("docx", template, snapshot, "en")

    assert docx_texts(rendered.content) == ['Dear A <b> & "C"', "]]></w:t></w:r></w:p><w:p>"]


def test_the_same_inputs_render_byte_identical_documents_at_different_times(monkeypatch):
    template = docx_bytes(
        "Dear {{ contact.name }}", "{{ interaction.date }}", header="{{ salesperson.name }}"
    )
    snapshot = sample_snapshot()
    first = render_document("docx", template, snapshot, "fi").content

    engine._cache.clear()  # prepare again, too
    later = time.time() + 3 * 86400 + 3671
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda *args: time.gmtime(later))
    second = render_document("docx", template, snapshot, "fi").content

    assert first == second
    infos = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [info.filename for info in infos] == zipfile.ZipFile(io.BytesIO(template)).namelist()
    layout = make_email_layout("{{ contact.name }}", "<p>{{ remarks }}</p>")
    assert render_document("html", layout, snapshot, "en") == render_document(
        "html", layout, snapshot, "en"
    )


def test_unchanged_parts_are_copied_as_they_are():
    template = docx_bytes("Dear {{ contact.name }}")
    rendered = render_document("docx", template, {"contact": {"name": "Robin"}}, "en")

    original = zipfile.ZipFile(io.BytesIO(template))
    merged = zipfile.ZipFile(io.BytesIO(rendered.content))
    for name in original.namelist():
        if name != "word/document.xml":
            assert merged.read(name) == original.read(name), name


def test_html_becomes_a_plain_text_part():
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<h1>Offer</h1><p>Dear Robin &amp; co,<br>see <a href='https://example.com/x'>our page</a>.</p>"
        "<script>alert(1)</script><ul><li>One</li><li>Two</li></ul>"
        "<p>Mail <a href='mailto:sam@example.com'>sam@example.com</a></p></body></html>"
    )

    assert html_to_text(html) == (
        "Offer\n\nDear Robin & co,\nsee our page (https://example.com/x).\n\nOne\nTwo\n\nMail sam@example.com\n"
    )


def test_the_rendered_document_offers_html_and_text_for_both_kinds():
    layout = make_email_layout("S", "<p>Hello <a href='https://x.test'>{{ contact.name }}</a></p>")
    html = render_document("html", layout, {"contact": {"name": "Robin"}}, "en")
    assert html.text == "Hello Robin (https://x.test)\n"

    word = render_document(
        "docx", docx_bytes("Hello {{ contact.name }}"), {"contact": {"name": "Robin"}}, "en"
    )
    assert word.as_html() == "<p>Hello Robin</p>"
    assert word.text == "Hello Robin\n"


def test_the_date_is_written_the_way_the_language_writes_it():
    layout = make_email_layout("x", "{{ interaction.date }}")
    snapshot = {"interaction": {"date": "2026-11-23"}}

    def body(language: str) -> str:
        html = render_document("html", layout, snapshot, language).content.decode()
        return html.split("<body>")[1].split("</body>")[0]

    assert body("en") == "2026-11-23"
    assert body("fi") == "23. marraskuuta 2026"
    assert body("xx") == "2026-11-23"  # unknown languages fall back to English
    assert render_document("html", layout, {"interaction": {"date": ""}}, "fi").content.endswith(
        b"<body></body></html>"
    )


def test_the_subject_comes_from_the_title_else_the_interaction():
    snapshot = {"interaction": {"subject": "", "description": "Product presentation"}}
    no_title = b"<html><body><p>Hi</p></body></html>"
    assert render_document("html", no_title, snapshot, "en").subject == "Product presentation"
    snapshot["interaction"]["subject"] = "New range"
    assert render_document("html", no_title, snapshot, "en").subject == "New range"
    titled = make_email_layout("  News  for\n {{ contact.name }} ", "x")
    assert (
        render_document("html", titled, {"contact": {"name": "Robin"}}, "en").subject
        == "News for Robin"
    )
    assert render_document("docx", docx_bytes("x"), snapshot, "en").subject == "New range"


def test_allowed_filters_tests_and_conditions_render():
    layout = (
        b"{% if contact.company_name %}{{ contact.company_name|upper }}{% else %}-{% endif %}|"
        b"{{ contact.name|default('Customer', true) }}|{{ remarks|truncate(8, true, '...', 0) }}|"
        b"{{ 'Mr' if contact.salutation == 'Mr' else 'Hi' }}|{{ contact.city is defined }}|"
        b"{{ contact.name ~ '!' }}|{{ '<b>'|striptags|trim }}"
    )

    rendered = render_document(
        "html", layout, {"contact": {"company_name": "acme"}, "remarks": "A long remark"}, "en"
    )

    assert rendered.content.decode() == "ACME|Customer|A lon...|Hi|True|!|"


def test_classify_tells_word_documents_and_html_layouts_apart():
    assert classify("letter.docx", docx_bytes("x")) == "docx"
    assert classify("LETTER.DOCX", docx_bytes("x")) == "docx"
    assert classify("mail.html", b"<p>x</p>") == "html"
    assert classify("mail.htm", b"<p>x</p>") == "html"
    assert classify("letter.docx", b"junk") == ""
    assert classify("notes.txt", b"hello") == ""
    assert classify("sheet.xlsx", _zip({"xl/workbook.xml": b"<x/>"})) == ""


def test_an_unknown_kind_or_undecodable_layout_is_refused():
    with pytest.raises(MergeTemplateError):
        check_template("pdf", b"%PDF")
    with pytest.raises(MergeTemplateError) as caught:
        check_template("html", b"\xff\xfe\x00bad")
    assert "UTF-8" in caught.value.message


def test_the_sample_snapshot_fills_every_field():
    body = "".join(f"<p>{{{{ {path} }}}}</p>" for path in FIELD_PATHS)
    html = render_document(
        "html", make_email_layout("x", body), sample_snapshot(), "en"
    ).content.decode()
    assert "<p></p>" not in html


def test_combined_documents_keep_every_letter_in_order_each_on_a_new_page():
    template = docx_bytes("Dear {{ contact.name }}", "{{ remarks }}")
    letters = [
        render_document(
            "docx", template, {"contact": {"name": name}, "remarks": f"Letter {i}"}, "en"
        ).content
        for i, name in enumerate(["Ann", "Bob", "Cid"], start=1)
    ]

    combined = combine_docx(letters)

    texts = [text for text in docx_texts(combined) if text]
    assert texts == ["Dear Ann", "Letter 1", "Dear Bob", "Letter 2", "Dear Cid", "Letter 3"]
    body = Document(io.BytesIO(combined)).element.body
    assert len(body.findall(".//{*}sectPr")) == 3  # two section breaks (new page) and the last one
    assert combine_docx(letters) == combined


def test_documents_from_different_templates_are_combined_too():
    first = render_document(
        "docx", docx_bytes("One {{ contact.name }}"), {"contact": {"name": "Ann"}}, "en"
    )
    other = render_document(
        "docx", docx_bytes("Two {{ contact.no }}", header="H"), {"contact": {"no": "7"}}, "en"
    )

    combined = combine_docx([first.content, other.content, first.content])

    assert [text for text in docx_texts(combined) if text] == ["One Ann", "Two 7", "One Ann"]
    assert combine_docx([first.content, other.content, first.content]) == combined


@pytest.mark.parametrize(
    "source",
    [
        "{{ " + "(" * 5000 + "contact.name" + ")" * 5000 + " }}",
        "{{ " + "not " * 5000 + "contact.name }}",
        "{% if contact.name %}" * 3000 + "x" + "{% endif %}" * 3000,
    ],
    ids=["parentheses", "not", "if"],
)
def test_a_deeply_nested_template_is_refused_not_crashed(source):
    with pytest.raises(MergeTemplateError):
        check_template("html", source.encode())


def test_the_email_layout_subject_is_text_with_its_merge_fields_kept():
    layout = make_email_layout("Tom & Jerry <news> {{ contact.name }}", "<p>x</p>")

    assert b"<title>Tom &amp; Jerry &lt;news&gt; {{ contact.name }}</title>" in layout
    rendered = render_document("html", layout, {"contact": {"name": "R&D"}}, "en")
    assert rendered.subject == "Tom & Jerry <news> R&D"


def test_a_line_break_in_a_value_becomes_a_word_line_break():
    template = docx_bytes("{{ contact.address }}")

    rendered = render_document("docx", template, {"contact": {"address": "Line 1\nLine 2"}}, "en")

    assert docx_texts(rendered.content) == ["Line 1\nLine 2"]
    assert b"<w:br/>" in zipfile.ZipFile(io.BytesIO(rendered.content)).read("word/document.xml")


def test_the_compiled_text_part_matches_the_text_of_the_rendered_html():
    from rapport.interactions.merge.html import html_to_text

    layout = make_email_layout(
        "Offer for {{ contact.name }}",
        "<h1>Hello {{ contact.salutation }}</h1><p>{{ remarks }}</p>"
        "{% if salesperson.name %}<p>Regards,<br>{{ salesperson.name }}</p>{% endif %}"
        '<p><a href="mailto:{{ salesperson.email }}">Write to us</a></p>',
    )
    snapshot = sample_snapshot()
    snapshot["remarks"] = "<b>Bold</b> & 'quoted'"
    doc = render_document("html", layout, snapshot, "en")
    assert doc.text == html_to_text(doc.html)
    assert "<b>Bold</b> & 'quoted'" in doc.text


def test_braces_written_as_text_in_a_layout_stay_text_in_the_plain_part():
    layout = make_email_layout("S", "<p>&#123;&#123; 7*7 &#125;&#125; {{ contact.name }}</p>")
    doc = render_document("html", layout, sample_snapshot(), "en")
    assert "{{ 7*7 }}" in doc.text and "49" not in doc.text
