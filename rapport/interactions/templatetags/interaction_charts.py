"""`{% bar_chart rows %}`: a small, accessible, server-rendered SVG bar chart.

No JavaScript, no chart library, no inline styles (the CSP forbids them): bars are plain
`<rect>`s with presentation attributes and CSS classes from rapport.css. Pages show the same
numbers in a table beside the chart, so the chart is a picture of data the page already says.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from rapport.formats.months import month_abbreviation

register = template.Library()

BAR_WIDTH = 20
GAP = 10
PLOT_HEIGHT = 100  # the tallest bar
TOP = 16  # room for the value above the tallest bar
BOTTOM = 18  # room for the labels under the axis
SIDE = 6


def _number(value: float) -> str:
    """SVG coordinates: always a dot as the decimal separator, whatever the locale."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _label(value: Any, fmt: str) -> str:
    if isinstance(value, datetime.date | datetime.datetime):
        if fmt == "M":  # Django's "M" is wrong in Finnish ("Mar" for marraskuu)
            return month_abbreviation(value)
        return formats.date_format(value, fmt)
    return str(value)


@register.inclusion_tag("interactions/setup/includes/bar_chart.html")
def bar_chart(
    rows: Iterable[Mapping[str, Any]],
    value: str = "count",
    label: str = "month",
    title: str = "",
    label_format: str = "M",
    title_format: str = "F Y",
) -> dict[str, Any]:
    """Bars with heights proportional to `row[value]`, labelled with `row[label]` (dates are
    formatted in the user's locale: `label_format` under the bar, `title_format` in its tooltip).
    """
    rows = list(rows)
    values = [Decimal(row.get(value) or 0) for row in rows]
    top = max(values, default=Decimal(0))
    bars = []
    for index, (row, amount) in enumerate(zip(rows, values, strict=True)):
        height = float(amount / top * PLOT_HEIGHT) if top > 0 else 0.0
        x = SIDE + index * (BAR_WIDTH + GAP)
        y = TOP + PLOT_HEIGHT - height
        bars.append(
            {
                "x": _number(x),
                "y": _number(y),
                "width": _number(BAR_WIDTH),
                "height": _number(height),
                "center": _number(x + BAR_WIDTH / 2),
                "value_y": _number(y - 4),
                "value": row.get(value) or 0,
                "label": _label(row.get(label), label_format),
                "long_label": _label(row.get(label), title_format),
            }
        )
    width = SIDE * 2 + max(len(rows), 1) * (BAR_WIDTH + GAP) - GAP
    axis_y = TOP + PLOT_HEIGHT
    peak = next((bar for bar, amount in zip(bars, values, strict=True) if amount == top), None)
    return {
        "chart_id": f"chart-{uuid.uuid4().hex[:8]}",
        "title": title or _("Number of interactions per month"),
        "bars": bars,
        "peak": peak if top > 0 else None,
        "width": _number(width),
        "height": _number(axis_y + BOTTOM),
        "axis_y": _number(axis_y + 0.5),
        "axis_end": _number(width - SIDE / 2),
        "label_y": _number(axis_y + BOTTOM - 4),
    }
