"""The Kinesis reader's warm-up: resuming from a checkpoint, each checkpointed shard first re-reads the
lookback up to its checkpointed record and hands those events over as warm-up (engine only), then
continues after the checkpoint as before."""

from __future__ import annotations

import threading
import time
from collections import Counter

from tui.engine.engine import Engine, RuleDef
from tui.flowlog import FlowFormat
from tui.patterns import compile_pattern
from tui.run.live import watch_feeder
from tui.run.session import Session
from tui.sources.checkpoint import ShardPosition
from tui.sources.source import LogEvent

from tests.kinesis.conftest import STREAM, Collector, running, wait_until


def first_run(feed, reader_for, endpoint: str, count: int, duplicates: int = 0) -> Collector:
    """A reader that reads ``count`` events (and ``duplicates`` copies) and stops cleanly, leaving its
    checkpoint."""
    got = Collector()
    reader = reader_for(endpoint)
    with running(reader, got):
        assert got.wait_for(lambda: len(got.events) >= count)
        assert wait_until(lambda: reader.checkpoint.writes > 0 and reader.statuses()[0].duplicates >= duplicates)
    assert not got.warmup
    return got


def test_a_restart_warms_up_with_the_events_before_the_checkpoint(feed, reader_for, aws_endpoint):
    for _ in range(4):
        feed.put(5)
    before = first_run(feed, reader_for, aws_endpoint, 20)
    saved = reader_for(aws_endpoint).checkpoint.load()
    feed.put(3)
    again = Collector()
    reader = reader_for(aws_endpoint)
    with running(reader, again):
        assert again.wait_for(lambda: len(again.warmup) >= 20 and len(again.events) >= 3)
        assert wait_until(lambda: all(s.state == "reading" for s in reader.statuses()[0].shards))
        feed.put(2)
        assert again.wait_for(lambda: len(again.events) >= 5)
    assert Counter(e.event_id for e in again.warmup) == Counter(before.ids())  # each once, all of them
    assert not set(again.ids()) & set(before.ids()) and len(again.events) == 5
    assert set(again.ids()) | set(before.ids()) == feed.event_ids()
    (status,) = reader.statuses()
    assert (status.warmup, status.events, status.duplicates) == (20, 5, 0)
    assert sum(shard.records for shard in status.shards) == 5  # the shards count new events only
    assert reader.checkpoint.load() != saved  # it moved on after the new events


def test_no_warm_up_without_a_checkpoint(feed, reader_for, aws_endpoint):
    feed.put(6)
    got = Collector()
    reader = reader_for(aws_endpoint)
    with running(reader, got):
        assert got.wait_for(lambda: len(got.events) >= 6)
        assert wait_until(lambda: reader.statuses()[0].calls > 10)
    assert not got.warmup and reader.statuses()[0].warmup == 0


def test_no_warm_up_with_since(feed, reader_for, aws_endpoint):
    feed.put(6)
    first_run(feed, reader_for, aws_endpoint, 6)
    feed.put(2)
    got = Collector()
    reader = reader_for(aws_endpoint, since_s=3600)
    with running(reader, got):
        assert got.wait_for(lambda: len(got.events) >= 8)  # --since: everything again, as new
        assert wait_until(lambda: reader.statuses()[0].calls > 10)
    assert not got.warmup and reader.statuses()[0].warmup == 0
    assert Counter(got.ids()) == Counter(feed.event_ids())


def test_the_warm_up_reads_only_the_lookback(feed, reader_for, aws_endpoint):
    feed.put(4)  # arrives before the warm-up's start
    start = time.time()
    feed.put(3)
    first_run(feed, reader_for, aws_endpoint, 7)
    got = Collector()
    reader = reader_for(aws_endpoint, lookback_s=60, clock=lambda: start + 60)
    with running(reader, got):
        assert got.wait_for(lambda: len(got.warmup) >= 3)
        assert wait_until(lambda: all(s.state == "reading" for s in reader.statuses()[0].shards))
    assert {int(e.message.split()[5]) - 1024 for e in got.warmup} == {4, 5, 6} and not got.events


def shard_hash_keys(feed) -> dict[str, str]:
    return {s["ShardId"]: s["HashKeyRange"]["StartingHashKey"] for s in feed.kinesis.list_shards(StreamName=STREAM)["Shards"]}


def a_record_data(feed) -> bytes:
    """The payload of a record the subscription filter wrote (to write copies of it to a chosen shard)."""
    for shard_id in shard_hash_keys(feed):
        iterator = feed.kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard_id,
                                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = feed.kinesis.get_records(ShardIterator=iterator)["Records"]
        if records:
            return records[0]["Data"]
    raise AssertionError("the stream is empty")


def copies(feed, data: bytes, shard_id: str, count: int) -> None:
    """``count`` copies of a payload in ``shard_id`` (the stream is at-least-once: copies happen)."""
    key = shard_hash_keys(feed)[shard_id]
    for i in range(count):
        feed.kinesis.put_record(StreamName=STREAM, Data=data, PartitionKey=f"copy-{i}", ExplicitHashKey=key)


def sequence(position: ShardPosition) -> int:
    return -1 if position.sequence is None else int(position.sequence)


def test_the_checkpoint_never_moves_backwards_during_the_warm_up(feed, reader_for, aws_endpoint):
    """A long warm-up on one shard while the other has already warmed up and checkpoints new records."""
    for _ in range(8):
        feed.put(1)
    data = a_record_data(feed)
    slow, quick = sorted(shard_hash_keys(feed))
    copies(feed, data, slow, 20)  # before the checkpoint: 20 more records for the slow shard to re-read
    first_run(feed, reader_for, aws_endpoint, 8, duplicates=20)
    saved = reader_for(aws_endpoint).checkpoint.load()
    copies(feed, data, quick, 3)  # after the checkpoint: records the quick shard reads after its warm-up
    reader = reader_for(aws_endpoint, max_records=1)  # one record per call: the warm-up takes many calls
    seen: list[dict[str, ShardPosition]] = []

    def warming(shard_id: str) -> bool:
        return any(s.shard_id == shard_id and s.state == "warming" for s in reader.statuses()[0].shards)

    def observe() -> bool:
        slow_warming = warming(slow)
        seen.append(reader.checkpoint.load())
        if slow_warming and seen[-1][quick] != saved[quick]:
            return True  # the quick shard checkpointed while the slow one still warms up
        return not slow_warming and reader.statuses()[0].warmup > 0

    got = Collector()
    with running(reader, got):
        assert wait_until(observe)
        assert wait_until(lambda: not warming(slow))
        seen.append(reader.checkpoint.load())
    assert seen[-2][quick] != saved[quick], "the quick shard did not checkpoint during the slow one's warm-up"
    for positions in seen:
        for shard_id, position in saved.items():
            assert sequence(positions[shard_id]) >= sequence(position)
    assert seen[-1][slow] == saved[slow]  # nothing new on the slow shard: its position never moved
    assert len(got.warmup) == 8 and not got.events  # the copies after the checkpoint are duplicates
    assert reader.statuses()[0].duplicates == 20 + 3


def test_a_stop_during_the_warm_up_ends_it_promptly(feed, reader_for, aws_endpoint):
    feed.put(1)
    data = a_record_data(feed)
    copies(feed, data, sorted(shard_hash_keys(feed))[0], 40)  # 40 calls of warm-up at 5 calls/s
    first_run(feed, reader_for, aws_endpoint, 1, duplicates=40)
    saved = reader_for(aws_endpoint).checkpoint.load()
    reader = reader_for(aws_endpoint, max_records=1)
    got = Collector()
    stop = threading.Event()
    thread = threading.Thread(target=reader.run, args=(got, stop, lambda: None), daemon=True)
    thread.start()
    assert wait_until(lambda: reader.statuses()[0].warmup == 1)
    stop.set()
    calls = reader.statuses()[0].calls
    thread.join(5)
    assert not thread.is_alive()
    (status,) = reader.statuses()
    assert status.calls - calls <= 1  # at most the call in flight
    assert "warming" in {shard.state for shard in status.shards}  # it stopped in the middle of it
    assert reader.checkpoint.load() == saved


class ScriptedSource:
    """A source that hands over one warm-up batch, then one new batch (the session's side only)."""

    label = "scripted"

    def __init__(self, warmup: list[LogEvent], new: list[LogEvent]) -> None:
        self.batches = (warmup, new)

    def run(self, deliver, stop, on_status) -> None:  # noqa: ANN001 - the source contract
        deliver(self.batches[0], warmup=True)
        deliver(self.batches[1])

    def statuses(self) -> list:
        return []


def test_warm_up_events_reach_the_engine_and_rules_but_not_the_record_lines():
    def event(i: int) -> LogEvent:
        t = 1_718_000_000 + i
        message = f"2 123456789010 eni-a 203.0.113.7 10.0.1.1 {40000 + i} 22 6 1 40 {t} {t + 60} REJECT OK"
        return LogEvent(str(i), "/vpc/flow-logs", "eni-a-all", t * 1000, t * 1000, message)

    printed: list[LogEvent] = []
    alerts: list = []
    warmup, new = [event(i) for i in range(5)], [event(5)]
    rule = RuleDef("ssh-reject", compile_pattern("REJECT"), 6, 60, ("srcaddr",))
    session = Session(Engine(FlowFormat.parse("default"), [rule], event_times=True),
                      watch_feeder([ScriptedSource(warmup, new)], printed.extend), "watch")
    session.on_alert(alerts.append)
    session.start()
    assert session.wait(10) and session.error is None
    assert printed == new  # the record lines: the new event only
    assert session.snapshot().engine.records == 6  # the statistics: both
    assert [(a.rule, a.state) for a in alerts] == [("ssh-reject", "ALARM")]  # 5 warm-up + 1 new reach 6


def test_faults_during_the_warm_up_lose_nothing_and_repeat_nothing(feed, reader_for, aws_endpoint, proxy):
    """Throttling, 5xx, resets and expired iterators while re-reading the lookback: a renewed iterator
    continues the warm-up after the last record re-read, not after the checkpoint."""
    for i in range(20):
        feed.put(2, stream=("eni-a-all", "eni-b-all")[i % 2])
    before = first_run(feed, reader_for, aws_endpoint, 40)
    feed.put(4)
    proxy.shares = (0.1, 0.05, 0.05)  # with backoffs of up to 10-20 s: the warm-up's ~20 calls stay well within the waits
    proxy.custom = ((0.15, 400, "ExpiredIteratorException", "Iterator expired"),)
    reader = reader_for(proxy.url, max_records=1)
    got = Collector()
    with running(reader, got):
        assert got.wait_for(lambda: len(got.warmup) >= 40 and len(got.events) >= 4, timeout=150), (
            f"{len(got.warmup)} of 40 warm-up events, {len(got.events)} of 4 new")
        assert wait_until(lambda: all(s.state == "reading" for s in reader.statuses()[0].shards), timeout=60)
        assert wait_until(lambda: proxy.outcomes()["custom:ExpiredIteratorException"] >= 2, timeout=60)
    assert Counter(e.event_id for e in got.warmup) == Counter(before.ids())
    assert Counter(got.ids()) == Counter(feed.event_ids() - set(before.ids()))
    assert reader.statuses()[0].warmup == 40


def test_the_status_bar_shows_the_warm_up_while_it_runs():
    from tui.app.widgets.status_bar import source_status
    from tui.sources.kinesis import KinesisStatus, ShardStatus

    def status(shard_state: str) -> KinesisStatus:
        return KinesisStatus(
            stream="flowlogs", state="reading", shards=(ShardStatus("shardId-000000000000", shard_state, 0, 0.0, 0),),
            events_per_s=0.0, millis_behind=0, lag_p50_ms=None, lag_p95_ms=None, last_read=None, events=0,
            warmup=12_345, duplicates=0, other_groups=0, malformed=0, throttled=0, expired_iterators=0, errors=0,
            calls=9, checkpoints=0, dedup_size=0, dedup_evicted=0, last_error=None)

    assert source_status(status("warming"), now=0).plain == "● kinesis:flowlogs reading behind 0s 1/1 shards 0 ev/s warming up 12.3k"
    assert "warming" not in source_status(status("reading"), now=0).plain
    assert status("reading").to_json()["warmup"] == 12_345


def test_a_shard_closed_by_a_reshard_warms_up_too(feed, reader_for, aws_endpoint):
    """After a split within the lookback, the parent's records (read to its end before the restart)
    are in the warm-up as well as its children's; none is delivered as new."""
    parent = feed.kinesis.list_shards(StreamName=STREAM)["Shards"][0]
    iterator = feed.kinesis.get_shard_iterator(StreamName=STREAM, ShardId=parent["ShardId"],
                                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for _ in range(64):  # the subscription filter picks shards at random: until the parent has records
        feed.put(2)
        if feed.kinesis.get_records(ShardIterator=iterator)["Records"]:
            break
    low, high = int(parent["HashKeyRange"]["StartingHashKey"]), int(parent["HashKeyRange"]["EndingHashKey"])
    feed.kinesis.split_shard(StreamName=STREAM, ShardToSplit=parent["ShardId"], NewStartingHashKey=str((low + high) // 2))
    for _ in range(6):
        feed.put(2)
    got = Collector()
    reader = reader_for(aws_endpoint)
    with running(reader, got):
        total = len(feed.event_ids())
        assert got.wait_for(lambda: len(got.events) >= total)
        # the events are delivered before the checkpoint is written: until then there is no file to load
        assert wait_until(lambda: (reader.checkpoint.load() or {}).get(parent["ShardId"], ShardPosition(None)).finished)
    again = Collector()
    reader = reader_for(aws_endpoint)
    with running(reader, again):
        assert again.wait_for(lambda: len(again.warmup) >= total)
        assert wait_until(lambda: "warming" not in {s.state for s in reader.statuses()[0].shards})
    assert Counter(e.event_id for e in again.warmup) == Counter(got.ids()) and not again.events
    states = {s.shard_id: s.state for s in reader.statuses()[0].shards}
    assert states[parent["ShardId"]] == "closed" and len(states) == 4
