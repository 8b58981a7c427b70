"""The merge engine: Word (.docx) and HTML e-mail merge templates rendered in a Jinja sandbox.

Pure functions over bytes and snapshot dicts: no models, no database. See engine.py for the flow.
"""

from .combine import combine_docx
from .docx import docx_safety
from .engine import RenderedDocument, check_template, classify, render_document
from .errors import MergeTemplateError
from .fields import MERGE_FIELDS, sample_snapshot
from .html import html_to_text, make_email_layout

__all__ = [
    "MERGE_FIELDS",
    "MergeTemplateError",
    "RenderedDocument",
    "check_template",
    "classify",
    "combine_docx",
    "docx_safety",
    "html_to_text",
    "make_email_layout",
    "render_document",
    "sample_snapshot",
]
