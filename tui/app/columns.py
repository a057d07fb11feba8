"""Table columns that fit the width available: which to keep, and how wide each is."""

from __future__ import annotations

from typing import NamedTuple, Sequence

CELL_PADDING = 1  # DataTable's default, on each side of a cell


class ColumnSpec(NamedTuple):
    """A column: the narrowest it is shown at, how much spare width it may take, and which columns
    go first when the table is too narrow (the highest ``priority`` number goes first)."""

    label: str
    key: str
    width: int
    priority: int = 1
    grow: int = 0


def fit_columns(specs: Sequence[ColumnSpec], width: int) -> tuple[tuple[ColumnSpec, int], ...]:
    """The columns that fit in ``width`` cells, in their own order, with their widths: kept by
    priority, then the spare width shared among growable columns in proportion to ``grow``."""
    chosen: set[int] = set()
    used = 0
    for index in sorted(range(len(specs)), key=lambda i: specs[i].priority):
        need = specs[index].width + 2 * CELL_PADDING
        if used + need <= width or not chosen:
            chosen.add(index)
            used += need
    spare = max(0, width - used)
    growable = sum(specs[i].grow for i in chosen)
    extras = {i: min(specs[i].grow, spare * specs[i].grow // growable) if growable else 0 for i in chosen}
    left = spare - sum(extras.values())
    for index in sorted(chosen):  # what rounding left over, in column order
        more = min(left, specs[index].grow - extras[index])
        extras[index] += more
        left -= more
    return tuple((spec, spec.width + extras[index]) for index, spec in enumerate(specs) if index in chosen)
