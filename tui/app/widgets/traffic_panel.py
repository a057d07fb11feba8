"""ACCEPT and REJECT, bytes and packets: run totals, and one bar a minute for the minutes that fit."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Sparkline, Static

from tui.app.format import human_bytes, human_count
from tui.engine.batch import MINUTE_COLUMNS


class Series(NamedTuple):
    column: str  # a tui.engine.batch.MINUTE_COLUMNS name
    label: str
    style: str
    fmt: Callable[[float], str]


SERIES = (
    Series("accept", "ACCEPT", "bold $success", human_count),
    Series("reject", "REJECT", "bold $error", human_count),
    Series("bytes", "bytes", "bold", human_bytes),
    Series("packets", "packets", "bold", human_count),
)


class TrafficPanel(Horizontal):
    """Four cells; at narrow widths app.tcss hides the sparklines and rates and keeps the totals."""

    def compose(self) -> ComposeResult:
        for series in SERIES:
            with Vertical(id=f"traffic-{series.column}", classes="traffic-cell"):
                with Horizontal(classes="traffic-text"):
                    yield Static(markup=False, classes="traffic-total")
                    yield Static(markup=False, classes="traffic-rate")
                yield Sparkline([], classes="traffic-spark")

    def show(self, snapshot: Any) -> None:
        stats = snapshot.engine.stats
        bars = self.query(Sparkline).first().content_region.width if self.query(Sparkline) else 0
        title = "Traffic · totals since start"
        self.border_title = f"{title} · bars: one a minute, last {bars}m" if bars else title
        for series in SERIES:
            cell = self.query_one(f"#traffic-{series.column}", Vertical)
            total = stats.totals[MINUTE_COLUMNS.index(series.column)] if stats.totals else 0
            # one bar a minute: the last minutes that fit (Sparkline would squeeze the hour together)
            recent = stats.column(series.column)[-bars:] if bars else []
            last = recent[-1] if recent else 0
            per_minute = [0] * (bars - len(recent)) + recent  # left-padded: a bar never spans minutes
            # one span: label and value never run together, even where a reader trims spans (SVG to text)
            total_text = Content.styled(f"{series.label} {series.fmt(total)}", series.style)
            cell.query_one(".traffic-total", Static).update(total_text)
            cell.query_one(".traffic-rate", Static).update(Content.styled(f" · {series.fmt(last)}/min", "$text-muted"))
            spark = cell.query_one(Sparkline)
            if list(spark.data or ()) != per_minute:
                spark.data = per_minute  # a new list: the reactive only fires on a new value
