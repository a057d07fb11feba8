"""The Kinesis reader against moto's Kinesis, fed by a real subscription filter: every event of the
configured groups exactly once, through faults and resharding, and resumed from its checkpoint."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter

import pytest

from tui.sources.checkpoint import ShardPosition

from tests.kinesis.conftest import GROUPS, KINESIS_CALLS, STREAM, Collector, running, wait_until


def shard_of(seen) -> str:
    """The shard a proxied request is for: moto's iterators are base64 of ``stream:shard:sequence``."""
    if "ShardId" in seen.body:
        return seen.body["ShardId"]
    return base64.b64decode(seen.body["ShardIterator"]).decode().split(":")[1]


def test_every_event_of_the_configured_group_exactly_once(feed, reader_for, aws_endpoint):
    reader = reader_for(aws_endpoint, log_groups=(GROUPS[0],))
    got = Collector()
    with running(reader, got):
        for i in range(30):
            feed.put(5, GROUPS[i % 2], ("eni-a-all", "eni-b-all")[i % 4 // 2])
        expected = feed.event_ids(GROUPS[0])
        assert len(expected) == 75
        assert got.wait_for(lambda: len(got.events) >= 75), f"{len(got.events)} of 75 delivered"
        assert wait_until(lambda: reader.statuses()[0].other_groups == 15)  # the other group's 15 records
    assert Counter(got.ids()) == Counter(expected)  # each once, none of the other group
    assert {event.log_group for event in got.events} == {GROUPS[0]}
    (status,) = reader.statuses()
    assert status.events == 75 and status.other_groups == 15 and status.duplicates == 0 and status.malformed == 0
    assert {shard.state for shard in status.shards} == {"reading"} and len(status.shards) == 2


def test_a_redelivered_record_is_delivered_once(feed, reader_for, aws_endpoint):
    """The stream is at-least-once: CloudWatch Logs may write a payload twice (another sequence number)."""
    feed.put(4)
    (shard,) = [s for s in feed.kinesis.list_shards(StreamName=STREAM)["Shards"]
                if feed.kinesis.get_records(ShardIterator=feed.kinesis.get_shard_iterator(
                    StreamName=STREAM, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]]
    iterator = feed.kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    (record,) = feed.kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    reader = reader_for(aws_endpoint)
    got = Collector()
    with running(reader, got):
        assert got.wait_for(lambda: len(got.events) >= 4)
        for key in ("a", "b", "c"):  # again, to any shard
            feed.kinesis.put_record(StreamName=STREAM, Data=record["Data"], PartitionKey=key)
        feed.put(2)
        assert got.wait_for(lambda: len(got.events) >= 6)
        assert wait_until(lambda: reader.statuses()[0].duplicates == 12)
    assert Counter(got.ids()) == Counter(feed.event_ids())


def test_faults_lose_nothing_and_repeat_nothing(feed, reader_for, proxy):
    """Throttling, 5xx, connection resets and expired iterators on every Kinesis read."""
    # Reads only: an ExpiredIteratorException answering ListShards is no answer AWS gives, and the
    # reader rightly backs off 7.5 to 15 s from an error it does not know (the test took 20 s when
    # the seeded faults put one there, 5 s when they did not).
    proxy.targets = frozenset(KINESIS_CALLS[:2])
    proxy.shares = (0.15, 0.1, 0.05)
    proxy.custom = ((0.1, 400, "ExpiredIteratorException", "Iterator expired"),)
    reader = reader_for(proxy.url)
    got = Collector()
    kinds = ("throttle", "reset", "custom:ExpiredIteratorException")
    with running(reader, got):
        for round_ in range(3):  # faults while catching up, while idle, and while reading again
            for i in range(20):
                feed.put(3, GROUPS[i % 2])
            expected = feed.event_ids(GROUPS[0]) | feed.event_ids(GROUPS[1])
            wanted = len(expected)
            assert got.wait_for(lambda: len(got.events) >= wanted, timeout=60), f"{len(got.events)} of {wanted}"  # noqa: B023 - waited on at once
            if round_ == 1:
                assert wait_until(lambda: all(proxy.outcomes()[kind] >= 2 for kind in kinds), timeout=60)
    assert Counter(got.ids()) == Counter(expected) and len(expected) == 180
    outcomes = proxy.outcomes()
    assert outcomes["500"] + outcomes["503"]
    (status,) = reader.statuses()
    assert status.throttled == outcomes["throttle"]  # every refusal counted, as throttling
    other = outcomes["500"] + outcomes["503"] + outcomes["reset"] + outcomes["custom:ExpiredIteratorException"]
    assert status.expired_iterators >= 1 and status.expired_iterators + status.errors == other


def test_no_shard_is_read_more_than_five_times_a_second(feed, reader_for, proxy):
    """The documented per-shard read limit holds while the reader catches up, throttled or not."""
    proxy.shares = (0.2, 0.0, 0.0)
    reader = reader_for(proxy.url, max_records=2, caught_up_wait_s=0.0)  # small pages: always behind
    got = Collector()
    with running(reader, got):
        for _ in range(40):
            feed.put(1)
        assert got.wait_for(lambda: len(got.events) >= 40, timeout=60)
    reads: dict[str, list[float]] = {}
    for seen in proxy.seen:
        if seen.target.endswith("GetRecords"):
            reads.setdefault(shard_of(seen), []).append(seen.at)
    assert reads and sum(map(len, reads.values())) >= 20
    for times in reads.values():
        for first, sixth in zip(times, times[5:]):
            assert sixth - first >= 1.0 - 0.02, "six GetRecords on one shard within a second"


def test_a_reshard_mid_run_reads_parents_to_their_end_first(feed, reader_for, proxy):
    reader = reader_for(proxy.url)
    got = Collector()
    with running(reader, got):
        feed.put(10)
        assert got.wait_for(lambda: len(got.events) >= 10)
        shards = feed.kinesis.list_shards(StreamName=STREAM)["Shards"]
        first = shards[0]
        low, high = int(first["HashKeyRange"]["StartingHashKey"]), int(first["HashKeyRange"]["EndingHashKey"])
        feed.kinesis.split_shard(StreamName=STREAM, ShardToSplit=first["ShardId"], NewStartingHashKey=str((low + high) // 2))
        for _ in range(10):
            feed.put(4, GROUPS[1])
        children = [s["ShardId"] for s in feed.kinesis.list_shards(StreamName=STREAM)["Shards"] if s.get("ParentShardId")]
        feed.kinesis.merge_shards(StreamName=STREAM, ShardToMerge=children[0], AdjacentShardToMerge=children[1])
        for _ in range(10):
            feed.put(4)
        expected = feed.event_ids(GROUPS[0]) | feed.event_ids(GROUPS[1])
        assert got.wait_for(lambda: len(set(got.ids())) >= len(expected), timeout=60)
        assert wait_until(lambda: sum(s.state == "closed" for s in reader.statuses()[0].shards) == 3)
        listed = {s["ShardId"]: s for s in feed.kinesis.list_shards(StreamName=STREAM)["Shards"]}
        assert len(listed) == 5
        assert wait_until(lambda: {shard_of(seen) for seen in proxy.seen if seen.target.endswith("GetRecords")} == set(listed))
    assert Counter(got.ids()) == Counter(expected)
    calls = [(shard_of(seen), seen) for seen in proxy.seen if seen.target.endswith(("GetRecords", "GetShardIterator"))
             and seen.outcome == "ok"]
    for shard_id, shard in listed.items():
        for parent in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")):
            if parent:
                last_parent_read = max(s.at for sid, s in calls if sid == parent)
                first_child_call = min(s.at for sid, s in calls if sid == shard_id)
                assert last_parent_read < first_child_call, f"{shard_id} read before its parent {parent} ended"
    saved = reader.checkpoint.load()
    assert sum(position.finished for position in saved.values()) == 3


def test_a_restart_resumes_after_the_checkpoint(feed, reader_for, aws_endpoint):
    got = Collector()
    with running(reader_for(aws_endpoint), got):
        feed.put(20)
        assert got.wait_for(lambda: len(got.events) >= 20)
    first = set(got.ids())
    feed.put(15)
    again = Collector()
    reader = reader_for(aws_endpoint)
    with running(reader, again):
        assert again.wait_for(lambda: len(again.events) >= 15)
        feed.put(5)
        assert again.wait_for(lambda: len(again.events) >= 20)
        assert wait_until(lambda: reader.statuses()[0].calls > 20)  # more reads: nothing else arrives
    assert len(again.events) == 20 and not first & set(again.ids())
    assert first | set(again.ids()) == feed.event_ids()


def test_the_checkpoint_moves_only_after_the_engine_has_the_batch(feed, reader_for, aws_endpoint):
    """A batch whose delivery failed (the process died in it) is read again after a restart."""
    feed.put(6)
    reader = reader_for(aws_endpoint, since_s=600)

    failed = threading.Event()

    def engine_fails(events):
        failed.set()
        raise RuntimeError("engine died")

    with pytest.raises(RuntimeError, match="engine died"), running(reader, engine_fails):
        assert failed.wait(30)
    assert not reader.checkpoint.path.exists() or all(
        p.sequence is None for p in reader.checkpoint.load().values())
    got = Collector()
    with running(reader_for(aws_endpoint, since_s=600), got):
        assert got.wait_for(lambda: len(got.events) >= 6)
    assert set(got.ids()) == feed.event_ids()


def test_since_reads_at_a_timestamp_and_ignores_the_checkpoint(feed, reader_for, aws_endpoint):
    feed.put(4)
    got = Collector()
    with running(reader_for(aws_endpoint), got):
        assert got.wait_for(lambda: len(got.events) >= 4)
    again = Collector()
    with running(reader_for(aws_endpoint, since_s=3600), again):  # back an hour: both batches again
        feed.put(3)
        assert again.wait_for(lambda: len(again.events) >= 7)
    assert set(again.ids()) == feed.event_ids()


def test_without_a_checkpoint_reading_starts_at_the_lookback(feed, reader_for, aws_endpoint):
    import time

    feed.put(4)  # arrives before the start position
    start = time.time()
    feed.put(3)
    got = Collector()
    reader = reader_for(aws_endpoint, lookback_s=60, clock=lambda: start + 60)
    with running(reader, got):
        assert got.wait_for(lambda: len(got.events) >= 3)
        assert wait_until(lambda: reader.statuses()[0].calls > 12)
    assert len(got.events) == 3 and {int(e.message.split()[5]) - 1024 for e in got.events} == {4, 5, 6}


def test_a_checkpoint_the_reader_cannot_use_is_a_clear_error(feed, reader_for, aws_endpoint, tmp_path):
    path = tmp_path / "state" / "kinesis" / f"{STREAM}--default.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "shards": ["x"]}))
    with pytest.raises(ValueError, match="damaged.*move it away"):
        reader_for(aws_endpoint)


def test_each_consumer_name_keeps_its_own_checkpoint(feed, reader_for, aws_endpoint):
    feed.put(3)
    for consumer in ("console", "bastion"):
        got = Collector()
        reader = reader_for(aws_endpoint, consumer_name=consumer)
        with running(reader, got):
            assert got.wait_for(lambda: len(got.events) >= 3)  # noqa: B023 - called before the loop moves on
        assert reader.checkpoint.path.name == f"{STREAM}--{consumer}.json"
        assert any(p.sequence for p in reader.checkpoint.load().values())


def test_access_denied_and_a_missing_stream_are_named(reader_for, proxy, aws_endpoint):
    proxy.force(400, "AccessDeniedException", "not authorized")
    reader = reader_for(proxy.url, stream="arn:aws:kinesis:us-east-1:123456789012:stream/flowlogs")
    with running(reader, Collector()):
        assert wait_until(lambda: reader.statuses()[0].last_error is not None)
    (status,) = reader.statuses()
    assert status.state == "error"
    assert status.last_error == ("access denied: the IAM principal needs kinesis:GetRecords (and ListShards, "
                                 "GetShardIterator) on arn:aws:kinesis:us-east-1:123456789012:stream/flowlogs")
    missing = reader_for(aws_endpoint, stream="no-such-stream")
    with running(missing, Collector()):
        assert wait_until(lambda: missing.statuses()[0].last_error is not None)
    assert missing.statuses()[0].last_error.startswith("stream no-such-stream not found in us-east-1")


def test_position_of_a_finished_shard_is_kept(feed, reader_for, aws_endpoint):
    """A shard the checkpoint says is finished is not read again."""
    shards = feed.kinesis.list_shards(StreamName=STREAM)["Shards"]
    reader = reader_for(aws_endpoint)
    reader.checkpoint.save([(shards[0]["ShardId"], ShardPosition(None, finished=True)),
                            (shards[1]["ShardId"], ShardPosition(None))])
    reader = reader_for(aws_endpoint)
    with running(reader, Collector()):
        assert wait_until(lambda: len(reader.statuses()[0].shards) == 2)
    states = {s.shard_id: s.state for s in reader.statuses()[0].shards}
    assert states == {shards[0]["ShardId"]: "closed", shards[1]["ShardId"]: "reading"}
