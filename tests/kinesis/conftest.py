"""Fixtures for the Kinesis source tests: a moto stream fed by a CloudWatch Logs subscription filter,
a reader on it (optionally through the fault proxy), and a collector to wait on."""

from __future__ import annotations

import random
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import boto3
import pytest

from tui.sources.kinesis import KinesisSource, make_kinesis_client
from tui.sources.source import LogEvent

from tests.cloudwatch.cw_fault_proxy import FaultProxy

REGION = "us-east-1"
STREAM = "flowlogs"
GROUPS = ("/vpc/flow-logs", "/vpc/other-flow-logs")
KINESIS_CALLS = [f"Kinesis_20131202.{op}" for op in ("GetRecords", "GetShardIterator", "ListShards")]


class Feed:
    """The stream, the log groups subscribed to it, and a writer of flow-log-like events."""

    def __init__(self, endpoint: str, shards: int) -> None:
        self.kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION)
        self.logs = boto3.client("logs", endpoint_url=endpoint, region_name=REGION)
        self.kinesis.create_stream(StreamName=STREAM, ShardCount=shards)
        arn = self.kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamARN"]
        self.arn = arn
        self.written = 0
        for group in GROUPS:
            self.logs.create_log_group(logGroupName=group)
            for stream in ("eni-a-all", "eni-b-all"):
                self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
            self.logs.put_subscription_filter(logGroupName=group, filterName="to-kinesis", filterPattern="",
                                              destinationArn=arn, roleArn="arn:aws:iam::123456789012:role/CWLtoKinesis")

    def put(self, count: int, group: str = GROUPS[0], stream: str = "eni-a-all", late_s: float = 0) -> None:
        """One put_log_events call (one Kinesis record) of ``count`` events stamped ``late_s`` ago."""
        stamp = int((time.time() - late_s) * 1000)
        # a valid default-format record whose source port numbers it: 1024 + its place in the writing order
        events = [{"timestamp": stamp, "message": f"2 123456789010 eni-a 10.0.0.{i % 250} 10.0.1.1 {1024 + self.written + i} "
                                                  f"443 6 1 40 {stamp // 1000} {stamp // 1000 + 60} ACCEPT OK"}
                  for i in range(count)]
        self.logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        self.written += count

    def event_ids(self, group: str = GROUPS[0]) -> set[str]:
        """Every event id CloudWatch Logs holds for ``group``: the ground truth to compare with."""
        ids: set[str] = set()
        params: dict = {"logGroupName": group, "interleaved": True, "limit": 10000}
        while True:
            page = self.logs.filter_log_events(**params)
            ids.update(event["eventId"] for event in page["events"])
            if not page.get("nextToken"):
                return ids
            params["nextToken"] = page["nextToken"]


class Collector:
    """A ``deliver`` that remembers every batch (warm-up batches apart), and waits on conditions over them."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.warmup: list[LogEvent] = []
        self.batches = 0
        self._changed = threading.Condition()

    def __call__(self, events: list[LogEvent], *, warmup: bool = False) -> None:
        with self._changed:
            (self.warmup if warmup else self.events).extend(events)
            self.batches += 1
            self._changed.notify_all()

    def ids(self) -> list[str]:
        with self._changed:
            return [event.event_id for event in self.events]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` (state that no event signals, such as a status counter) until it holds."""
    deadline = time.monotonic() + timeout
    ready = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        ready.wait(step)
    return True


@pytest.fixture
def feed(aws_endpoint: str) -> Feed:
    return Feed(aws_endpoint, shards=2)


@pytest.fixture
def proxy(aws_endpoint: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of moto, intercepting Kinesis reads, no faults yet."""
    running = FaultProxy(aws_endpoint, seed=11, target=KINESIS_CALLS,
                         throttle_error=(400, "ProvisionedThroughputExceededException", "Rate exceeded for shard")).start()
    yield running
    running.stop()


@pytest.fixture
def reader_for(tmp_path) -> Callable[..., KinesisSource]:
    """Build a reader on ``endpoint`` with its checkpoint under ``tmp_path`` and quick schedules."""

    def build(endpoint: str, stream: str = STREAM, **options) -> KinesisSource:
        options.setdefault("state_dir", tmp_path / "state")
        options.setdefault("list_every_s", 0.2)
        options.setdefault("caught_up_wait_s", 0.05)
        options.setdefault("rng", random.Random(3))
        return KinesisSource(make_kinesis_client(REGION, None, endpoint), stream, **options)

    return build


@contextmanager
def running(source: KinesisSource, deliver: Callable[[list[LogEvent]], None]) -> Iterator[threading.Event]:
    """Run ``source`` in a thread until the block ends; re-raise what it raised."""
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            source.run(deliver, stop, lambda: None)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the reader did not stop within 10 s"
    if failure:
        raise failure[0]
