"""Kinesis answers that are not Kinesis's (a proxy's page, cut-off JSON, a body without Records): an
error the status names and counts, retried; reading resumes when the endpoint answers properly."""

from __future__ import annotations

import pytest

from tests.cloudwatch.cw_fault_proxy import Raw
from tests.kinesis.conftest import Collector, running, wait_until


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
