"""Decoding subscription payloads, the bounded dedupe, and the checkpoint file (no AWS needed)."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from tui.sources.checkpoint import CheckpointFile, ShardPosition
from tui.sources.dedup import RecentIds
from tui.sources.kinesis_payload import decode

AWS_ID = "35914387263843934538397640195264727130624000000000000000"  # 56 digits, as AWS sends them


def payload(message: dict) -> bytes:
    return gzip.compress(json.dumps(message).encode())


def data_message(group: str = "/vpc/flow-logs", events: list | None = None) -> bytes:
    return payload({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group, "logStream": "eni-a-all",
        "subscriptionFilters": ["to-kinesis"],
        "logEvents": events if events is not None else [
            {"id": AWS_ID, "timestamp": 1_700_000_000_000, "message": "2 123 eni-a ... ACCEPT OK"},
            {"id": 7, "timestamp": 1_700_000_001_000, "message": "second"},
        ],
    })


def test_a_data_message_gives_its_events_with_ids_as_text():
    decoded = decode(data_message(), arrival_ms=1_700_000_060_000)
    assert [(e.event_id, e.log_group, e.log_stream, e.timestamp, e.ingestion_time, e.message) for e in decoded.events] == [
        (AWS_ID, "/vpc/flow-logs", "eni-a-all", 1_700_000_000_000, 1_700_000_060_000, "2 123 eni-a ... ACCEPT OK"),
        ("7", "/vpc/flow-logs", "eni-a-all", 1_700_000_001_000, 1_700_000_060_000, "second"),
    ]
    assert not (decoded.control or decoded.malformed or decoded.other_group)


def test_a_control_message_has_no_events():
    decoded = decode(payload({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
                              "logStream": "", "subscriptionFilters": [],
                              "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}))
    assert decoded.control and decoded.events == []


def test_only_the_configured_groups_pass():
    assert decode(data_message("/vpc/other"), groups={"/vpc/flow-logs"}).other_group
    assert len(decode(data_message("/vpc/flow-logs"), groups={"/vpc/flow-logs"}).events) == 2


@pytest.mark.parametrize("data", [
    b"not gzip at all",
    gzip.compress(b"{not json"),
    gzip.compress(b"[1, 2]"),
    payload({"messageType": "DATA_MESSAGE", "logGroup": "/g"}),  # no logStream, no logEvents
    payload({"messageType": "SOMETHING_ELSE"}),
    data_message(events=[{"id": "1", "timestamp": "soon", "message": "x"}]),
    gzip.compress(b"\xff\xfe"),
], ids=["not-gzip", "bad-json", "not-an-object", "missing-keys", "unknown-type", "bad-timestamp", "not-utf8"])
def test_malformed_payloads_are_flagged_never_raised(data):
    decoded = decode(data)
    assert decoded.malformed and decoded.events == []


def test_recent_ids_forget_in_arrival_order_and_count_it():
    ids = RecentIds(cap=3)
    assert [ids.add(x) for x in ("a", "b", "a", "c", "d")] == [True, True, False, True, True]
    assert len(ids) == 3 and ids.evicted == 1
    assert ids.add("a") is True  # "a" was the oldest: forgotten, so seen as new (and counted above)
    assert ids.add("d") is False


def test_checkpoint_round_trip_and_file_name(tmp_path):
    file = CheckpointFile.for_stream(tmp_path, "arn:aws:kinesis:eu-west-1:123456789012:stream/central", "oncall")
    assert file.path == tmp_path / "kinesis" / "aws_kinesis_eu-west-1_123456789012_stream_central--oncall.json"
    assert file.load() is None
    positions = {"shardId-000000000000": ShardPosition("4962", True), "shardId-000000000001": ShardPosition(None)}
    file.save(positions.items())
    assert file.load() == positions
    assert oct(file.path.parent.stat().st_mode & 0o777) == "0o700"
    assert [p.name for p in file.path.parent.iterdir()] == [file.path.name]  # no temporary file left


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    file = CheckpointFile.for_stream(tmp_path, "flowlogs", None)
    file.save([("shardId-000000000000", ShardPosition("10"))])

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError):
        file.save([("shardId-000000000000", ShardPosition("20"))])
    monkeypatch.undo()
    assert file.load() == {"shardId-000000000000": ShardPosition("10")}
    assert [p.name for p in file.path.parent.iterdir()] == [file.path.name]


@pytest.mark.parametrize("text", ["{", '{"version": 9, "shards": {}}', '{"version": 1, "shards": []}'])
def test_a_damaged_checkpoint_is_a_one_line_error(tmp_path, text):
    file = CheckpointFile.for_stream(tmp_path, "flowlogs", None)
    file.path.parent.mkdir(parents=True)
    file.path.write_text(text)
    with pytest.raises(ValueError) as raised:
        file.load()
    assert "damaged" in str(raised.value) and "\n" not in str(raised.value)
