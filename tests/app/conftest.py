"""Helpers for the pilot tests of the terminal UI.

Every test builds a :class:`FlowtailApp` over a :class:`Session` that is never started (no feeder
thread, no refresh timer: ``live=False``), feeds it with ``session.ingest`` and calls
``app.refresh_view()`` itself, as the refresh tick would. The clock is a :class:`FrozenClock`.
"""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable, Sequence

import pytest
from textual import events
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable

from tui.app.app import FlowtailApp
from tui.app.sample import T0, FrozenClock, sample_config, sample_lines
from tui.config import RuleConfig
from tui.engine.engine import engine_from_config
from tui.patterns import compile_pattern
from tui.run.history import history_access
from tui.run.session import Session

# The sample traffic (30 minutes, as the snapshot tests use it too) with and without its attacks
# (which come in the last minutes); the attack lines are the difference (the ordinary traffic draws
# the same random numbers in both).
MINUTES = 30
END = T0 + MINUTES * 60  # the sample's last second
ALL_LINES: tuple[str, ...] = tuple(sample_lines(MINUTES))
NORMAL_LINES: tuple[str, ...] = tuple(sample_lines(MINUTES, attacks=False))
_NORMAL = set(NORMAL_LINES)
ATTACK_LINES: tuple[str, ...] = tuple(line for line in ALL_LINES if line not in _NORMAL)

SIZE = (100, 30)
WIDE = (160, 48)


def build_app(config: Any = None, *, clock: FrozenClock | None = None) -> FlowtailApp:
    """An app over a fresh, unstarted session of ``config`` (default: :func:`sample_config`); the
    clock is frozen at the end of the sample traffic."""
    config = sample_config() if config is None else config
    session = Session(engine_from_config(config), feeder=lambda session, stop: None, mode="replay")
    return FlowtailApp(session, config, clock=clock or FrozenClock(END), live=False)


def with_rules(config: Any, *rules: RuleConfig) -> Any:
    return dataclasses.replace(config, rules=tuple(rules))


def rule(name: str, pattern: str, threshold: float, *, window_s: float = 60, group_by: Sequence[str] = ("srcaddr",),
         severity: str = "high", measure: str = "count", field: str | None = None) -> RuleConfig:
    return RuleConfig(name=name, pattern_text=pattern, pattern=compile_pattern(pattern), threshold=threshold,
                      window_s=window_s, group_by=tuple(group_by), measure=measure, measure_field=field,
                      severity=severity)


@asynccontextmanager
async def fed_dashboard(lines: Iterable[str] = ALL_LINES, size: tuple[int, int] = SIZE) -> AsyncIterator[tuple[FlowtailApp, Pilot]]:
    """A running app over :func:`build_app` with ``lines`` ingested and shown."""
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, lines)
        yield app, pilot


async def feed(pilot: Pilot, lines: Iterable[str] = ()) -> None:
    """Ingest ``lines`` (may be none), run one refresh tick, let the screen settle."""
    app = pilot.app
    lines = list(lines)
    if lines:
        app.session.ingest(lines)
    app.refresh_view()
    await pilot.pause()


async def paste(pilot: Pilot, text: str) -> None:
    """Put ``text`` into the focused input as a terminal paste does (one event, where typing it
    key by key costs a test about 0.1 s a character)."""
    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


def screen_lines(app: FlowtailApp) -> list[str]:
    """The text of every cell of the current screen (modal screens included, toasts included), as
    the compositor would send it to the terminal, one string per row."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


async def footer_line(pilot: Pilot, showing: str = "", rounds: int = 200) -> str:
    """The screen's last row once its footer has drawn its keys (and ``showing``, a key the test
    expects): Textual's footer recomposes a refresh after the screen's bindings change, later on a
    loaded machine, and a test that read it at once saw a blank row. Each round waits for the app
    to be idle again (no timers); after the last, the row as it is, for the test to judge."""
    for _ in range(rounds):
        line = screen_lines(pilot.app)[-1]
        if line.strip() and showing in line:
            return line
        await pilot.pause()
    return screen_lines(pilot.app)[-1]


def screen_text(app: FlowtailApp) -> str:
    return "\n".join(screen_lines(app))


def column_keys(table: DataTable) -> list[str]:
    """Each column's key, or its label when it was added without one."""
    return [column.label.plain if column.key.value is None else str(column.key.value) for column in table.ordered_columns]


def row_dict(table: Any, index: int) -> dict[str, str]:
    """Row ``index`` of a table as {column key: plain text}: a DataTable's cells, or the flows
    table's (``row_cells``: every column of the row, shown at this width or not)."""
    if hasattr(table, "row_cells"):
        return dict(table.row_cells(index))
    return {key: _plain(cell) for key, cell in zip(column_keys(table), table.get_row_at(index))}


def rows(table: Any) -> list[dict[str, str]]:
    return [row_dict(table, index) for index in range(table.row_count)]


def visible_rows(table: Any) -> int:
    """How many body rows fit in a table (its content height less the header line)."""
    header = getattr(table, "header_height", 1)
    return table.scrollable_content_region.height - header


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


def title_text(widget: Any) -> str:
    """A widget's border title as plain text (a Content or a markup string)."""
    title = getattr(widget, "_border_title", None)  # the Content as set: ``border_title`` gives
    if hasattr(title, "plain"):  # it back as markup, which does not always parse again
        return title.plain
    return Content.from_markup(str(widget.border_title or "")).plain


def rendered(widget: Any) -> str:
    """A Static's current content as plain text."""
    return str(widget.render())


# positions in the default format
SRCADDR, SRCPORT = 3, 5


@pytest.fixture(params=[False, True], ids=["colour", "no-color"])
def no_color(request, monkeypatch):
    """Each test twice: with colour, and with ``NO_COLOR=1 TERM=xterm``."""
    if request.param:
        monkeypatch.setenv("NO_COLOR", "1")
        monkeypatch.setenv("TERM", "xterm")
    return request.param


@pytest.fixture
def local_app(tmp_path, monkeypatch):
    """An app over the sample whose History is the local engine over the same records in a file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "flows.log"
    path.write_text("\n".join(ALL_LINES) + "\n")
    config = sample_config()
    config = dataclasses.replace(config, history=dataclasses.replace(config.history, files=(str(path),)))
    app = build_app(config)
    app.history = history_access(config)
    return app


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def select_flow_from(pilot, source: str) -> None:
    table = pilot.app.screen.query_one("#flows")
    index = next(i for i in range(table.row_count) if table.row_cells(i)["source"] == source)
    table.move_cursor(index)
    await pilot.pause()
