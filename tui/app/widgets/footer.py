"""Textual's compact footer, with the quit key pinned to the left edge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A screen's keys; ``q Quit`` is docked left, so a footer too long for the terminal (a filter
    set, at 80 columns) cuts other keys, never the way out. The palette key stays docked right."""

    DEFAULT_CSS = """
    KeysFooter FooterKey.-quit {
        dock: left;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in ("quit", "app.quit"):
                widget.add_class("-quit")
            yield widget
