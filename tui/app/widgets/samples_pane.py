"""An alert's sample records under its table (alert history, rule view): each decoded as the detail
view decodes a record (time, action, endpoints, service), one line each; the pane scrolls when they
do not all fit, and its title says how many show (``samples 3 of 5 · tab, ↓ for more``)."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.app.safe import safe_text
from tui.flowlog.summary import record_summary
from tui.rules.alerts import Alert


class SamplesPane(VerticalScroll, can_focus=True):
    """A heading with the rule's description (wrapped: it is runbook text), then the samples in a
    Static (``text_id``), one line each, cut with ``…``."""

    DEFAULT_CSS = """
    SamplesPane { height: auto; max-height: 8; border-top: solid $primary-muted; }
    SamplesPane > .samples-about { height: auto; }
    SamplesPane > .samples-lines { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
    App:nocolor SamplesPane { border-top: solid $foreground; }
    """

    def __init__(self, text_id: str, *, id: str | None = None) -> None:
        super().__init__(
            Static(classes="samples-about", markup=False), Static(id=text_id, classes="samples-lines", markup=False),
            id=id,
        )
        self._text_id = text_id
        self._samples = 0

    def show_message(self, content: Content) -> None:
        """A line instead of samples (no alert yet)."""
        self._samples = 0
        self.query_one(".samples-about", Static).update("")
        self.query_one(f"#{self._text_id}", Static).update(content)
        self.border_title = None

    def show_alert(self, alert: Alert, fmt: Any, utc: bool, *heading: str, describe: bool = True) -> None:
        """``alert``'s description (unless the view shows it already) and samples under ``heading``
        (log data: made safe here)."""
        about = [Content.assemble(("alert ", "bold"), " ".join(safe_text(part, 120) for part in heading))]
        if describe and alert.description:
            about.append(Content.assemble(("about ", "bold"), safe_text(alert.description, 2000)))
        self.query_one(".samples-about", Static).update(Content("\n").join(about))
        self._samples = len(alert.samples)
        lines = [Content(f"  {safe_text(sample_text(fmt, sample, utc), 300)}") for sample in alert.samples]
        self.query_one(f"#{self._text_id}", Static).update(Content("\n").join(lines))
        self.scroll_home(animate=False)
        self.call_after_refresh(self._title)

    def on_resize(self) -> None:
        self._title()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._title()

    def _title(self) -> None:
        """``samples 5`` when all show, ``samples 3 of 5 · tab, ↓ for more`` when some are below."""
        if not self._samples:
            self.border_title = None
            return
        top = int(self.scroll_y)
        height = self.scrollable_content_region.height
        first = self.query_one(f"#{self._text_id}", Static).virtual_region.y  # lines above the samples
        shown = max(0, min(first + self._samples, top + height) - max(first, top))
        if shown >= self._samples:
            self.border_title = f"samples {self._samples}"
        elif first + self._samples > top + height:
            self.border_title = f"samples {shown} of {self._samples} · tab, ↓ for more"
        else:
            self.border_title = f"samples {shown} of {self._samples} · ↑ for the first"


def sample_text(fmt: Any, line: str, utc: bool) -> str:
    """A sample decoded (its time without the date: the table beside it has the day), or the raw
    line when it is not a record of ``fmt``."""
    return (record_summary(fmt, line, utc, with_date=False) if fmt is not None else None) or line
