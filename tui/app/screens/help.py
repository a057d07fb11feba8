"""The keys screen, generated from the live binding chain (keymap applied), so it never drifts."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

# Names for the places bindings come from, by class name; anything else is named by its class.
PLACES = {"FlowtailApp": "everywhere", "DashboardScreen": "dashboard", "FlowsTable": "flows table"}


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
    rows: list[KeyRow] = []
    seen: set[tuple[str, str]] = set()
    for node, bindings in screen._binding_chain:
        for key, entries in bindings.key_to_bindings.items():
            for binding in entries:
                if binding.system or (node.__class__.__name__, binding.action) in seen:
                    continue
                seen.add((node.__class__.__name__, binding.action))
                rows.append(KeyRow(_place(node), app.get_key_display(binding), _describe(binding)))
    return rows


def _place(node: DOMNode) -> str:
    name = node.__class__.__name__
    return PLACES.get(name, name)


def _describe(binding: Binding) -> str:
    text = binding.tooltip or binding.description or binding.action.replace("_", " ")
    return f"{binding.description}: {text}" if binding.tooltip and binding.description else text


class HelpScreen(ModalScreen[None]):
    """A table of keys; ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="close"),
    ]

    def __init__(self, rows: Iterable[KeyRow]) -> None:
        super().__init__()
        self._rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="modal-box"):
            yield Static("Keys  (the command palette, ctrl+p, runs the same actions by name)", classes="modal-title", markup=False)
            yield DataTable(id="help-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "what it does")
        for row in self._rows:
            table.add_row(Text(row.place), Text(row.key, style="bold"), Text(row.description))
        table.focus()
