"""Table columns that fit the width available: which to keep, and how wide each is; a table too
narrow for all its columns ends its header with ``+N`` (N columns hidden) where it has the room."""

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


Layout = tuple[tuple[ColumnSpec, int], ...]


def fit_marked(specs: Sequence[ColumnSpec], width: int) -> Layout:
    """:func:`fit_columns`; when some columns do not fit, the last shown column's label ends with
    ``+N`` (``bytes +4``) where the width allows: in that column's own width, else in width no
    column needs (what growable columns took beyond their narrowest). Never at a column's cost: a
    table too tight for the mark shows its columns without it."""
    plain = fit_columns(specs, width)
    hidden = len(specs) - len(plain)
    if not hidden:
        return plain
    label = f"{plain[-1][0].label} +{hidden}"
    layout, reserve = plain, 0
    while True:  # the width the label needs beyond the last column's, taken from the others' spare
        narrowest = sum(spec.width + 2 * CELL_PADDING for spec, _ in layout)
        if [spec.key for spec, _ in layout] != [spec.key for spec, _ in plain] or narrowest > width - reserve:
            return plain
        last, last_width = layout[-1]
        extra = max(0, len(label) - last_width)
        if extra <= reserve:
            return (*layout[:-1], (last._replace(label=label), last_width + extra))
        reserve = extra
        layout = fit_columns(specs, width - reserve)


def fit_columns(specs: Sequence[ColumnSpec], width: int) -> Layout:
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
