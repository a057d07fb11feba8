#!/usr/bin/env python3
"""Sources side by side: the same late-arrival scenario through each source, and Kinesis's throughput.

1. Late arrival. Events stamped over 60 s on 3 ENI streams, each written 1-15 minutes after its
   timestamp (out of order across streams), in one moto server on loopback. Each source in SOURCES
   reads its own copy from 20 minutes back and reports events lost, delivered twice, API calls, and
   events transferred / delivered (polling re-reads time ranges; push sources should not).

     polling   the Follower (FilterLogEvents, tiered re-reads) on fake time, as bench_follow.py
     kinesis   a CloudWatch Logs subscription filter into a 2-shard Kinesis stream, KinesisSource

   A source is one more entry in SOURCES: a function (planned events, moto endpoint) -> Outcome.

2. Throughput into the engine, headless. moto answers a GetRecords of 10,000 records in a second or
   more, so it cannot show the reader's own ceiling. Measured instead on pre-loaded GetRecords
   responses (gzip'd subscription payloads of 100 default-format events each, as CloudWatch Logs
   batches them): decode + filter + dedupe (KinesisSource.accept) + Session.ingest into the engine with
   the demo's rules, in a fresh process per run; and, for comparison, end to end from moto.

usage: python benchmarks/bench_sources.py [--events 3000] [--runs 5] [--records 1000000] [--skip-moto-rate]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the simulation helpers live with the tests

from tui.sources.cloudwatch import Follower, RequestBudget, make_logs_client  # noqa: E402
from tui.sources.kinesis import KinesisSource, make_kinesis_client  # noqa: E402

from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer  # noqa: E402

REGION = "us-east-1"
STREAMS = ["eni-0a1b2c3d", "eni-1f2e3d4c", "eni-2b3c4d5e"]
LOOKBACK_S = 1200.0
MAX_DELAY_S = 1200.0
POLL_S = 5.0


@dataclass
class Outcome:
    lost: int
    twice: int
    calls: int
    transferred: int  # events the source received from AWS (re-reads and duplicates included)
    delivered: int  # distinct events handed to the engine
    seconds: float  # wall time of the run (polling: simulated time runs faster than real)


def scenario(start: float, n: int, seed: int) -> list[Planned]:
    """``n`` events stamped in [start, start + 60 s), each arriving 1 to 15 minutes after its stamp."""
    rng = random.Random(seed)
    planned = []
    for i in range(n):
        stamp = start + rng.uniform(0, 60)
        arrives = float(int(stamp + rng.uniform(60, 900)))
        planned.append(Planned(STREAMS[i % len(STREAMS)], int(stamp * 1000), arrives, flow_record(i, int(stamp))))
    return planned


def flow_record(i: int, start: int) -> str:
    action = "REJECT" if i % 7 == 0 else "ACCEPT"
    return (f"2 123456789010 eni-0a1b2c3d 10.0.{i % 200}.{i % 250} 10.0.14.100 {1024 + i % 60000} 443 6 "
            f"{1 + i % 40} {40 + i % 9000} {start} {start + 60} {action} OK")


def score(planned: list[Planned], got: list[tuple[str, int, str]]) -> tuple[int, int]:
    expected, counts = Counter(p.key for p in planned), Counter(got)
    return sum((expected - counts).values()), sum(v - 1 for v in counts.values() if v > 1)


def run_polling(planned: list[Planned], endpoint: str) -> Outcome:
    logs = make_logs_client(REGION, endpoint_url=endpoint)
    group = "/bench/polling"
    logs.create_log_group(logGroupName=group)
    clock = FakeClock(min(p.timestamp_ms for p in planned) / 1000)
    own = FakeClock(0.0)
    follower = Follower(logs, group, lookback_s=LOOKBACK_S, max_delay_s=MAX_DELAY_S, poll_interval_s=POLL_S,
                        budget=RequestBudget(5, clock=own, sleep=own.sleep), clock=clock)
    writer = Writer(logs, group, planned)
    got: list[tuple[str, int, str]] = []
    began = time.perf_counter()
    end = max(p.arrives for p in planned) + 2 * max(t.period_s for t in follower.tiers)
    while clock.now <= end:
        writer.write_arrived(clock.now)
        if follower.next_due() <= 0:
            got += [(e.log_stream, e.timestamp, e.message) for e in follower.poll()]
        clock.advance(1.0)
    status = follower.status()
    lost, twice = score(planned, got)
    transferred = round(status.reread_ratio * status.events)
    return Outcome(lost, twice, status.calls, transferred, len(set(got)), time.perf_counter() - began)


def run_kinesis(planned: list[Planned], endpoint: str) -> Outcome:
    """Written in arrival order (one put per stream per simulated second, as the polling run does) into
    a group subscribed to a 2-shard stream; a KinesisSource reads it live, from its lookback."""
    import boto3

    group, stream = "/bench/kinesis", "bench-flowlogs"
    logs = boto3.client("logs", endpoint_url=endpoint, region_name=REGION)
    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION)
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(logGroupName=group, filterName="bench", filterPattern="", destinationArn=arn,
                                 roleArn="arn:aws:iam::123456789012:role/CWLtoKinesisRole")
    got: list[tuple[str, int, str]] = []
    arrived = threading.Condition()

    def deliver(events: list) -> None:
        with arrived:
            got.extend((e.log_stream, e.timestamp, e.message) for e in events)
            arrived.notify_all()

    with tempfile.TemporaryDirectory() as state:
        source = KinesisSource(make_kinesis_client(REGION, None, endpoint), stream, lookback_s=LOOKBACK_S,
                               state_dir=Path(state), caught_up_wait_s=0.2)
        stop = threading.Event()
        reader = threading.Thread(target=source.run, args=(deliver, stop, lambda: None), daemon=True)
        began = time.perf_counter()
        reader.start()
        writer = Writer(logs, group, planned)
        for second in sorted({p.arrives for p in planned}):
            writer.write_arrived(second)
        with arrived:
            arrived.wait_for(lambda: len(got) >= len(planned), timeout=120)
        stop.set()
        reader.join(30)
        took = time.perf_counter() - began
    (status,) = source.statuses()
    lost, twice = score(planned, got)
    return Outcome(lost, twice, status.calls, status.events + status.duplicates, len(set(got)), took)


def run_live_tail(planned: list[Planned], endpoint: str) -> Outcome:
    """Through StartLiveTail, served by the local event-stream server in front of moto (moto's own
    StartLiveTail is a one-shot snapshot): see benchmarks/sources_livetail.py."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from sources_livetail import run_live_tail as run

    result = run(planned, endpoint)
    return Outcome(result["lost"], result["duplicated"], result["api_calls"], result["transferred"],
                   result["delivered"], result["seconds"])


SOURCES: dict[str, Callable[[list[Planned], str], Outcome]] = {
    "polling": run_polling,
    "live-tail": run_live_tail,
    "kinesis": run_kinesis,
}


# -- throughput -------------------------------------------------------------------------------------

EVENTS_PER_RECORD = 100


def preloaded_records(total_events: int, seed: int = 5) -> list[dict]:
    """GetRecords-shaped records: gzip'd DATA_MESSAGEs of up to EVENTS_PER_RECORD events of one ENI
    stream, AWS-style 56-digit ids. The events are the demo's traffic (its mix of flows and attacks,
    late as flow logs are) at 4,000 records per second, in arrival order, as a subscription delivers."""
    from tui.demo.traffic import TrafficGenerator

    generator = TrafficGenerator(seed=seed, rate=4000)
    began = time.time() - 3600
    arrival = datetime.now(timezone.utc)
    records: list[dict] = []
    serial = 0
    second = 0
    while serial < total_events:
        by_eni: dict[str, list[dict]] = {}
        for delivery in generator.second(began + second, float(second)):
            by_eni.setdefault(delivery.eni, []).append(
                {"id": f"{35914387263843934538397640195264727130624 + serial:056d}",
                 "timestamp": delivery.start * 1000, "message": delivery.message})
            serial += 1
        second += 1
        for eni, events in by_eni.items():
            for start in range(0, len(events), EVENTS_PER_RECORD):
                payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/vpc/flow-logs",
                           "logStream": f"{eni}-all", "subscriptionFilters": ["to-kinesis"],
                           "logEvents": events[start:start + EVENTS_PER_RECORD]}
                records.append({"SequenceNumber": str(49_000_000 + len(records)),
                                "ApproximateArrivalTimestamp": arrival,
                                "Data": gzip.compress(json.dumps(payload).encode(), 6), "PartitionKey": eni})
    return records


def measure_preloaded(total_events: int) -> dict:
    """One process's rates on pre-loaded records, 100 records (about 10,000 events) a batch: decoding,
    filtering and deduplicating alone (KinesisSource.accept); and that plus Session.ingest into an
    engine with the dashboard statistics only, and with the demo's rules too."""
    import dataclasses

    from tui.config import load_config
    from tui.demo.run import CONFIG
    from tui.engine.engine import engine_from_config
    from tui.run.session import Session

    records = preloaded_records(total_events)
    config = load_config(CONFIG)
    result: dict = {}
    for name, rules in (("decode", None), ("engine", ()), ("rules", config.rules)):
        session = None
        if rules is not None:
            engine = engine_from_config(dataclasses.replace(config, rules=tuple(rules)), event_times=True)
            session = Session(engine, lambda s, stop: None, "bench")
        with tempfile.TemporaryDirectory() as state:
            source = KinesisSource(_NoClient(), "bench", state_dir=Path(state), log_groups=("/vpc/flow-logs",))
            began = time.perf_counter()
            delivered = 0
            for start in range(0, len(records), 100):
                events = source.accept(records[start:start + 100])
                if session is not None:
                    session.ingest([e.message for e in events], [e.timestamp for e in events], int(time.time() * 1000))
                delivered += len(events)
            result[name] = delivered / (time.perf_counter() - began)
    result["events"] = delivered
    return result


class _NoClient:
    """accept() needs no AWS; the source only reads the client's region at construction."""

    class meta:  # noqa: N801 - mirrors boto3's client.meta
        region_name = REGION


def measure_moto(endpoint: str, total_events: int) -> dict:
    """End to end from moto: the same payloads put into a 2-shard stream, read by KinesisSource into an
    engine with the dashboard statistics only (the "+engine" column of the pre-loaded figures)."""
    import dataclasses

    import boto3

    from tui.config import load_config
    from tui.demo.run import CONFIG
    from tui.engine.engine import engine_from_config
    from tui.run.session import Session

    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION)
    kinesis.create_stream(StreamName="bench-rate", ShardCount=2)
    records = preloaded_records(total_events)
    for start in range(0, len(records), 500):
        kinesis.put_records(StreamName="bench-rate", Records=[
            {"Data": r["Data"], "PartitionKey": r["PartitionKey"]} for r in records[start:start + 500]])
    config = dataclasses.replace(load_config(CONFIG), rules=())
    session = Session(engine_from_config(config, event_times=True), lambda s, stop: None, "bench")
    count = [0]
    done = threading.Event()

    def deliver(events: list) -> None:
        session.ingest([e.message for e in events], [e.timestamp for e in events], int(time.time() * 1000))
        count[0] += len(events)
        if count[0] >= total_events:
            done.set()

    with tempfile.TemporaryDirectory() as state:
        source = KinesisSource(make_kinesis_client(REGION, None, endpoint), "bench-rate", state_dir=Path(state),
                               lookback_s=3600)
        stop = threading.Event()
        reader = threading.Thread(target=source.run, args=(deliver, stop, lambda: None), daemon=True)
        began = time.perf_counter()
        reader.start()
        done.wait(600)
        took = time.perf_counter() - began
        stop.set()
        reader.join(30)
    return {"events": count[0], "seconds": took, "rate": count[0] / took}


def start_moto() -> tuple[object, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_KINESIS"):
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000, help="late-arrival scenario size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="processes for the throughput median (0: none)")
    parser.add_argument("--records", type=int, default=1_000_000, help="events per throughput run")
    parser.add_argument("--moto-events", type=int, default=100_000, help="events for the end-to-end moto rate")
    parser.add_argument("--skip-moto-rate", action="store_true")
    parser.add_argument("--only", choices=list(SOURCES))
    parser.add_argument("--measure-preloaded", type=int, help=argparse.SUPPRESS)  # one throughput run (child)
    args = parser.parse_args()
    if args.measure_preloaded:
        print(json.dumps(measure_preloaded(args.measure_preloaded)))
        return 0

    server, endpoint = start_moto()
    try:
        print(f"late arrival: {args.events} events over 60 s on {len(STREAMS)} streams, each written 1-15 min late")
        print(f"{'source':<10} {'lost':>5} {'twice':>6} {'API calls':>10} {'transferred':>12} {'delivered':>10} "
              f"{'ratio':>6} {'wall s':>7}")
        for name, run in SOURCES.items():
            if args.only and name != args.only:
                continue
            clock_start = float(int(time.time()) - 30 * 60)  # moto refuses stamps 2 h ahead of real time
            outcome = run(scenario(clock_start, args.events, args.seed), endpoint)
            ratio = outcome.transferred / max(1, outcome.delivered)
            print(f"{name:<10} {outcome.lost:>5} {outcome.twice:>6} {outcome.calls:>10,} {outcome.transferred:>12,} "
                  f"{outcome.delivered:>10,} {ratio:>6.2f} {outcome.seconds:>7.1f}")
        if not args.skip_moto_rate:
            rate = measure_moto(endpoint, args.moto_events)
            print(f"\nkinesis from moto into the engine (statistics, no rules): {rate['events']:,} events in "
                  f"{rate['seconds']:.1f} s = {rate['rate']:,.0f} events/s")
    finally:
        server.stop()

    if args.runs < 1:
        return 0
    print(f"\nkinesis, pre-loaded GetRecords responses ({args.records:,} events of demo traffic), events/s, "
          f"{args.runs} processes:")
    print(f"  {'decode+dedupe':>14} {'+engine':>10} {'+demo rules':>12} {'process s':>10}")
    runs, walls = [], []
    for _ in range(args.runs):
        began = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--measure-preloaded", str(args.records)],
                               capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - began)
        runs.append(json.loads(child.stdout))
        run = runs[-1]
        print(f"  {run['decode']:>14,.0f} {run['engine']:>10,.0f} {run['rules']:>12,.0f} {walls[-1]:>10.2f}")
    medians = {key: statistics.median(run[key] for run in runs) for key in ("decode", "engine", "rules")}
    print(f"  {medians['decode']:>14,.0f} {medians['engine']:>10,.0f} {medians['rules']:>12,.0f} "
          f"{statistics.median(walls):>10.2f}  (medians; process time includes building the payloads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
