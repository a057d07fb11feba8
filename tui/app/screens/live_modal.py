"""The base of the modal views: the live status line and banners on top, the view's own keys below."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable

from tui.app.widgets.footer import KeysFooter
from tui.app.widgets.live_top import LiveTop

if TYPE_CHECKING:
    from tui.app.app import FlowtailApp


ResultT = TypeVar("ResultT")


class LiveModal(ModalScreen[ResultT]):
    """A modal view whose subclass composes its box in :meth:`compose_body`.

    A modal screen stops the key chain before the app's bindings, so ``?`` (keys) is bound here
    again; ctrl+c and ctrl+q are priority bindings and work everywhere.
    """

    app: FlowtailApp

    BINDINGS = [Binding("question_mark", "app.help", "Keys", id="help", tooltip="Every key and what it does")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal")]  # -narrow: the box takes the whole width

    def compose(self) -> ComposeResult:
        yield LiveTop(id="live-top")
        yield from self.compose_body()
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.app.show_live_top)


class TableModal(LiveModal[ResultT]):
    """A modal view with one table whose highlighted row is shown in full below it."""

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_row(event.cursor_row)

    def show_row(self, index: int) -> None:
        raise NotImplementedError

