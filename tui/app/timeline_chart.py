"""The History timeline as a text chart: one column per bin (or per run of bins when they outnumber
the columns), ACCEPTed flows stacked on REJECTed ones, each with its own glyph so the chart reads
without colour; a bin with any ACCEPT shows at least one ACCEPT cell, however tall its REJECTs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

ACCEPT_GLYPH = "█"
REJECT_GLYPH = "░"


@dataclass(frozen=True)
class ChartColumn:
    accept: int
    reject: int


def columns_for(counts: Sequence[tuple[int, int]], width: int) -> tuple[list[ChartColumn], int]:
    """``counts``: (ACCEPT, REJECT) flows per bin, in time order, every bin of the range present.
    Returns the chart's columns (adjacent bins summed when there are more bins than ``width``) and
    how many bins each column holds."""
    if not counts or width < 1:
        return [], 1
    per = -(-len(counts) // width)
    columns = []
    for at in range(0, len(counts), per):
        run = counts[at:at + per]
        columns.append(ChartColumn(sum(a for a, _ in run), sum(r for _, r in run)))
    return columns, per


def column_cells(column: ChartColumn, peak: int, height: int) -> tuple[int, int]:
    """How many cells of ``height`` its ACCEPTs and REJECTs fill (scaled to ``peak``); a non-zero
    count gets at least one cell, ACCEPT first when they compete for the last one."""
    total = column.accept + column.reject
    if not total or not peak:
        return 0, 0
    cells = max(1, round(height * total / peak))
    accept = min(cells, max(1 if column.accept else 0, round(cells * column.accept / total)))
    reject = cells - accept
    if column.reject and not reject and cells > 1:
        accept, reject = accept - 1, 1
    return accept, reject


def chart_rows(columns: Sequence[ChartColumn], height: int) -> list[list[str]]:
    """The chart, top row first: each row one glyph per column (``" "``, ACCEPT or REJECT glyph).
    REJECTs at the bottom, ACCEPTs on top of them."""
    peak = max((column.accept + column.reject for column in columns), default=0)
    rows = [[" "] * len(columns) for _ in range(height)]
    for x, column in enumerate(columns):
        accept, reject = column_cells(column, peak, height)
        for level in range(reject):
            rows[height - 1 - level][x] = REJECT_GLYPH
        for level in range(reject, reject + accept):
            rows[height - 1 - level][x] = ACCEPT_GLYPH
    return rows
