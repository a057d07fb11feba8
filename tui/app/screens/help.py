"""The keys screen, generated from the live binding chain (keymap applied), so it never drifts."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Static

from tui.app.columns import ColumnSpec
from tui.app.safe import plain_text
from tui.app.screens.live_modal import LiveModal
from tui.app.widgets.keyed_table import KeyedTable

# Names for the places bindings come from, by class name; anything else is named by its class.
PLACES = {
    "FlowtailApp": "everywhere", "DashboardScreen": "dashboard", "FlowsTable": "flows table",
    "HistoryScreen": "alert history", "DetailScreen": "record detail", "ErrorsScreen": "errors",
    "RuleScreen": "rule groups", "HelpScreen": "keys", "MuteScreen": "mute",
}


class KeyRow(NamedTuple):
    place: str
    key: str
    description: str


def binding_rows(screen: Screen) -> list[KeyRow]:
    """Every binding reachable from ``screen``'s focused widget, with the keys after the keymap.

    Reads ``Screen._binding_chain`` (the chain Textual dispatches keys through) rather than
    ``active_bindings``, which leaves out actions disabled at the moment (such as clearing a filter
    that is not set).
    """
    app = screen.app
    # (node class, action) -> [place, keys, the binding that describes them]. An action bound to
    # several keys (``up,k``, or flowtail's ``q`` next to Textual's own ``ctrl+q``) is one row
    # listing every key, described by flowtail's binding (the one with an id) when there is one.
    actions: dict[tuple[str, str], tuple[str, list[str], Binding]] = {}
    chain = screen._binding_chain
    # a priority binding (ctrl+c: quit) wins over the same key bound anywhere else (Textual's copy)
    priority_keys = {key for _, bindings in chain for key, entries in bindings.key_to_bindings.items()
                     if any(binding.priority and not binding.system for binding in entries)}
    for node, bindings in chain:
        for key, entries in bindings.key_to_bindings.items():
            for binding in entries:
                if binding.system or (key in priority_keys and not binding.priority):
                    continue
                display = app.get_key_display(binding)
                slot = (node.__class__.__name__, binding.action)
                if slot not in actions:
                    actions[slot] = (_place(node), [display], binding)
                    continue
                place, keys, described = actions[slot]
                if display in keys:
                    continue
                if binding.id and not described.id:
                    keys.insert(0, display)
                    actions[slot] = (place, keys, binding)
                else:
                    keys.append(display)
    return [KeyRow(place, ", ".join(keys), _describe(binding)) for place, keys, binding in actions.values()]


def _place(node: DOMNode) -> str:
    name = node.__class__.__name__
    return PLACES.get(name, name)


def _describe(binding: Binding) -> str:
    text = binding.tooltip or binding.description or binding.action.replace("_", " ")
    return f"{binding.description}: {text}" if binding.tooltip and binding.description else text


class KeysTable(KeyedTable):
    """Where, key, what it does: a description too long for the width ends in ``…``."""

    COLUMNS = (
        ColumnSpec("where", "where", 13),
        ColumnSpec("key", "key", 9),
        ColumnSpec("what it does", "what it does", 20, grow=200),
    )


class HelpScreen(LiveModal[None]):
    """A table of keys; ``escape``, ``q`` or ``?`` (the app's help action toggles it) closes it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
    ]

    def __init__(self, rows: Iterable[KeyRow]) -> None:
        super().__init__()
        self._rows = list(rows)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="help-box", classes="modal-box"):
            yield Static(
                "Keys  (the command palette, ctrl+p, runs the same actions by name)",
                classes="modal-title",
                markup=False,
            )
            yield KeysTable(id="help-table")

    def on_mount(self) -> None:
        table = self.query_one(KeysTable)
        table.sync({
            str(index): (plain_text(row.place), plain_text(row.key, "bold"), plain_text(row.description))
            for index, row in enumerate(self._rows)
        })
        table.focus()
