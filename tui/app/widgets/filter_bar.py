"""The flows filter: a CloudWatch filter pattern, validated as it is typed, applied on enter."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from tui.app.safe import safe_text
from tui.patterns import PatternError, compile_pattern

PROMPT = "filter / "


class FilterBar(Vertical):
    """Docked under the flows table while a filter is being typed or is applied."""

    class Applied(Message):
        def __init__(self, pattern: Any, text: str) -> None:
            super().__init__()
            self.pattern = pattern
            self.text = text

    applied = ""  # the pattern text in force on the flows table ("" for none)

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-line"):
            yield Static(PROMPT, id="filter-prompt", markup=False)
            yield Input(
                placeholder=(
                    'CloudWatch pattern: REJECT, "10.0.0.155", '
                    "[..., dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]"
                ),
                id="filter-input",
                compact=True,
                select_on_focus=False,
            )
        yield Static(id="filter-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    def open(self, text: str) -> None:
        self.display = True
        self.input.value = text
        self.input.focus()

    def check(self, text: str) -> tuple[Any, PatternError | None]:
        """Compile ``text``; show the error (with a caret under its column) or nothing."""
        error_line = self.query_one("#filter-error", Static)
        if not text.strip():
            error_line.update("")
            return None, None
        try:
            pattern = compile_pattern(text)
        except PatternError as error:
            error_line.update(
                error_content(error, len(PROMPT) + error.column - 1 - int(self.input.scroll_x), self.size.width)
            )
            return None, error
        if text.strip() == self.applied:
            error_line.update(Content.styled("✓ applied to the flows · esc clears it · / edits it", "$success"))
        else:
            error_line.update(Content.styled("✓ valid pattern, enter applies it", "$success"))
        return pattern, None

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        self.check(event.value)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        pattern, error = self.check(event.value)
        if error is None:
            self.applied = event.value.strip()
            self.check(event.value)  # the line now says the filter is applied
            self.post_message(self.Applied(pattern, self.applied))

    def show_applied(self, text: str) -> None:
        """Show ``text`` as the filter in force (set from a drill-down rather than typed)."""
        self.display = True
        self.applied = text
        self.input.value = text  # Input.Changed re-checks it: "applied"

    def close(self) -> None:
        self.applied = ""
        self.input.value = ""
        self.display = False


def error_content(error: PatternError, caret_at: int, width: int) -> Content:
    """A caret under the offending column and the message after it, or before it when the column is
    too far right for the message to fit."""
    message = Content.assemble((f"column {error.column}: ", "bold $error"), safe_text(error.message, 200))
    caret_at = max(0, caret_at)
    if caret_at + 2 + len(message) <= width or caret_at < len(message) + 1:
        return Content.assemble(" " * caret_at, ("^ ", "bold $error"), message)
    return Content.assemble(" " * (caret_at - len(message) - 1), message, (" ^", "bold $error"))
