"""Sparklines as text, for table cells (Textual's Sparkline widget is for standalone rows)."""

from __future__ import annotations

from typing import Sequence

BARS = " ▁▂▃▄▅▆▇█"


def spark_text(values: Sequence[float], width: int) -> str:
    """The last ``width`` of ``values`` (one per minute), one bar each, the newest at the right,
    scaled to the largest shown; blanks on the left when there are fewer values than bars.

    A zero is a blank, any non-zero value is at least one eighth, so one match in an hour still shows.
    """
    if width <= 0:
        return ""
    shown = list(values[-width:])
    pad = " " * (width - len(shown))
    top = max(shown, default=0)
    if top <= 0:
        return " " * width
    steps = len(BARS) - 1
    return pad + "".join(BARS[0 if v <= 0 else max(1, round(v / top * steps))] for v in shown)
