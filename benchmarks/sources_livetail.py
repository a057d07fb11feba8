#!/usr/bin/env python3
"""The late-arrival scenario through the Live Tail source, and how fast its stream path goes.

The scenario is bench_follow.py's (300 events over 60 s across 3 ENI streams, a third of them
ingested 5-15 minutes after their timestamp). Live Tail streams in ingestion order, so here the
events are ingested (written to moto, and sent by the local event-stream server of
tests/livetail/tail_server.py through boto3's own parser) in their arrival order, each with its
lateness kept: timestamp = ingestion time - (arrival - timestamp). No fake clock is needed: Live
Tail does not select by timestamp; only a backfill does, and it runs on the real clock.

``run_live_tail`` reports lost, duplicated, API calls, events transferred (streamed + read by
backfills) and transferred / delivered. With ``interruptions`` the session times out that many times
mid-run and the events ingested before the next session starts are never streamed: the backfill
after each gap must recover them. ``stream_throughput`` measures events/s from the server through
boto3's event-stream parser to ``deliver`` (AWS itself streams at most 500 events/s per session).

bench_sources.py imports both; run alone: python benchmarks/sources_livetail.py [--events 300]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT.parent), str(ROOT)]  # tui and the tests' helpers; bench_follow beside us

from bench_follow import GROUP, STREAMS, scenario  # noqa: E402

from tui.sources.budget import RequestBudget  # noqa: E402
from tui.sources.follower import LogEvent  # noqa: E402
from tui.sources.livetail import LiveTailSource, live_tail_client_factory  # noqa: E402

from tests.cloudwatch.cw_sim import Planned  # noqa: E402
from tests.livetail.tail_server import LiveTailServer  # noqa: E402

MAX_DELAY_S = 1200.0
_stamp = itemgetter("timestamp")
WAIT_S = 120.0


class _Delivered:
    def __init__(self, deliver: Callable[[list[LogEvent]], None] | None = None) -> None:
        self.messages: Counter[str] = Counter()
        self.changed = threading.Condition()
        self._deliver = deliver

    def __call__(self, batch: list[LogEvent]) -> None:
        if self._deliver is not None:
            self._deliver(batch)
        with self.changed:
            self.messages.update(event.message for event in batch)
            self.changed.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        with self.changed:
            while not predicate():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"benchmark stuck waiting for {what}")
                self.changed.wait(0.05)


def _start(endpoint: str, deliver: _Delivered, **options: Any) -> tuple[LiveTailServer, LiveTailSource, Any]:
    import boto3

    logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
    existing = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    if not any(group["logGroupName"] == GROUP for group in existing):
        logs.create_log_group(logGroupName=GROUP)
    for stream in STREAMS:
        if not logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=stream)["logStreams"]:
            logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    server = LiveTailServer(endpoint, heartbeat_s=0.5).start()
    factory = live_tail_client_factory("us-east-1", None, server.url)
    source = LiveTailSource(factory, GROUP, deliver, budget=RequestBudget(5), lookback_s=0, **options)
    source.start()
    deliver.wait(lambda: source.status().state == "live", "the Live Tail session")
    return server, source, logs


def run_live_tail(planned: Sequence[Planned], endpoint: str, *, interruptions: int = 0) -> dict[str, Any]:
    """Ingest ``planned`` in arrival order through moto and the Live Tail server; see the docstring."""
    delivered = _Delivered()
    # A silence long enough to count as a gap would only add backfills: keep them to the scripted ones.
    server, source, logs = _start(endpoint, delivered, max_delay_s=MAX_DELAY_S, stall_s=30.0)
    began = time.perf_counter()
    try:
        by_arrival = sorted(planned, key=lambda p: p.arrives)
        steps = [list(group) for _, group in groupby(by_arrival, key=lambda p: p.arrives)]
        cut_at = {len(steps) * (k + 1) // (interruptions + 1) for k in range(interruptions)}
        for index, step in enumerate(steps):
            streamed = index not in cut_at
            if not streamed:
                server.timeout()  # the session ends; this step is ingested before the next one starts
            now_ms = int(time.time() * 1000)
            events = []
            for stream, group in groupby(sorted(step, key=lambda p: p.stream), key=lambda p: p.stream):
                late_ms = [(int(p.arrives * 1000) - p.timestamp_ms, p.message) for p in group]
                stamped = ({"timestamp": now_ms - late, "message": message} for late, message in late_ms)
                batch = sorted(stamped, key=_stamp)
                logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=batch)
                events += [{**e, "logStreamName": stream, "ingestionTime": now_ms} for e in batch]
            if streamed:
                server.update(events)
            else:  # as in AWS, the backfill runs right after the new session starts, before more arrive
                ended = sum(1 for c in cut_at if c <= index)
                delivered.wait(lambda ended=ended: source.status().backfills >= ended, "a backfill")
        marker = f"marker {time.time()}"
        server.update([{"logStreamName": STREAMS[0], "timestamp": int(time.time() * 1000), "message": marker}])
        delivered.wait(lambda: delivered.messages[marker] > 0, "the marker")
        took = time.perf_counter() - began
    finally:
        source.stop()
        server.stop()
    status = source.status()
    expected = Counter(p.message for p in planned)
    got = delivered.messages.copy()
    del got[marker]
    transferred = round(status.reread_ratio * status.events) - 1  # the marker came through the stream
    distinct = sum(1 for message in got if message in expected)
    return {
        "source": "live-tail" + (f", {interruptions} session(s) lost" if interruptions else ""),
        "events": len(planned),
        "lost": sum((expected - got).values()),
        "duplicated": sum(n - 1 for n in got.values() if n > 1),
        "api_calls": status.calls,
        "transferred": transferred,
        "delivered": distinct,
        "ratio": transferred / max(1, distinct),
        "gaps": status.gaps,
        "seconds": took,
    }


def stream_throughput(
    endpoint: str, *, updates: int = 200, per_update: int = 500, deliver: Callable[[list[LogEvent]], None] | None = None
) -> float:
    """Events/s along the stream path: server, HTTP, boto3's parser, reader, worker, ``deliver``."""
    delivered = _Delivered(deliver)
    server, source, _ = _start(endpoint, delivered, stall_s=30.0, queue_updates=updates + 8)
    try:
        base = int(time.time() * 1000)
        stream = STREAMS[0]
        line = "2 123456789012 {stream} 10.0.0.{a} 10.0.1.{b} {port} 443 6 10 8400 {t} {t} ACCEPT OK"
        for u in range(updates):
            messages = [
                line.format(stream=stream, a=i % 250, b=u % 250, port=1024 + u * per_update + i, t=base // 1000)
                for i in range(per_update)
            ]
            server.update(
                [
                    {"logStreamName": stream, "timestamp": base + i, "ingestionTime": base, "message": message}
                    for i, message in enumerate(messages)
                ]
            )
        total = updates * per_update
        began = time.perf_counter()
        delivered.wait(lambda: sum(delivered.messages.values()) >= total, "the stream")
        return total / (time.perf_counter() - began)
    finally:
        source.stop()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"):
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        planned = scenario(time.time() - 30 * 60, args.events, args.seed)
        rows = []
        for interruptions in (0, 1):
            import urllib.request

            reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
            urllib.request.urlopen(reset, timeout=10).close()
            rows.append(run_live_tail(planned, endpoint, interruptions=interruptions))
        rate = stream_throughput(endpoint)
    finally:
        server.stop()
    late = args.events // 3
    print(f"{args.events} events, 3 streams, {late} ingested 5-15 min after their timestamp, in arrival order")
    print(f"{'source':<30} {'lost':>5} {'twice':>6} {'calls':>6} {'transferred':>12} {'ratio':>6} {'gaps':>5}")
    for row in rows:
        print(
            f"{row['source']:<30} {row['lost']:>5} {row['duplicated']:>6} {row['api_calls']:>6} "
            f"{row['transferred']:>12} {row['ratio']:>6.2f} {row['gaps']:>5}"
        )
    print(f"stream path: {rate:,.0f} events/s through boto3's event-stream parser (AWS sends at most 500/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
