"""One row per rule: state, the busiest group's value against the threshold, matches per minute (one
bar a minute, as many minutes as the column is wide), and the run's total."""

from __future__ import annotations

from typing import Any, Hashable, Sequence

from rich.text import Text

from tui.app.columns import CELL_PADDING, ColumnSpec
from tui.app.format import SEVERITY_RANK, duration, human_count, severity
from tui.app.safe import plain_text
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.spark import spark_text
from tui.app.widgets.theme import theme_style

SPARK_WIDTH = 20


class RulesPanel(KeyedTable):
    """The rules table, alarming rules first (most severe on top) so a short panel still shows them.
    Rows are keyed by position: a tick updates only the cells that changed."""

    COLUMNS = (
        ColumnSpec("rule", "rule", 12),
        ColumnSpec("state", "state", 9),
        ColumnSpec("value/thr", "value", 9, priority=0),
        ColumnSpec("per minute", "spark", 11, priority=2, grow=60),
        ColumnSpec("window", "window", 6, priority=3),
        ColumnSpec("top group", "group", 20, priority=4, grow=20),
        ColumnSpec("total", "matches", 7, priority=5),
    )

    order: list[int] = []

    def selected_rule(self) -> int | None:
        """The rule index of the row under the cursor."""
        return self.order[self.cursor_row] if 0 <= self.cursor_row < len(self.order) else None

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        """value/threshold as wide as its widest cell (a number is never cut) and kept first; the
        rule names get the width the name, state and value columns leave free, up to the longest
        name, before the sparkline and the other columns take the rest."""
        rule, state, value, *others = self.COLUMNS
        rows = list(self._rows.values())
        value_width = max([value.width, *(row[2].cell_len for row in rows)])
        longest_name = max([rule.width, *(row[0].cell_len for row in rows)])
        free = width - (rule.width + state.width + value_width + 6 * CELL_PADDING)
        name_width = rule.width + max(0, min(longest_name - rule.width, free))
        return (rule._replace(width=name_width), state, value._replace(width=value_width), *others)

    def show(self, snapshot: Any, rule_defs: Sequence[Any]) -> None:
        stats = snapshot.engine.stats
        first_rule_total = len(stats.totals) - len(rule_defs)
        spark_width = next((width for spec, width in self._layout if spec.key == "spark"), SPARK_WIDTH)
        order = sorted(
            range(len(rule_defs)),
            key=lambda i: -SEVERITY_RANK.get(rule_defs[i].severity, 2) if snapshot.engine.rules[i].alarming else 1,
        )
        selected = self.selected_rule()
        self.order = order  # row position -> rule index, for drilling down
        rows = {}
        for position, index in enumerate(order):
            rule, status = rule_defs[index], snapshot.engine.rules[index]
            rows[str(position)] = (
                plain_text(rule.name, limit=40),
                self._state(rule, status.alarming),
                Text(f"{human_count(status.top_value)}/{human_count(rule.threshold)}", justify="right"),
                Text(spark_text(stats.rule_column(index), spark_width)),
                Text(duration(rule.window_s)),
                plain_text(group_label(rule.group_by, status.top_group) if status.top_group is not None else "-"),
                Text(human_count(stats.totals[first_rule_total + index]) if stats.totals else "0", justify="right"),
            )
        self.sync(rows)
        if selected is not None and order.index(selected) != self.cursor_row:
            self.move_cursor(row=order.index(selected), animate=False)  # the cursor stays on its rule
        minutes = next((width for spec, width in self._layout if spec.key == "spark"), 0)
        self.border_title = f"Rules · matches per minute, last {minutes}m · total: since start" if minutes else "Rules"
        if not rule_defs:  # replay without -c: say why no alarm can come
            self.border_title = "Rules · none loaded (no -c CONFIG)"

    def _state(self, rule: Any, alarming: int) -> Text:
        if not alarming:
            return Text("OK")
        glyph, _label, _style = severity(rule.severity)
        return Text(f"{glyph} {alarming} ALARM", style=theme_style(self, "error", bold=True))


def group_label(names: Sequence[str], key: Hashable) -> str:
    """``srcaddr=10.0.0.155`` from a rule's group-by names and a group key (a value or a tuple)."""
    if not names:
        return "*"
    values = (key,) if len(names) == 1 else tuple(key)  # type: ignore[arg-type]
    return " ".join(f"{name}={value}" for name, value in zip(names, values))
