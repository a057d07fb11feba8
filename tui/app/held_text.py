"""How far back the session's held records reach, in words, for titles ("last 20m held")."""

from __future__ import annotations

from typing import Any

from tui.app.format import duration


def held_scope(held: Any) -> str:
    """``since start`` while nothing was dropped, else ``last 20m held``, with the cap named when it
    (not only age) dropped records; ``held`` is a :class:`tui.engine.held.HeldStatus`."""
    span = held.span_ms
    if span is None:
        return "since start"
    text = f"last {duration(span / 1000)} held"
    if held.capped:
        text += f" (cap {held.cap:,} records)"
    return text


def filter_scope(filtered: Any) -> str:
    """What the flows filter has searched (``filtered``: a snapshot's FilteredLines): ``33 matched,
    last 20m held``, or that the held records are still being searched."""
    if filtered.searching:
        return "searching the held records…"
    if filtered.held is None:
        return f"{filtered.matched:,} matched since set"
    scope = held_scope(filtered.held)
    return f"{filtered.matched:,} matched{' ' if scope == 'since start' else ', '}{scope}"
