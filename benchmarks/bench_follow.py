#!/usr/bin/env python3
"""Following late flow-log events: flowtail's tiered follower against the usual tailer loop.

Starts a moto server on loopback, then simulates (on a fake clock, one-second steps) the reference
scenario of the moto notes (benchmarks/README.md): 300 events with timestamps spread over 60 s across 3 ENI
streams; each stream delivers its on-time events in batches every 10 s, and a third of the events are
written 5-15 minutes after their timestamp. Every follower starts from 20 minutes back and polls every
5 s. Compared:

  flowtail      Follower with its default tiers (max_delay 20 min)
  full-window   the same Follower re-reading the whole 20 min window every poll (one tier)
  newest-ts     the loop of `aws logs tail --follow` and most tailers: restart from the newest
                timestamp seen, dedupe only the ids at that timestamp

Reports events lost (late / on time), delivered twice, FilterLogEvents calls, events read, and the
re-read ratio (events read / distinct events delivered).

usage: python benchmarks/bench_follow.py [--events 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the simulation helpers live with the tests

from tui.sources.cloudwatch import Follower, RequestBudget, make_logs_client  # noqa: E402
from tui.sources.rescan import Tier  # noqa: E402

from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer  # noqa: E402

GROUP = "/vpc/flow-logs"
STREAMS = ["eni-0a1b2c3d", "eni-1f2e3d4c", "eni-2b3c4d5e"]
POLL_S = 5.0
LOOKBACK_S = 1200.0
MAX_DELAY_S = 1200.0
FLUSH_S = 10  # each stream's on-time batches


def scenario(start: float, n: int, seed: int) -> list[Planned]:
    rng = random.Random(seed)
    planned = []
    for i in range(n):
        stream = STREAMS[i % len(STREAMS)]
        stamp = start + rng.uniform(0, 60)
        if i % 3 == 2:
            arrives = int(stamp + rng.uniform(300, 900))
        else:  # on time: in the stream's next batch (streams flush at different offsets)
            offset = 3 * STREAMS.index(stream)
            arrives = start + offset + FLUSH_S * (int((stamp - start - offset) // FLUSH_S) + 1)
        planned.append(Planned(stream, int(stamp * 1000), float(arrives), f"flow {i} late={i % 3 == 2}"))
    return planned


@dataclass
class NewestTimestampLoop:
    """Poll from the newest timestamp seen; remember only the ids at that timestamp."""

    client: Any
    clock: FakeClock
    start_ms: int
    calls: int = 0
    read: int = 0
    next_at: float = 0.0
    ids_at_newest: set[str] = field(default_factory=set)

    def next_due(self) -> float:
        return max(0.0, self.next_at - self.clock())

    def poll(self) -> list[dict]:
        new, token = [], None
        while True:
            params = {"logGroupName": GROUP, "startTime": self.start_ms, "interleaved": True}
            if token:
                params["nextToken"] = token
            page = self.client.filter_log_events(**params)
            self.calls += 1
            for event in page.get("events", []):
                self.read += 1
                if event["timestamp"] == self.start_ms and event["eventId"] in self.ids_at_newest:
                    continue
                new.append(event)
                if event["timestamp"] > self.start_ms:
                    self.start_ms, self.ids_at_newest = event["timestamp"], set()
                if event["timestamp"] == self.start_ms:
                    self.ids_at_newest.add(event["eventId"])
            token = page.get("nextToken")
            if not token:
                break
        self.next_at = self.clock() + POLL_S
        return new


def run(n: int, seed: int, endpoint: str) -> tuple[list[tuple[str, Counter, int, int]], float]:
    logs = make_logs_client(region="us-east-1", endpoint_url=endpoint)
    logs.create_log_group(logGroupName=GROUP)
    clock = FakeClock(float(int(time.time()) - 30 * 60))  # moto refuses timestamps 2 h ahead of real time
    planned = scenario(clock.now, n, seed)
    writer = Writer(logs, GROUP, planned)
    own = FakeClock(0.0)
    budget = RequestBudget(5, clock=own, sleep=own.sleep)

    def follower(**options: Any) -> Follower:
        return Follower(
            logs,
            GROUP,
            lookback_s=LOOKBACK_S,
            max_delay_s=MAX_DELAY_S,
            poll_interval_s=POLL_S,
            budget=budget,
            clock=clock,
            **options,
        )

    flowtail = follower()
    full = follower(tiers=(Tier(0, MAX_DELAY_S, POLL_S),))
    naive = NewestTimestampLoop(logs, clock, int((clock.now - LOOKBACK_S) * 1000))
    delivered: dict[str, list[tuple[str, int, str]]] = {"flowtail": [], "full-window": [], "newest-ts": []}
    began = clock.now
    # Until every event has left every re-read range: the re-read figures are whole-life costs.
    end = max(p.timestamp_ms for p in planned) / 1000 + MAX_DELAY_S + 2 * max(t.period_s for t in flowtail.tiers)
    while clock.now <= end:
        writer.write_arrived(clock.now)
        for name, source in (("flowtail", flowtail), ("full-window", full)):
            if source.next_due() <= 0:
                delivered[name] += [(e.log_stream, e.timestamp, e.message) for e in source.poll()]
        if naive.next_due() <= 0:
            delivered["newest-ts"] += [(e["logStreamName"], e["timestamp"], e["message"]) for e in naive.poll()]
        clock.advance(1.0)

    expected = Counter(p.key for p in planned)
    late = {p.key for p in planned if "late=True" in p.message}
    rows = []
    for name, got in delivered.items():
        counts = Counter(got)
        lost = expected - counts
        outcome = Counter(
            lost_late=sum(v for k, v in lost.items() if k in late),
            lost_on_time=sum(v for k, v in lost.items() if k not in late),
            twice=sum(v - 1 for v in counts.values() if v > 1),
            distinct=len(counts),
        )
        if name == "newest-ts":
            calls, read = naive.calls, naive.read
        else:
            status = (flowtail if name == "flowtail" else full).status()
            calls, read = status.calls, round(status.reread_ratio * status.events)
        rows.append((name, outcome, calls, read))
    return rows, clock.now - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ[name] = value
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"):
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        began = time.perf_counter()
        rows, simulated = run(args.events, args.seed, f"http://{host}:{port}")
        took = time.perf_counter() - began
    finally:
        server.stop()
    late = args.events // 3
    print(
        f"{args.events} events over 60 s, 3 streams, {late} written 5-15 min late; from 20 min back, polling every 5 s"
    )
    print(
        f"{'follower':<12} {'lost late':>10} {'lost on-time':>13} {'twice':>6} {'calls':>6} {'read':>7} {'re-read':>8}"
    )
    for name, outcome, calls, read in rows:
        ratio = read / max(1, outcome["distinct"])
        print(
            f"{name:<12} {outcome['lost_late']:>6}/{late:<3} {outcome['lost_on_time']:>9}/{args.events - late:<3} "
            f"{outcome['twice']:>6} {calls:>6} {read:>7} {ratio:>8.1f}"
        )
    print(f"({simulated / 60:.0f} min of simulated time in {took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
