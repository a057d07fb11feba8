"""A hostile or broken endpoint never blinds the follower while it reports healthy.

The fault proxy (``cw_fault_proxy.py``) answers FilterLogEvents with what moto never sends: HTTP 200
with a proxy's login page, JSON cut off mid-way, bytes that are not UTF-8, JSON of the wrong shape,
and a body trickled one byte at a time (headers at once, so botocore's per-read timeout never fires).
Each must be an error the status names and counts, retried until the endpoint answers properly again.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.cloudwatch.cw_fault_proxy import Raw
from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (Raw(b"<html><body><form>Sign in to the proxy</form></body></html>"), "the answer is not JSON (text/html"),
        (Raw(b'{"events": [{"eventId": "1", "timest', content_type="application/x-amz-json-1.1"), "the answer is cut off"),
        (Raw(b'\xff\xfe{"events": []}', content_type="application/x-amz-json-1.1"), "the answer is not UTF-8"),
        (Raw(b'{"events": "none"}', content_type="application/x-amz-json-1.1"), "events is a string, not a list"),
        (Raw(b'{"events": [{"eventId": "1", "timestamp": "soon"}]}', content_type="application/x-amz-json-1.1"),
         "events[0].timestamp is a string, not a long"),
        (Raw(b'{"events": [{"message": "no id"}]}', content_type="application/x-amz-json-1.1"),
         "an event without eventId or timestamp"),
    ],
    ids=["html-login", "cut-off-json", "not-utf8", "events-not-a-list", "timestamp-a-string", "no-event-id"],
)
def test_a_200_that_is_not_the_apis_answer_is_an_error_then_recovers(
    logs, group, proxy, clock: FakeClock, follower_for, raw, says
):
    writer = Writer(logs, group, [Planned("eni-1", int((clock.now - 30) * 1000), clock.now - 20, "the record")])
    writer.write_arrived(clock.now)
    follower = follower_for(proxy.url)
    proxy.answer(raw)

    assert follower.poll() == []
    status = follower.status()
    assert (status.state, status.errors, status.calls) == ("error", 1, 1)
    assert says in status.last_error and status.last_error.endswith(": retrying")
    assert status.last_error.startswith("unreadable answer from CloudWatch Logs: FilterLogEvents:")
    assert status.retry_in_s is not None  # backing off, not a success

    proxy.clear()
    clock.advance(follower.next_due())
    delivered = follower.poll()
    assert [event.message for event in delivered] == ["the record"]
    assert (follower.status().state, follower.status().last_error) == ("ok", None)


def test_a_trickling_answer_is_stalled_then_cut_at_the_deadline(logs, group, proxy, clock: FakeClock, follower_for):
    """Headers at once, then one byte a second: botocore's read timeout never fires. The follower
    shows ``stalled`` while the call waits, and the call fails at its total deadline."""
    follower = follower_for(proxy.url, poll_interval_s=5, stall_after_s=15, deadline_s=1.5)
    proxy.answer(Raw(b'{"events": []}' + b" " * 1000, content_type="application/x-amz-json-1.1", trickle_s=0.3))
    polled: list[list] = []
    thread = threading.Thread(target=lambda: polled.append(follower.poll()), daemon=True)
    began = time.monotonic()
    thread.start()
    _wait_for(lambda: follower.status().calls == 1)
    clock.advance(16)  # the follower's clock: no answer for more than stall_after_s
    stalled = follower.status()
    assert stalled.state == "stalled" and stalled.last_error == (
        "stalled: no answer for over 15 s (the call waits for its deadline)"
    )

    thread.join(60)
    assert not thread.is_alive() and polled == [[]]
    assert time.monotonic() - began < 60  # the deadline (1.5 s), not the 1,000 bytes' 300 s
    status = follower.status()
    assert (status.state, status.errors) == ("error", 1)
    assert status.last_error == (
        "CloudWatch Logs: no complete answer within 1.5 s (a stalled or trickling connection): retrying"
    )
    proxy.clear()


def test_the_start_up_probe_names_an_unreadable_answer_instead_of_raising(group, proxy):
    """Before: botocore's UnicodeDecodeError / AttributeError escaped the probe as a traceback."""
    from tui.sources.aws_errors import FaultKind
    from tui.sources.cloudwatch import make_logs_client
    from tui.sources.preflight import NEEDS_THE_USER, probe_log_group

    client = make_logs_client(region="us-east-1", endpoint_url=proxy.url)
    for body in (b"\xff\xfe{}", b'{"events": 5}', b"[]"):
        proxy.answer(Raw(body, content_type="application/x-amz-json-1.1"))
        fault = probe_log_group(client, group)
        assert fault is not None and fault.kind is FaultKind.TRANSIENT and fault.kind not in NEEDS_THE_USER
        assert fault.message.startswith("unreadable answer from CloudWatch Logs: FilterLogEvents: ")
    proxy.clear()
    assert probe_log_group(client, group) is None
