"""ENI context on the top-N panel (issue 18, point 5): address and ENI rows followed by who they are,
asked through ``app.history.about`` in a thread worker (the UI goes on while EC2 is slow), cached,
cut with ``…`` to the key column and never cutting the key, at 80x24 and 120x40, with and without
NO_COLOR; without History access the rows are the keys alone."""

from __future__ import annotations

import threading
import time

from tui.app.about_cache import AboutCache
from tui.app.widgets.top_panel import TopPanel
from tui.history.model import Subject
from tui.run.history import HistoryAccess

from tests.app.conftest import ALL_LINES, build_app, feed, row_dict, screen_lines, visible_rows
from tests.app.test_fit_and_contrast import view  # noqa: F401 - fixture

WAIT_S = 10.0


class SlowContext:
    """Stands in for ENI context (tui.history.eni, tested against moto there): answers once
    ``gate`` is set, as a slow EC2 would, and counts the questions."""

    def __init__(self, template: str = "instance i-0{n:016x} (web-{n}) · subnet-0abc · vpc-0def · sg web") -> None:
        self.gate = threading.Event()
        self.asked: list[object] = []
        self._template = template

    def __call__(self, subject) -> str | None:
        self.asked.append(subject)
        self.gate.wait(WAIT_S)
        return self._template.format(n=len(self.asked))


def unbuilt_engine():
    raise AssertionError("the top-N panel asks no History question")


async def settle(pilot, done, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, what
        await pilot.pause(0.01)


def panel_rows(app, panel: TopPanel) -> list[str]:
    """The rendered text of the panel's body rows (inside its border, under its header)."""
    region = panel.region
    lines = screen_lines(app)[region.y + 2:region.y + 2 + min(len(panel.keys), visible_rows(panel))]
    return [line[region.x + 1:region.right - 1] for line in lines]


def check_rows(app, panel: TopPanel, context: dict[object, str | None]) -> int:
    """Every row's key whole (or cut with ``…`` where the column is narrower than the key, as
    without context), followed by nothing or by the start of its context ending in ``…``; returns
    how many rows show context."""
    shown = 0
    for index, (key, line) in enumerate(zip(panel.keys, panel_rows(app, panel))):
        cell = row_dict(panel, index)["key"]
        assert cell.startswith(key), (key, cell)
        rest = cell[len(key):]
        if rest:
            shown += 1
            about = next(text for text in context.values() if text and text.startswith(rest[2:].rstrip("…")))
            assert rest.startswith("  ") and (rest[2:] == about or rest.endswith("…")), (cell, about)
            assert cell in line, (cell, line)
        else:
            assert key in line or any(line.split()[1] == key[:n] + "…" for n in range(4, len(key))), (key, line)
    return shown


async def test_address_and_eni_rows_say_who_they_are_without_blocking(view):  # noqa: F811
    size, _ = view
    context = SlowContext()
    app = build_app()
    app.history = HistoryAccess({"local": unbuilt_engine}, about=context)
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(TopPanel)
        assert panel.dimension_name == "srcaddr"
        await settle(pilot, lambda: context.asked, "the worker asks")
        await pilot.press("b")  # EC2 is still answering the first question: the keys work meanwhile
        assert panel.by_bytes
        await feed(pilot)
        assert len(context.asked) == 1 and check_rows(app, panel, {}) == 0  # nothing known: keys alone

        context.gate.set()
        await settle(pilot, lambda: all(panel.about.known(s) for s in panel._subjects().values()), "answers")
        await pilot.pause()
        answers = {subject: panel.about.known(subject) for subject in panel._subjects().values()}
        shown = check_rows(app, panel, answers)
        key_width = next(width for spec, width in panel._layout if spec.key == "key")
        fits = [key for key in panel.keys[:len(panel_rows(app, panel))] if len(key) + 2 + 6 <= key_width]
        assert shown == len(fits)  # wherever the column has room
        if size == (120, 40):
            assert fits and shown

        asked = len(context.asked)
        await feed(pilot)  # a re-render asks nothing again: cached
        assert len(context.asked) == asked

        await pilot.press("n", "n", "n", "n")  # interfaces (ENIs)
        assert panel.dimension_name == "interface-id"
        await settle(pilot, lambda: all(panel.about.known(s) for s in panel._subjects().values()), "ENI answers")
        await pilot.pause()
        answers = {subject: panel.about.known(subject) for subject in panel._subjects().values()}
        check_rows(app, panel, answers)


async def test_wide_rows_show_the_whole_context():
    context = SlowContext("NAT gateway nat-{n:04x}")
    context.gate.set()
    app = build_app()
    app.history = HistoryAccess({"local": unbuilt_engine}, about=context)
    async with app.run_test(size=(160, 48)) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(TopPanel)
        await settle(pilot, lambda: all(panel.about.known(s) for s in panel._subjects().values()), "answers")
        await pilot.pause()
        first = row_dict(panel, 0)["key"]
        assert first == f"{panel.keys[0]}  {panel.about.known(panel._subjects()[panel.keys[0]])}"
        assert first in panel_rows(app, panel)[0]


async def test_ports_and_runs_without_history_show_the_keys_alone():
    context = SlowContext()
    context.gate.set()
    app = build_app()
    assert app.history is None
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(TopPanel)
        for _ in range(5):
            assert [row_dict(panel, i)["key"] for i in range(panel.row_count)] == [
                panel._label(key) for key in panel.keys]
            await pilot.press("n")
    app = build_app()
    app.history = HistoryAccess({"local": unbuilt_engine}, about=context)
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(TopPanel)
        await pilot.press("n", "n")  # destination ports: nothing to ask
        await feed(pilot)
        assert panel.dimension_name == "dstport" and panel._subjects() == {}
        assert all(row_dict(panel, i)["key"] == panel._label(key) for i, key in enumerate(panel.keys))


def test_the_cache_asks_each_subject_once_until_it_expires_and_stays_bounded():
    now = [0.0]
    cache = AboutCache(capacity=2, ttl_s=60, clock=lambda: now[0])
    a, b, c = (Subject("address", f"10.0.0.{i}") for i in (1, 2, 3))
    assert cache.claim([a, b, a]) == [a, b]
    assert cache.claim([a, b]) == []  # being asked
    cache.store(a, "instance i-0a")
    cache.release([b])  # its lookup was cancelled: asked again
    assert cache.known(a) == "instance i-0a" and cache.known(b) is None
    assert cache.claim([a, b]) == [b]
    cache.store(b, None)  # EC2 does not know it: not asked again either
    now[0] = 59
    assert cache.claim([a, b]) == []
    now[0] = 61
    assert cache.claim([a]) == [a] and cache.known(a) == "instance i-0a"  # shown until the new answer
    cache.store(a, "instance i-0a (web)")
    cache.store(c, "NAT gateway nat-0c")  # over capacity: b, the least recently shown, goes
    assert cache.known(c) == "NAT gateway nat-0c" and cache.known(a) == "instance i-0a (web)"
    assert cache.claim([b]) == [b]
