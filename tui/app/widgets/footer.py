"""Textual's compact footer, with the quit key pinned to the left edge."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A screen's keys; ``q Quit`` is docked left and ``? Keys`` right, so a footer too long for the
    terminal cuts other keys, never the way out or the way to every key. The palette (ctrl+p) is
    named on the keys screen rather than here, where 80 columns have no room for it. A key that does not
    fit whole between them is hidden with every key after it, rather than drawn cut (``o Orde``)."""

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

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        keys = [child for child in self.children if isinstance(child, FooterKey)]
        pinned = [key for key in keys if key.has_class("-quit") or key.has_class("-help")]
        room = self.size.width - sum(_cells(key) for key in pinned)
        for key in keys:
            if key in pinned:
                continue
            room -= _cells(key)
            key.display = room >= 0


def _cells(key: FooterKey) -> int:
    """The cells ``key`` takes in the footer: its label and its margins."""
    margin = key.styles.margin
    return key.render().cell_len + margin.left + margin.right
