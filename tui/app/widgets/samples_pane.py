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
    """Holds one Static (``text_id``) with a heading, the rule's description and the samples."""

    DEFAULT_CSS = """
    SamplesPane { height: auto; max-height: 8; border-top: solid $primary-muted; }
    SamplesPane > Static { text-wrap: nowrap; text-overflow: ellipsis; }
    App:nocolor SamplesPane { border-top: solid $foreground; }
    """

    def __init__(self, text_id: str, *, id: str | None = None) -> None:
        super().__init__(Static(id=text_id, markup=False), id=id)
        self._text_id = text_id
        self._samples = 0
        self._above = 0  # lines above the first sample: heading and description

    def show_message(self, content: Content) -> None:
        """A line instead of samples (no alert yet)."""
        self._samples, self._above = 0, 0
        self.query_one(f"#{self._text_id}", Static).update(content)
        self.border_title = None

    def show_alert(self, alert: Alert, fmt: Any, utc: bool, *heading: str) -> None:
        """``alert``'s description and samples under ``heading`` (log data: made safe here)."""
        lines = [Content.assemble(("samples ", "bold"), " ".join(safe_text(part, 80) for part in heading))]
        if alert.description:
            lines.append(Content.assemble(("about ", "bold"), safe_text(alert.description, 500)))
        self._above = len(lines)
        self._samples = len(alert.samples)
        lines += [Content(f"  {safe_text(sample_text(fmt, sample, utc), 300)}") for sample in alert.samples]
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
        shown = max(0, min(self._samples, self._above + self._samples - top, height - max(0, self._above - top)))
        below = self._above + self._samples > top + height
        if shown >= self._samples:
            self.border_title = f"samples {self._samples}"
        else:
            more = " · tab, ↓ for more" if below else " · ↑ for the first"
            self.border_title = f"samples {shown} of {self._samples}{more}"


def sample_text(fmt: Any, line: str, utc: bool) -> str:
    """A sample decoded, or the raw line when it is not a record of ``fmt``."""
    return (record_summary(fmt, line, utc) if fmt is not None else None) or line
