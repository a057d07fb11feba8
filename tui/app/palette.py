"""Textual's command palette with a plain-text prompt: its 🔎 emoji is drawn one or two cells wide
depending on the terminal and font, and as a box where the font lacks it."""

from __future__ import annotations

from textual.command import CommandPalette, SearchIcon

PROMPT = ">"


class PlainCommandPalette(CommandPalette):
    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = PROMPT
