"""A running session: an engine, the thread that feeds it, and what the UI or a headless loop reads.

The same object serves `replay`, `watch` and `demo`, with or without the TUI: a *feeder* function runs
in a background thread and calls :meth:`Session.ingest`; readers call :meth:`Session.snapshot` on
their own schedule. The engine is only touched under the session's lock, so the UI never sees a
half-merged batch, and never waits on AWS or disk (only on a merge in progress).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from tui.engine.engine import Engine, EngineSnapshot
from tui.engine.held import Found, HeldChunk, HeldStatus, search
from tui.engine.kernel import split_lines
from tui.engine.view_filter import FilteredLines, FlowFilter
from tui.errors import FlowtailError
from tui.rules import Alert

AlertListener = Callable[[Alert], None]
Feeder = Callable[["Session", threading.Event], None]


@dataclass(frozen=True)
class SessionSnapshot:
    """Everything a view needs, immutable: the engine's state plus the feeding side's."""

    mode: str  # "replay" | "watch" | "demo"
    engine: EngineSnapshot
    sources: tuple[Any, ...] = ()  # FollowerStatus objects (watch/demo), empty for replay
    finished: bool = False  # the feeder returned (a replay reached the end of its files)
    error: str | None = None  # the feeder failed: one line for an error banner
    delivery: Any = None  # alert delivery status, when notifiers are configured
    filtered: FilteredLines | None = None  # the flows filter's matches, while one is set
    taken_at: float = field(default_factory=time.time)


class Session:
    """An engine fed by one background thread."""

    def __init__(self, engine: Engine, feeder: Feeder, mode: str) -> None:
        self.engine = engine
        self.mode = mode
        self._feeder = feeder
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[AlertListener] = []
        self._sources: tuple[Any, ...] = ()
        self._delivery_status: Callable[[], Any] | None = None
        self._filter: FlowFilter | None = None
        self._filter_held: tuple[tuple[HeldChunk, ...], HeldStatus] | None = None  # what it has to search
        self.finished = False
        self.error: str | None = None

    # -- wiring ----------------------------------------------------------------------------------

    def on_alert(self, listener: AlertListener) -> None:
        """Call ``listener`` (in the feeding thread) for every alert transition."""
        self._listeners.append(listener)

    def set_delivery_status(self, provider: Callable[[], Any]) -> None:
        self._delivery_status = provider

    # -- feeding side ----------------------------------------------------------------------------

    def ingest(self, lines: Sequence[str], times: Sequence[int] | None = None, now_ms: int = 0) -> list[Alert]:
        with self._lock:
            alerts = self.engine.ingest(lines, times, now_ms)
            if self._filter is not None:
                self._filter.feed(lines)
        self._announce(alerts)
        return alerts

    def ingest_text(self, text: str) -> list[Alert]:
        with self._lock:
            alerts = self.engine.ingest_text(text)
            if self._filter is not None:
                self._filter.feed(split_lines(text))
        self._announce(alerts)
        return alerts

    def set_flow_filter(self, pattern: Any, text: str = "") -> None:
        """Keep the newest lines matching ``pattern`` from now on; None removes the filter. The
        records held until now are searched by :meth:`search_flow_filter` (when the engine holds
        none, the filter starts from the engine's recent rows)."""
        with self._lock:
            recent = self.engine.recent
            held = self.engine.held
            self._filter_held = None
            if pattern is None:
                self._filter = None
            elif held.cap:
                self._filter = FlowFilter(pattern, text, recent.maxlen or 1, searching=True)
                self._filter_held = (held.chunks(), held.status())
            else:
                self._filter = FlowFilter(pattern, text, recent.maxlen or 1, recent)

    def search_flow_filter(self, cancelled: Callable[[], bool] = lambda: False) -> Found | None:
        """Search the records held when the filter was set, without the lock (call it from a worker
        thread), and put the matches before the ones seen since. None when there is nothing to
        search, or the filter changed or the search was cancelled meanwhile."""
        with self._lock:
            flow_filter, held = self._filter, self._filter_held
        if flow_filter is None or held is None:
            return None
        pattern = flow_filter.pattern
        chunks, status = held
        found = search(
            chunks, status, lambda fmt: lambda fields, line, time: pattern.matches(line),
            flow_filter.rows, cancelled=cancelled,
        )
        if found.cancelled:
            return None
        with self._lock:
            if self._filter is not flow_filter:
                return None
            self._filter_held = None
            flow_filter.seed([line for line, _ in found.lines], found.total, status)
        return found

    def evidence(
        self, rule_index: int, group: Any, since_ms: int | None, until_ms: int | None, limit: int,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Found:
        """The held records of rule ``rule_index`` (and of ``group``, an alert's group dict, when
        given) with event times in (``since_ms``, ``until_ms``]: the newest ``limit``, all counted.
        Scans without the lock: call it from a worker thread."""
        with self._lock:
            held = self.engine.held
            chunks, status = held.chunks(), held.status()
            test = self.engine.rule_test(rule_index, group)
        return search(chunks, status, test, limit, since_ms=since_ms, until_ms=until_ms, cancelled=cancelled)

    def held_status(self) -> HeldStatus:
        with self._lock:
            return self.engine.held.status()

    def use_format(self, fmt: Any) -> None:
        """Switch the record layout (an S3 file's header) between two batches."""
        with self._lock:
            self.engine.use_format(fmt)

    def set_sources(self, statuses: Sequence[Any]) -> None:
        self._sources = tuple(statuses)

    @property
    def sources(self) -> tuple[Any, ...]:
        """The followers' latest statuses (cheap: no engine snapshot)."""
        return self._sources

    def _announce(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            for listener in self._listeners:
                listener(alert)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"flowtail-{self.mode}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._feeder(self, self._stop)
        except FlowtailError as error:  # the user's problem, said in their words: no class name
            self.error = str(error).splitlines()[0]
        except Exception as error:  # noqa: BLE001 - shown in the UI's error banner, never a crash
            self.error = f"{type(error).__name__}: {error}".splitlines()[0]
        finally:
            self.finished = True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the feeder to finish; True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- reading side ----------------------------------------------------------------------------

    def busiest_groups(self, rule_index: int, count: int = 50) -> list[tuple[Any, float, bool]]:
        """A rule's busiest live groups now (and every alarming one): (group key, value, alarming)."""
        with self._lock:
            rules = self.engine.rules
            return rules.rules[rule_index].busiest(rules.watermark, count)

    def group_window_ends(self, rule_index: int, keys: Sequence[Any]) -> dict[Any, int | None]:
        """Where each group's window ends now (ms): a group's value is over the window ending at its
        newest record, not at the watermark."""
        with self._lock:
            groups = self.engine.rules.rules[rule_index].groups
            return {key: None if key not in groups else groups[key].end for key in keys}

    def snapshot(self, minutes: int = 60, top_n: int = 10) -> SessionSnapshot:
        with self._lock:
            engine = self.engine.snapshot(minutes, top_n)
            filtered = None if self._filter is None else self._filter.view()
        delivery = self._delivery_status() if self._delivery_status else None
        return SessionSnapshot(self.mode, engine, self._sources, self.finished, self.error, delivery, filtered)


def replay_feeder(paths: Sequence[str], fmt: Any, records_per_s: float | None = None) -> Feeder:
    """Feed files chunk by chunk; ``records_per_s`` paces them (None = as fast as possible) in
    batches of a tenth of a second, each due at ``lines sent / records_per_s`` after the start."""
    from tui.sources.files import CHUNK_BYTES, read_chunks

    def feed(session: Session, stop: threading.Event) -> None:
        began, sent = time.monotonic(), 0
        for path in paths:
            first = True
            for chunk in read_chunks(path, CHUNK_BYTES):
                if first:  # a file starts in its header's layout, else the configured one
                    session.use_format(chunk.fmt or fmt)
                    first = False
                if not records_per_s:
                    if stop.is_set():
                        return
                    session.ingest_text(chunk.text)
                    continue
                lines = split_lines(chunk.text)
                step = max(1, int(records_per_s / 10))
                for start in range(0, len(lines), step):
                    if stop.wait(max(0.0, began + sent / records_per_s - time.monotonic())):
                        return
                    batch = lines[start:start + step]
                    session.ingest(batch)
                    sent += len(batch)

    return feed
