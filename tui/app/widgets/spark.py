"""Sparklines as text, for table cells (Textual's Sparkline widget is for standalone rows)."""

from __future__ import annotations

from typing import Sequence

BARS = " ▁▂▃▄▅▆▇█"


def spark_text(values: Sequence[float], width: int) -> str:
    """``values`` squeezed into ``width`` bars (each the max of its bucket), scaled to the largest.

    A zero is a blank, any non-zero value is at least one eighth, so one match in an hour still shows.
    """
    if width <= 0 or not values:
        return " " * max(width, 0)
    size = len(values)
    count = min(width, size)
    buckets = [max(values[i * size // count:(i + 1) * size // count]) for i in range(count)]
    top = max(buckets)
    if top <= 0:
        return " " * len(buckets)
    steps = len(BARS) - 1
    return "".join(BARS[0 if v <= 0 else max(1, round(v / top * steps))] for v in buckets)
