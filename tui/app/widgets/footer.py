"""Textual's compact footer, with the quit key pinned to the left edge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A screen's keys; ``q Quit`` is docked left and ``? Keys`` right, so a footer too long for the
    terminal cuts other keys, never the way out or the way to every key. The palette (ctrl+p) is
    named on the keys screen rather than here, where 80 columns have no room for it."""

    DEFAULT_CSS = """
    KeysFooter FooterKey.-quit {
        dock: left;
    }
    KeysFooter FooterKey.-help {
        dock: right;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in ("quit", "app.quit"):
                widget.add_class("-quit")
            if isinstance(widget, FooterKey) and widget.action in ("help", "app.help"):
                widget.add_class("-help")
            yield widget
