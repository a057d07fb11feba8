"""`flowtail watch` on a Kinesis source: killed with SIGKILL and restarted, every event comes out, and
only the batch in flight at the kill (read, printed, not yet checkpointed) can come out twice."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter

import pytest

from tests.kinesis.conftest import GROUPS, STREAM
from tests.watch_process import WatchProcess

CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - kinesis_stream: {stream}
    log_groups: [{group}]
follow:
  lookback: 20m
"""


def stream_positions(kinesis) -> dict[str, tuple[str, int]]:
    """Event id -> (shard, sequence number) for every record in the stream, read directly."""
    import gzip

    where = {}
    for shard in kinesis.list_shards(StreamName=STREAM)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            for record in page["Records"]:
                for event in json.loads(gzip.decompress(record["Data"]))["logEvents"]:
                    where[str(event["id"])] = (shard["ShardId"], int(record["SequenceNumber"]))
            if not page["Records"]:
                break
            iterator = page["NextShardIterator"]
    return where


@pytest.mark.parametrize("kill_after", [40, 150])
def test_sigkill_and_restart_deliver_every_event(feed, tmp_path, aws_endpoint, kill_after):
    config = tmp_path / "watch.yaml"
    config.write_text(CONFIG.format(endpoint=aws_endpoint, stream=STREAM, group=GROUPS[0]))
    state = tmp_path / "state"
    stop_writing = threading.Event()

    def write() -> None:
        i = 0
        while not stop_writing.is_set():
            feed.put(5, GROUPS[i % 2], ("eni-a-all", "eni-b-all")[i % 4 // 2])
            i += 1
            stop_writing.wait(0.01)  # pacing the traffic, not synchronisation

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        first = WatchProcess(config, "--records", env={"XDG_STATE_HOME": str(state)})
        try:
            assert first.wait_until(lambda: len(first.ids()) >= kill_after)
        finally:
            code, _ = first.stop(signal.SIGKILL)
        assert code == -signal.SIGKILL
        # Killed before its first checkpoint, a run has none: then all it printed may come again.
        saved = list((state / "flowtail" / "kinesis").glob("*.json"))
        checkpoint = json.loads(saved[0].read_text())["shards"] if saved else {}
        second = WatchProcess(config, "--records", env={"XDG_STATE_HOME": str(state)})
        try:
            assert second.wait_until(lambda: len(second.ids()) >= 20)  # it reads on while traffic flows
            stop_writing.set()
            writer.join(10)
            expected = feed.event_ids(GROUPS[0])
            assert second.wait_until(lambda: set(first.ids()) | set(second.ids()) >= expected), (
                f"missing {len(expected - set(first.ids()) - set(second.ids()))} of {len(expected)}")
        finally:
            code, err = second.stop(signal.SIGINT)
    finally:
        stop_writing.set()
        writer.join(10)
    assert code == 0, err
    assert "Traceback" not in err
    before, after = Counter(first.ids()), Counter(second.ids())
    assert set(before) | set(after) == expected  # nothing lost, nothing of the other group
    assert max(before.values()) == 1 and max(after.values()) == 1  # no run printed an event twice
    # Only events after the checkpoint written before the kill may be printed by both runs.
    where = stream_positions(feed.kinesis)
    twice = set(before) & set(after)
    for event_id in twice:
        shard, sequence = where[event_id]
        saved = checkpoint.get(shard, {}).get("sequence")
        assert saved is None or sequence > int(saved), f"event {event_id} repeated from before the checkpoint"
