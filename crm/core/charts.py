"""Charts on the home page and in reports, drawn by ECharts (npm) from a data block the server writes.

A widget's context holds a ``Chart``; its template includes ``core/_chart.html`` with ``chart``. The server
sends labels and numbers only (JSON in a ``<script type="application/json">``, which the Content-Security-
Policy allows because it never runs); ``crm/core/static/crm/charts.js`` turns ``kind`` into ECharts options.
The same figures are always on the page as a table too, for screen readers and for anyone who prefers digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

KINDS = {"bar", "stacked-bar", "hbar", "stacked-hbar", "donut"}


@dataclass
class Series:
    name: str | Promise
    data: list[int | float]
    color: str = ""  # a CSS colour; empty: the chart's palette
    colors: list[str] = field(default_factory=list)  # a donut's, one per slice


@dataclass
class Chart:
    code: str  # unique on the page: the data block's element id is "chart-<code>"
    kind: str  # one of KINDS
    categories: list[str | Promise]  # the x axis (bars) or the slices (donut)
    series: list[Series] = field(default_factory=list)
    label: str | Promise = ""  # what the chart shows, for screen readers (aria-label)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Chart kind must be one of {sorted(KINDS)}, not {self.kind!r}.")

    @property
    def element_id(self) -> str:
        return f"chart-{self.code.replace('.', '-')}"

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.data)

    def data(self) -> dict[str, Any]:
        """What charts.js reads: plain strings and numbers (lazy translations resolved in the reader's language)."""
        return {"kind": self.kind, "categories": [str(c) for c in self.categories],
                "series": [{"name": str(s.name), "data": s.data, "color": s.color, "colors": s.colors}
                           for s in self.series]}
