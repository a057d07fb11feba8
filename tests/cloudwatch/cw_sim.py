"""Fake time and simulated arrival of log events, for the follower tests.

moto refuses timestamps more than 2 hours ahead of (or 14 days behind) the real clock, so scenarios
start fake time 40 minutes in the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from tui.sources.cloudwatch import Follower, LogEvent


class FakeClock:
    """Seconds since the epoch, moved only by ``advance`` (and by ``sleep``, for the budget)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    sleep = advance


@dataclass(frozen=True)
class Planned:
    """An event to write: its stream, timestamp (ms), and when it arrives (fake epoch s)."""

    stream: str
    timestamp_ms: int
    arrives: float
    message: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.stream, self.timestamp_ms, self.message)


def key_of(event: LogEvent) -> tuple[str, int, str]:
    return (event.log_stream, event.timestamp, event.message)


class Writer:
    """Writes planned events into moto as they arrive: one sorted put per stream per step."""

    def __init__(self, logs, group: str, planned: Iterable[Planned]) -> None:
        self.logs = logs
        self.group = group
        self.waiting = sorted(planned, key=lambda p: p.arrives)
        self.streams: set[str] = set()

    def write_arrived(self, now: float) -> None:
        batch: dict[str, list[Planned]] = {}
        while self.waiting and self.waiting[0].arrives <= now:
            planned = self.waiting.pop(0)
            batch.setdefault(planned.stream, []).append(planned)
        for stream, events in batch.items():
            if stream not in self.streams:
                self.logs.create_log_stream(logGroupName=self.group, logStreamName=stream)
                self.streams.add(stream)
            events.sort(key=lambda p: p.timestamp_ms)
            self.logs.put_log_events(
                logGroupName=self.group,
                logStreamName=stream,
                logEvents=[{"timestamp": p.timestamp_ms, "message": p.message} for p in events],
            )


def run_follower(follower: Follower, writer: Writer, clock: FakeClock, until: float, step_s: float = 1.0) -> list[LogEvent]:
    """Advance fake time in steps until ``until``: write what has arrived, poll when due."""
    delivered: list[LogEvent] = []
    while clock.now <= until:
        writer.write_arrived(clock.now)
        if follower.next_due() <= 0:
            delivered.extend(follower.poll())
        clock.advance(step_s)
    return delivered
