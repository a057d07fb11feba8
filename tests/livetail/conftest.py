"""Fixtures for the Live Tail tests: moto for the log group and FilterLogEvents, the local event-stream
server (``tail_server.py``) in front of it for StartLiveTail, and a collector that records every
delivered event and lets a test wait for a condition."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from tui.sources.budget import RequestBudget
from tui.sources.follower import LogEvent
from tui.sources.livetail import LiveTailSource, live_tail_client_factory

from tests.livetail.tail_server import LiveTailServer, tail_events

GROUP = "/vpc/flow-logs"
STALL_S = 1.0  # the tests' silence threshold; the server's heartbeat is 0.05 s
WAIT_S = 30.0


class Collector:
    """The source's ``deliver`` callback: every event, in order, and a condition to wait on."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.changed = threading.Condition()
        self.gate = threading.Event()  # cleared: deliver blocks (a slow consumer)
        self.gate.set()

    def __call__(self, batch: list[LogEvent]) -> None:
        self.gate.wait(WAIT_S)
        with self.changed:
            self.events.extend(batch)
            self.changed.notify_all()

    def messages(self) -> Counter[str]:
        with self.changed:
            return Counter(e.message for e in self.events)

    def wait_until(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        """Wait (on deliveries, re-checking at least every 50 ms for status changes) until ``predicate``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting for {what}"
                self.changed.wait(min(left, 0.05))


class Scenario:
    """Writes numbered flow events to moto and scripts what the Live Tail server sends of them."""

    def __init__(self, logs: Any, server: LiveTailServer) -> None:
        self.logs = logs
        self.server = server
        self.written: list[dict[str, Any]] = []
        self._next = 0
        self._streams: set[str] = set()
        self.arn = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"][0]["logGroupArn"]

    def put(self, n: int, *, stream: str = "eni-0a1b2c3d", late_s: float = 0.0) -> list[dict[str, Any]]:
        """Store ``n`` new events (timestamps ``late_s`` in the past); return them as moto stored them."""
        if stream not in self._streams:
            self.logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
            self._streams.add(stream)
        now = int((time.time() - late_s) * 1000)
        first, self._next = self._next, self._next + n
        messages = [
            f"2 123456789012 {stream} 10.0.0.{i % 250} 10.0.1.1 443 {40000 + i} 6 1 40 1 2 REJECT OK #{i}"
            for i in range(first, self._next)
        ]
        self.logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": now - n + k, "message": m} for k, m in enumerate(messages)],
        )
        wanted = set(messages)
        stored = [e for e in self._all() if e["message"] in wanted]
        assert len(stored) == n
        self.written += stored
        return stored

    def tail(self, events: list[dict[str, Any]], *, sampled: bool = False, held_ms: int = 0) -> None:
        """Have the Live Tail server send ``events`` in one update (``held_ms``: after that long in its buffer)."""
        self.server.update(tail_events(self.arn, events, held_ms), sampled=sampled)

    def _all(self) -> list[dict[str, Any]]:
        events, token = [], None
        while True:
            page = self.logs.filter_log_events(
                logGroupName=GROUP, interleaved=True, **({"nextToken": token} if token else {})
            )
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events


@pytest.fixture
def server(aws_endpoint: str) -> Iterator[LiveTailServer]:
    running = LiveTailServer(aws_endpoint).start()
    yield running
    running.stop()


@pytest.fixture
def scenario(aws_endpoint: str, server: LiveTailServer) -> Scenario:
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    logs.create_log_group(logGroupName=GROUP)
    return Scenario(logs, server)


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def budget() -> RequestBudget:
    return RequestBudget(5)


@pytest.fixture
def source_for(
    server: LiveTailServer, collector: Collector, budget: RequestBudget
) -> Iterator[Callable[..., LiveTailSource]]:
    """Build and start a source on the Live Tail server (stopped at the end of the test)."""
    started: list[LiveTailSource] = []

    def build(log_group: str = GROUP, **options: Any) -> LiveTailSource:
        options.setdefault("lookback_s", 0)
        options.setdefault("stall_s", STALL_S)
        options.setdefault("min_session_s", 0)  # the scripted timeouts come seconds into a session
        source = LiveTailSource(
            live_tail_client_factory("us-east-1", None, server.url), log_group, collector, budget=budget, **options
        )
        source.start()
        started.append(source)
        return source

    yield build
    for source in started:
        source.stop()
