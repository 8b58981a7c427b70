"""The sandboxed Jinja environment and the allow-list check over a template's syntax tree.

The sandbox alone stops attribute walks into Python internals; the allow-list also stops what the
sandbox lets through (loops, output blow-ups, file access through a loader) and names unknown
fields, so a template is refused at upload instead of failing when a letter is sent.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from jinja2 import nodes
from jinja2.defaults import DEFAULT_FILTERS, DEFAULT_TESTS
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from .errors import MergeTemplateError
from .fields import FIELD_PATHS, GROUPS, SCALARS

ALLOWED_FILTERS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "default",
        "d",
        "truncate",
        "e",
        "escape",
        "striptags",
    }
)
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "string"})
ALLOWED_COMPARE_OPS = frozenset({"eq", "ne", "lt", "lteq", "gt", "gteq", "in", "notin"})
MAX_CONST_CHARS = 1000
MAX_CONST_INT = 10**6
MAX_OUTPUT_BYTES = 5 * 1024 * 1024

TAG_NAMES: dict[type[nodes.Node], str] = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
    nodes.Extends: "extends",
    nodes.For: "for",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.FilterBlock: "filter",
    nodes.Block: "block",
    nodes.ExprStmt: "do",
    nodes.Scope: "scope",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.Continue: "continue",
    nodes.Break: "break",
}
OPERATORS: dict[type[nodes.Node], str] = {
    nodes.Mul: "*",
    nodes.Pow: "**",
    nodes.Add: "+",
    nodes.Sub: "-",
    nodes.Div: "/",
    nodes.FloorDiv: "//",
    nodes.Mod: "%",
    nodes.Neg: "-",
    nodes.Pos: "+",
}


class MergeEnvironment(SandboxedEnvironment):
    """No loader, no globals, only allow-listed filters and tests; attributes only from dicts."""

    def __init__(self, *, autoescape: bool, **delimiters: str) -> None:
        super().__init__(
            autoescape=autoescape,
            finalize=_finalize,
            auto_reload=False,
            cache_size=0,
            **delimiters,
        )
        self.globals.clear()
        self.filters = {name: DEFAULT_FILTERS[name] for name in ALLOWED_FILTERS}
        self.tests = {name: DEFAULT_TESTS[name] for name in ALLOWED_TESTS}

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Merge values are plain dicts of strings: a field is an item, never a Python attribute.
        if isinstance(obj, dict) and not attribute.startswith("_") and attribute in obj:
            return obj[attribute]
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # Filters are called directly by compiled code; anything reaching here is a call expression.
        raise MergeTemplateError(gettext("Calling functions or methods is not allowed."))


def _finalize(value: Any) -> Any:
    return "" if value is None else value


HTML_ENV = MergeEnvironment(autoescape=True)
DOCX_ENV = MergeEnvironment(autoescape=True)
# The plain-text part of an e-mail layout, compiled once from the layout (html.text_source).
# Its tags use control-character delimiters, so braces in the layout's text stay literal text.
TEXT_DELIMITERS = {
    "variable_start_string": "\x1b{",
    "variable_end_string": "}\x1b",
    "block_start_string": "\x1b%",
    "block_end_string": "%\x1b",
    "comment_start_string": "\x1b#",
    "comment_end_string": "#\x1b",
}
TEXT_ENV = MergeEnvironment(autoescape=False, **TEXT_DELIMITERS)


def _refuse(message: str, *, line: int | None, field: str | None = None) -> MergeTemplateError:
    return MergeTemplateError(message, line=line, field=field)


def _field_path(node: nodes.Node) -> str | None:
    """``contact.name`` for Getattr(Name(contact), name); None when the chain is not names."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    parts.append(node.name)
    return ".".join(reversed(parts))


class _Checker:
    def __init__(self, line_of: Any) -> None:
        self.line_of = line_of  # maps a Jinja line number to the line shown to the user

    def line(self, node: nodes.Node) -> int | None:
        lineno = getattr(node, "lineno", None)
        return self.line_of(lineno) if lineno else None

    def statements(self, body: list[nodes.Node]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expression(child)
        elif isinstance(node, nodes.If):
            self.expression(node.test)
            self.statements(node.body)
            for elif_ in node.elif_:
                self.statement(elif_)
            self.statements(node.else_)
        else:
            self.refuse_tag(node)

    def refuse_tag(self, node: nodes.Node) -> None:
        tag = TAG_NAMES.get(type(node), type(node).__name__.lower())
        line = self.line(node)
        raise _refuse(
            gettext("This template uses %(tag)s on line %(line)s, which is not allowed.")
            % {"tag": "{% " + tag + " %}", "line": line},
            line=line,
        )

    def expression(self, node: nodes.Node) -> None:
        line = self.line(node)
        if isinstance(node, nodes.Getattr):
            for attr_node in self._chain(node):
                if attr_node.attr.startswith("_"):
                    raise _refuse(
                        gettext("Line %(line)s: attributes starting with _ are not allowed.")
                        % {"line": line},
                        line=line,
                        field=attr_node.attr,
                    )
            path = _field_path(node)
            if path is None:
                raise self.not_allowed(node)
            self.known_field(path, line)
        elif isinstance(node, nodes.Name):
            if node.ctx != "load":
                raise self.not_allowed(node)
            self.known_field(node.name, line)
        elif isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, str):
                if len(value) > MAX_CONST_CHARS:
                    raise _refuse(
                        gettext(
                            "Line %(line)s: texts longer than %(max)s characters are not allowed."
                        )
                        % {"line": line, "max": MAX_CONST_CHARS},
                        line=line,
                    )
            elif isinstance(value, bool) or value is None:
                pass
            elif isinstance(value, int | float):
                if abs(value) > MAX_CONST_INT:
                    raise self.not_allowed(node)
            else:
                raise self.not_allowed(node)
        elif isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expression(child)
        elif isinstance(node, nodes.And | nodes.Or):
            self.expression(node.left)
            self.expression(node.right)
        elif isinstance(node, nodes.Not):
            self.expression(node.node)
        elif isinstance(node, nodes.CondExpr):
            self.expression(node.test)
            self.expression(node.expr1)
            if node.expr2 is not None:
                self.expression(node.expr2)
        elif isinstance(node, nodes.Compare):
            self.expression(node.expr)
            for operand in node.ops:
                if operand.op not in ALLOWED_COMPARE_OPS:
                    raise self.not_allowed(node)
                self.expression(operand.expr)
        elif isinstance(node, nodes.Filter | nodes.Test):
            self.filter_or_test(node, line)
        elif isinstance(node, nodes.Call):
            raise _refuse(
                gettext("Line %(line)s: calling functions or methods is not allowed.")
                % {"line": line},
                line=line,
            )
        elif type(node) in OPERATORS:
            raise _refuse(
                gettext("Line %(line)s: the operator %(operator)s is not allowed.")
                % {"line": line, "operator": OPERATORS[type(node)]},
                line=line,
            )
        else:
            raise self.not_allowed(node)

    def filter_or_test(self, node: nodes.Filter | nodes.Test, line: int | None) -> None:
        is_filter = isinstance(node, nodes.Filter)
        allowed = ALLOWED_FILTERS if is_filter else ALLOWED_TESTS
        if node.name not in allowed:
            message = (
                gettext("Line %(line)s: the filter %(name)s is not allowed.")
                if is_filter
                else gettext("Line %(line)s: the test %(name)s is not allowed.")
            )
            raise _refuse(message % {"line": line, "name": node.name}, line=line)
        if node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None:
            raise self.not_allowed(node)
        if not is_filter and (node.args or node.kwargs):
            raise self.not_allowed(node)
        self.expression(node.node)
        for arg in node.args:
            self.expression(arg)
        for keyword in node.kwargs:
            if keyword.key not in {"killwords", "end", "leeway", "boolean", "length"}:
                raise self.not_allowed(node)
            self.expression(keyword.value)

    @staticmethod
    def _chain(node: nodes.Node) -> list[nodes.Getattr]:
        chain = []
        while isinstance(node, nodes.Getattr):
            chain.append(node)
            node = node.node
        # Attribute walks may start from anything: ''.__class__, (x).__class__ ...
        return chain

    def known_field(self, path: str, line: int | None) -> None:
        if path in FIELD_PATHS:
            return
        raise _refuse(
            gettext("Unknown merge field %(field)s on line %(line)s.")
            % {"field": path, "line": line},
            line=line,
            field=path,
        )

    def not_allowed(self, node: nodes.Node) -> MergeTemplateError:
        line = self.line(node)
        return _refuse(
            gettext("Line %(line)s: this expression is not allowed in a merge template.")
            % {"line": line},
            line=line,
        )


def parse_and_check(env: MergeEnvironment, source: str, *, line_of: Any = None) -> nodes.Template:
    """Parse ``source`` and refuse anything outside the allow-list; returns the syntax tree."""
    line_of = line_of or (lambda lineno: lineno)
    try:
        tree = env.parse(source)
    except RecursionError:
        raise _refuse(gettext("The template is nested too deeply."), line=None) from None
    except TemplateSyntaxError as exc:
        line = line_of(exc.lineno) if exc.lineno else None
        raise _refuse(
            gettext("Syntax error on line %(line)s: %(error)s")
            % {"line": line, "error": exc.message or ""},
            line=line,
        ) from None
    try:
        _Checker(line_of).statements(tree.body)
    except RecursionError:
        raise _refuse(gettext("The template is nested too deeply."), line=None) from None
    return tree


__all__ = [
    "DOCX_ENV",
    "GROUPS",
    "HTML_ENV",
    "MAX_OUTPUT_BYTES",
    "SCALARS",
    "TEXT_ENV",
    "MergeEnvironment",
    "parse_and_check",
]
