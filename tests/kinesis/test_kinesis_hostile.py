"""Kinesis answers that are not Kinesis's (a proxy's page, cut-off JSON, a body without Records): an
error the status names and counts, retried; reading resumes when the endpoint answers properly."""

from __future__ import annotations

import random
import time

import pytest

from tui.sources.kinesis import STALL_AFTER_S, KinesisSource, make_kinesis_client

from tests.cloudwatch.cw_fault_proxy import Raw
from tests.kinesis.conftest import REGION, STREAM, Collector, running, wait_until


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (Raw(b"<html>captive portal</html>"), "the answer is not JSON (text/html"),
        (Raw(b'{"Records": [{"Data": "', content_type="application/x-amz-json-1.1"), "the answer is cut off"),
        # GetRecords without its required Records, ListShards listing none, GetShardIterator without one
        (Raw(b'{"NextShardIterator": "x"}', content_type="application/x-amz-json-1.1"),
         ("Records is missing", "ListShards: no shards listed", "GetShardIterator: no ShardIterator")),
    ],
    ids=["html", "cut-off", "no-records"],
)
def test_an_unreadable_kinesis_answer_is_an_error_then_reading_resumes(feed, reader_for, proxy, raw, says):
    reader = reader_for(proxy.url)
    got = Collector()
    with running(reader, got):
        feed.put(2)
        assert got.wait_for(lambda: len(got.events) >= 2)
        proxy.answer(raw)
        assert wait_until(lambda: reader.statuses()[0].errors >= 1)
        status = reader.statuses()[0]
        assert status.state == "error" and status.last_error.startswith("unreadable answer from Kinesis: ")
        assert any(text in status.last_error for text in ((says,) if isinstance(says, str) else says))
        proxy.clear()
        feed.put(3)
        assert got.wait_for(lambda: len(got.events) >= 5, timeout=60)
        assert wait_until(lambda: reader.statuses()[0].last_error is None)


def test_a_trickling_kinesis_answer_is_stalled_then_cut_at_the_deadline(feed, proxy, tmp_path):
    """Headers at once, then a byte every 0.3 s: the stream shows ``stalled`` while the call waits
    (the reader's monotonic clock is moved past STALL_AFTER_S), and the call fails at its deadline."""
    shift = [0.0]
    reader = KinesisSource(make_kinesis_client(REGION, None, proxy.url, deadline_s=1.5), STREAM,
                           state_dir=tmp_path / "state", list_every_s=0.2, caught_up_wait_s=0.05,
                           rng=random.Random(3), monotonic=lambda: time.monotonic() + shift[0])
    got = Collector()
    with running(reader, got):
        feed.put(2)
        assert got.wait_for(lambda: len(got.events) >= 2)
        proxy.answer(Raw(b'{"Records": []}' + b" " * 1000, content_type="application/x-amz-json-1.1",
                         trickle_s=0.3))
        assert wait_until(lambda: reader._calling_since is not None and proxy.outcomes()["raw"] >= 1)
        shift[0] += STALL_AFTER_S + 1
        status = reader.statuses()[0]
        assert status.state == "stalled"
        assert status.last_error == "stalled: no answer for over 45 s (the call waits for its deadline)"
        assert wait_until(lambda: reader.statuses()[0].errors >= 1, timeout=10)
        assert "no complete answer within 1.5 s" in reader.statuses()[0].last_error
        proxy.clear()
