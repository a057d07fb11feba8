"""Shown instead of any view while the terminal is smaller than the smallest that works: below 80×24
the panels would cut numbers (``bytes 10`` for 105.4 MB) and addresses rather than show them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(Screen[None]):
    """Says what size is needed and what it is now; closes itself once the terminal is big enough
    (the app checks on every resize). ``q`` and ctrl+c still quit (the app's keys)."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen > Static { width: auto; height: auto; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static(markup=False)

    def on_mount(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)

    def show_size(self, width: int, height: int) -> None:
        self.query_one(Static).update(
            Content(f"terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, now {width}×{height})\nq quits")
        )
