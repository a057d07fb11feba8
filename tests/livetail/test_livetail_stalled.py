"""A Live Tail source that hears nothing reads ``stalled`` (issue 17, "never blind"), as a polling or
Kinesis source does: a stream that sends neither events nor its every-second heartbeat, and a
reconnect that gets no answer. Against the local Live Tail server (``tail_server.py``), through
boto3's parser; the headless run shows it in status lines and says it once on stderr, then
``recovered``."""

from __future__ import annotations

import io
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tui.app.widgets.status_bar import source_status
from tui.config import load_config
from tui.run.live import Headless, open_live
from tui.sinks.jsonl import JsonLines

from tests.livetail.conftest import GROUP, STALL_S, WAIT_S, Collector, Scenario
from tests.livetail.tail_server import LiveTailServer

SILENT = f"stalled: no answer for over {STALL_S:g} s (Live Tail sends an update every second)"
UNANSWERED = f"stalled: no answer for over {STALL_S:g} s (the call waits for its deadline)"


def test_a_silent_stream_reads_stalled_until_it_speaks_again(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    released = server.hold()  # the connection stays open; no update, no heartbeat
    try:
        collector.wait_until(lambda: source.status().state == "stalled", "the stall")
        stalled = source.status()
        assert stalled.last_error == SILENT and stalled.errors == 0
        shown = source_status(stalled, now=stalled.last_poll or 0.0).plain
        assert shown.startswith(f"✖ tail:{GROUP} stalled ") and SILENT in shown
    finally:
        released.set()
    collector.wait_until(lambda: source.status().state == "live", "live again")
    status = source.status()
    assert status.last_error is None and status.reconnects == 0  # the same session spoke again
    assert status.gaps == 1  # and the silence is backfilled, as before


def test_a_reconnect_that_gets_no_answer_reads_stalled(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    released = server.hang("StartLiveTail")  # the next session's request: no headers, nothing
    server.close()  # the session's connection drops: reconnect
    try:
        collector.wait_until(lambda: source.status().state == "stalled", "the stalled reconnect")
        status = source.status()
        assert status.last_error == UNANSWERED and status.errors == 1 and server.sessions == 1
    finally:
        del server.hung["StartLiveTail"]
        released.set()
    collector.wait_until(lambda: source.status().state == "live" and server.sessions == 2, "the new session")
    assert source.status().last_error is None and source.status().reconnects == 1


def test_a_stream_that_trickles_bytes_without_a_frame_is_cut_and_its_silence_backfilled(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    """Bytes keep coming, so the read timeout never fires, but no update does: the session reads
    stalled, is cut after ``cut_s``, and a new one streams; what was stored meanwhile is backfilled.
    Without the cut the reader would wait on the trickle for as long as it lasts."""
    source = source_for(cut_s=3 * STALL_S)
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    released = server.trickle()
    try:
        collector.wait_until(lambda: source.status().state == "stalled", "the stall")
        missed = scenario.put(3)  # stored while the session trickles: never streamed
        collector.wait_until(lambda: server.sessions == 2, "the session cut and another opened")
        collector.wait_until(lambda: source.status().state == "live", "live again")
    finally:
        released.set()
    collector.wait_until(lambda: collector.messages() == Counter(e["message"] for e in missed), "the backfill")
    status = source.status()
    assert status.reconnects == 1 and status.gaps == 1 and status.errors == 1
    assert status.last_error is None


def test_the_cut_says_why_until_the_next_session_starts(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(cut_s=3 * STALL_S)
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    released = server.trickle()
    seen: list[Any] = []
    try:
        collector.wait_until(lambda: seen.append(source.status()) or seen[-1].state == "error", "the cut")
    finally:
        released.set()
    assert seen[-1].last_error == f"no Live Tail update for over {3 * STALL_S:g} s: the session was cut; reconnecting"
    assert seen[-1].errors == 1 and seen[-1].retry_in_s is not None  # backing off: an error, not a stall


def test_stop_ends_a_reader_blocked_on_a_trickling_stream(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()  # the default cut, 30 s: longer than the test waits
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    released = server.trickle()
    try:
        collector.wait_until(lambda: source.status().state == "stalled", "the stall")
        source.stop(timeout=WAIT_S)
        assert not source.running()
    finally:
        released.set()


class _LongBackoff(random.Random):
    """Every backoff at its longest (15 s and more for a refused permission): outlasts the test."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backing_off_after_an_error_is_an_error_not_a_stall(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    """Between attempts nothing is awaited: the source shows its error and when it retries, however
    long ago it last heard from AWS (its clock is moved on past the threshold)."""
    shift = [0.0]
    server.refuse["StartLiveTail"] = (400, "AccessDeniedException", "not authorized to perform logs:StartLiveTail")
    source = source_for(rng=_LongBackoff(), clock=lambda: time.time() + shift[0])
    collector.wait_until(lambda: source.status().retry_in_s is not None, "the backoff")
    shift[0] += 100 * STALL_S
    status = source.status()
    assert status.state == "error" and status.last_error.startswith("access denied")


class _Lines(JsonLines):
    """Headless stdout kept in memory; a test waits on it for a line it expects."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.changed = threading.Condition()
        self.objects: list[dict[str, Any]] = []

    def write(self, obj: dict[str, Any]) -> None:
        super().write(obj)
        with self.changed:
            self.objects.append(obj)
            self.changed.notify_all()

    def wait_for(self, predicate: Any, what: str) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.states()), WAIT_S), what

    def states(self) -> list[str]:
        return [line["state"] for line in self.objects if line["type"] == "status"]


CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: /vpc/flow-logs
    via: live-tail
follow:
  lookback: 0s
rules:
  - name: rejects
    pattern: '[..., action=REJECT, status]'
    threshold: 3
    window: 60s
"""


def test_headless_shows_a_stalled_live_tail_in_status_lines_and_once_on_stderr(
    scenario: Scenario, server: LiveTailServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tui.sources.livetail.STALL_S", STALL_S)
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.format(endpoint=server.url))
    out = _Lines()
    printer = Headless(out, status_every_s=0.1)
    live = open_live(load_config(path))
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(printer.run(live, WAIT_S)), daemon=True)
    runner.start()
    released: threading.Event | None = None
    try:
        out.wait_for(lambda states: "live" in states, "a live status line")
        released = server.hold()
        held_at = len(out.states())  # a loaded start may have read stalled already: not this stall
        out.wait_for(lambda states: "stalled" in states[held_at:], "a stalled status line")
        released.set()

        def live_twice_after_the_stall(states: list[str]) -> bool:  # stderr is written before each line
            after = states[len(states) - states[::-1].index("stalled"):]
            return after.count("live") >= 2

        out.wait_for(live_twice_after_the_stall, "live status lines after the stall")
    finally:
        if released is not None:
            released.set()
        live.session.stop()
        runner.join(WAIT_S)
    assert result == [0]
    # The stall the hold made (on a loaded machine the start itself can outlast the tests' 1 s
    # threshold, and read stalled as well, as it should).
    statuses = [line for line in out.objects if line["type"] == "status"]
    stalled = next(line for line in statuses[held_at:] if line["state"] == "stalled")
    assert stalled["lastError"] == SILENT and stalled["via"] == "live-tail" and stalled["logGroup"] == GROUP
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if line.startswith(f"flowtail: {GROUP}: ")]
    assert said[-2:] == [f"flowtail: {GROUP}: {SILENT}", f"flowtail: {GROUP}: recovered"]
    # each stall said once, however many status lines it lasted, and its end once
    assert all(line.startswith(f"flowtail: {GROUP}: stalled: ") for line in said[0::2])
    assert said[1::2] == [f"flowtail: {GROUP}: recovered"] * (len(said) // 2) and len(said) % 2 == 0
