"""A damaged or unwritable Kinesis checkpoint: one line naming the file at start, never a traceback or
a retry loop on a parameter Kinesis refuses; a checkpoint that cannot be written is said loudly."""

from __future__ import annotations

import json

import pytest

from tui.sources.checkpoint import CheckpointFile

from tests.kinesis.conftest import STREAM, Collector, running, wait_until


@pytest.fixture
def checkpoint(tmp_path) -> CheckpointFile:
    saved = CheckpointFile.for_stream(tmp_path, STREAM, None)
    saved.path.parent.mkdir(parents=True)
    return saved


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[" * 100_000, "nested too deeply to be a checkpoint"),
        (b'{"version": 1, "shards": {"shardId-0": {"sequence": "4\xff"}}}', "not UTF-8 at byte 54"),
        (b'{"version": 1, "shards": {"shardId-0": {"sequence": 49651234}}}',
         "sequence '49651234' is not a Kinesis sequence number (digits, as text)"),
        (b'{"version": 1, "shards": {"shardId-0": {"sequence": "latest"}}}',
         "sequence 'latest' is not a Kinesis sequence number"),
        (b'{"version": 1, "shards": {"shardId-0": {"sequence": "1", "finished": "no"}}}', "finished is not true or false"),
        (b'{"version": 1, "shards": {"shardId-0": 7}}', "a shard's position is not an object"),
        (b"[]", "version None"),
    ],
    ids=["brackets", "not-utf8", "sequence-a-number", "sequence-not-digits", "finished-text", "entry-number", "list"],
)
def test_a_damaged_checkpoint_is_one_line_naming_the_file(checkpoint: CheckpointFile, content: bytes, problem: str):
    checkpoint.path.write_bytes(content)
    with pytest.raises(ValueError) as raised:
        checkpoint.load()
    message = str(raised.value)
    assert message.startswith(f"the Kinesis checkpoint {checkpoint.path} is damaged (")
    assert problem in message and message.endswith("move it away to start from the lookback")
    assert "\n" not in message


def test_a_valid_checkpoint_still_loads(checkpoint: CheckpointFile):
    checkpoint.path.write_text(json.dumps(
        {"version": 1, "stream": STREAM, "shards": {"shardId-0": {"sequence": "4965", "finished": True},
                                                     "shardId-1": {"sequence": None}}}))
    loaded = checkpoint.load()
    assert loaded is not None and loaded["shardId-0"].sequence == "4965" and loaded["shardId-0"].finished
    assert loaded["shardId-1"].sequence is None and not loaded["shardId-1"].finished


def test_a_checkpoint_that_cannot_be_written_is_an_error_until_it_can(feed, reader_for, aws_endpoint, tmp_path):
    """The checkpoint directory cannot be created (a file is in its place; the tests run as root, so
    permission bits would not stop a write): the status is ``error`` naming the file, reading goes on,
    and the error clears once a write succeeds."""
    state = tmp_path / "state"
    state.mkdir()
    reader = reader_for(aws_endpoint, state_dir=state)
    blocker = state / "kinesis"
    blocker.write_text("not a directory")
    got = Collector()
    with running(reader, got):
        feed.put(3)
        assert got.wait_for(lambda: len(got.events) >= 3)
        assert wait_until(lambda: reader.statuses()[0].state == "error")
        status = reader.statuses()[0]
        assert status.last_error.startswith(f"cannot write the checkpoint {reader.checkpoint.path}: ")
        assert "a restart would start from the lookback; make the directory writable (reading goes on)" in status.last_error
        assert status.errors >= 1 and status.checkpoints == 0

        blocker.unlink()
        feed.put(2)
        assert got.wait_for(lambda: len(got.events) >= 5)
        assert wait_until(lambda: reader.statuses()[0].last_error is None)
        assert reader.statuses()[0].checkpoints >= 1
