"""A Live Tail stream frame that is not the API's (not UTF-8, not JSON, the wrong shape) is an error the
source names, counts and recovers from by reconnecting (and backfilling the gap): never a dead reader
thread while the status still says ``live``."""

from __future__ import annotations

import random

import pytest

from tests.livetail.conftest import Collector, Scenario
from tests.livetail.tail_server import LiveTailServer, frame


class _LongestBackoff(random.Random):
    """Every backoff at its longest: the error stays on show until the test has read it."""

    def uniform(self, a: float, b: float) -> float:
        return b


_EVENT = {":message-type": "event", ":event-type": "sessionUpdate", ":content-type": "application/json"}


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe not utf-8", b'{"sessionMetadata": 7, "sessionResults": "all of them"}',
     b'{"sessionResults": [{"ingestionTime": "late"}]}'],
    ids=["not-utf8", "wrong-shape", "time-as-text"],
)
def test_an_unreadable_frame_is_an_error_then_the_stream_resumes(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer, payload: bytes
) -> None:
    source = source_for(stall_s=30, rng=_LongestBackoff())
    collector.wait_until(lambda: source.status().state == "live", "a live session")
    server.raw(frame(_EVENT, payload))
    collector.wait_until(lambda: source.status().errors >= 1, "the frame counted as an error")
    assert source.status().last_error.startswith(("unreadable Live Tail stream frame (",
                                                  "unreadable answer from CloudWatch Logs: StartLiveTail: "))

    collector.wait_until(lambda: source.status().state == "live" and server.open_sessions == 1, "live again")
    assert source.status().reconnects >= 1
    scenario.tail(scenario.put(3))  # streamed by the new session (the old one has closed)
    collector.wait_until(lambda: len(collector.events) >= 3, "the events after the bad frame")
