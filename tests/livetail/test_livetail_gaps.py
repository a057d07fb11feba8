"""Live Tail through boto3's own event-stream parser against the local server: every gap (session
timeout, stream error, dropped connection, sampled update, updates dropped by the server or by our own
queue) is followed by a FilterLogEvents backfill from moto, and every event arrives exactly once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tui.sources.budget import RequestBudget
from tui.sources.livetail import LiveTailSource

from tests.livetail.conftest import GROUP, STALL_S, Collector, Scenario
from tests.livetail.tail_server import LiveTailServer, tail_events

FILTER_LOG_EVENTS = "Logs_20140328.FilterLogEvents"


def wait_live(collector: Collector, source: LiveTailSource) -> None:
    collector.wait_until(lambda: source.status().state == "live", "a live session")


def settle(scenario: Scenario, collector: Collector, source: LiveTailSource, backfills: int) -> None:
    """Wait for ``backfills`` complete backfills, then for a marker sent after them through the stream:
    once it is delivered, everything queued before it has been delivered too."""
    collector.wait_until(lambda: source.status().backfills >= backfills, f"{backfills} backfill(s)")
    marker = scenario.put(1)
    scenario.tail(marker)
    collector.wait_until(lambda: collector.messages()[marker[0]["message"]] >= 1, "the marker")


def assert_exactly_once(scenario: Scenario, collector: Collector, backfilled: list[dict[str, Any]] = ()) -> None:
    """Every stored event delivered once; ``backfilled`` ones (never streamed) with moto's event ids."""
    assert collector.messages() == Counter(e["message"] for e in scenario.written)
    ids = [event.event_id for event in collector.events]
    assert len(ids) == len(set(ids))
    by_message = {event.message: event for event in collector.events}
    for stored in backfilled:
        event = by_message[stored["message"]]
        assert (event.event_id, event.timestamp, event.log_stream) == (
            stored["eventId"],
            stored["timestamp"],
            stored["logStreamName"],
        )
        assert event.log_group == GROUP


def test_events_stream_through_with_no_gap_and_no_backfill(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(stall_s=30)  # no silence on a loaded machine is long enough to count
    wait_live(collector, source)
    for _ in range(3):
        scenario.tail(scenario.put(4))
    collector.wait_until(lambda: len(collector.events) == 12, "12 events")
    assert_exactly_once(scenario, collector)
    status = source.status()
    assert (status.gaps, status.backfills, status.reconnects, status.sampled) == (0, 0, 0, 0)
    assert status.events == 12 and status.reread_ratio == 1.0
    assert server.targets[FILTER_LOG_EVENTS] == 0
    assert all(event.event_id.startswith("lt-") for event in collector.events)
    assert server.requests == [{"logGroupIdentifiers": [scenario.arn]}]  # the ARN, without ":*"


def test_session_timeout_reconnects_and_backfills_the_gap(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    wait_live(collector, source)
    scenario.tail(scenario.put(5))
    collector.wait_until(lambda: len(collector.events) == 5, "the first events")
    missed = scenario.put(4)  # stored while the session ends: never streamed
    server.timeout()
    # Stored before the new session and streamed by it as well: the backfill may or may not
    # deliver them first, either way once.
    scenario.tail(scenario.put(3))
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=missed)
    status = source.status()
    assert server.sessions == 2 and status.reconnects == 1 and status.gaps >= 1
    assert status.errors == 0 and status.state == "live"


def test_a_session_that_times_out_at_once_is_renewed_with_backoff(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(min_session_s=60)
    wait_live(collector, source)
    server.timeout()
    collector.wait_until(lambda: server.sessions == 2 and source.status().state == "live", "a new session")
    assert source.status().errors == 1  # not a normal end: counted, and retried after a backoff


@pytest.mark.parametrize("fail", ["streaming_error", "close"])
def test_stream_error_or_dropped_connection_reconnects_and_backfills(
    fail: str, scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    wait_live(collector, source)
    scenario.tail(scenario.put(3))
    collector.wait_until(lambda: len(collector.events) == 3, "the first events")
    missed = scenario.put(5)
    getattr(server, fail)()
    collector.wait_until(lambda: server.sessions == 2, "a new session")
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=missed)
    status = source.status()
    assert status.reconnects == 1 and status.gaps >= 1 and status.errors == 1
    assert status.state == "live" and status.last_error is None


def test_a_session_is_renewed_before_it_times_out_with_no_gap_and_no_backfill(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    """While the old and the new session are both open, both send every new event (as AWS does);
    each is delivered once. Sessions are renewed every second or two here (every 2 h 50 min in use)."""
    source = source_for(renew_after_s=1.0, overlap_s=1.5)
    wait_live(collector, source)
    server.broadcast(tail_events(scenario.arn, scenario.put(3)))
    collector.wait_until(lambda: server.open_sessions == 2, "a renewal in progress")
    server.broadcast(tail_events(scenario.arn, scenario.put(4)))  # sent by both sessions
    collector.wait_until(lambda: source.status().renewals >= 1, "a renewal")
    server.broadcast(tail_events(scenario.arn, scenario.put(3)))
    marker = scenario.put(1)
    server.broadcast(tail_events(scenario.arn, marker))
    collector.wait_until(lambda: collector.messages()[marker[0]["message"]] >= 1, "the marker")
    assert_exactly_once(scenario, collector)
    status = source.status()
    assert (status.gaps, status.reconnects, status.backfills) == (0, 0, 0)
    assert server.targets[FILTER_LOG_EVENTS] == 0


def test_a_renewal_that_fails_to_start_leaves_the_session_streaming(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(renew_after_s=0.5)
    wait_live(collector, source)
    server.refuse["StartLiveTail"] = (503, "ServiceUnavailableException", "try later")
    collector.wait_until(lambda: source.status().errors >= 1, "the failed renewal")
    scenario.tail(scenario.put(3))
    collector.wait_until(lambda: len(collector.events) == 3, "the events")
    assert_exactly_once(scenario, collector)
    status = source.status()
    assert status.state == "live" and status.renewals == 0 and status.gaps == 0 and server.open_sessions == 1
    assert "unavailable" in status.last_error


def test_sampled_update_opens_a_gap_that_the_backfill_fills(
    scenario: Scenario, collector: Collector, source_for
) -> None:
    source = source_for()
    wait_live(collector, source)
    burst = scenario.put(12)
    scenario.tail(burst[:5], sampled=True)  # the other 7 of that second were sampled away
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=burst[5:])
    status = source.status()
    assert status.sampled == 1 and status.gaps >= 1 and status.reconnects == 0


def test_sampling_that_goes_on_is_backfilled_every_period(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(backfill_every_s=0.2)
    wait_live(collector, source)
    server.heartbeat_sampled = True  # every update sampled from now on: the stream never settles
    burst = scenario.put(6)
    scenario.tail(burst[:2], sampled=True)
    collector.wait_until(lambda: source.status().backfills >= 2, "two backfills while sampled")
    collector.wait_until(lambda: len(collector.events) == 6, "the sampled-away events")
    assert source.status().state in ("sampled", "backfilling")
    server.heartbeat_sampled = False
    settle(scenario, collector, source, backfills=2)
    assert_exactly_once(scenario, collector, backfilled=burst[2:])


def test_updates_dropped_by_the_server_during_a_silence_are_backfilled(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    wait_live(collector, source)
    scenario.tail(scenario.put(3))
    collector.wait_until(lambda: len(collector.events) == 3, "the first events")
    dropped = scenario.put(6)  # buffered by the server while we did not read, then dropped
    server.pause(3 * STALL_S)
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=dropped)
    status = source.status()
    assert status.gaps >= 1 and status.reconnects == 0


def test_updates_dropped_while_the_reader_fell_behind_are_backfilled(
    scenario: Scenario, collector: Collector, source_for
) -> None:
    source = source_for()
    wait_live(collector, source)
    scenario.tail(scenario.put(3))
    collector.wait_until(lambda: len(collector.events) == 3, "the first events")
    dropped = scenario.put(4)  # the oldest buffered updates, dropped: never streamed
    late = scenario.put(2)
    scenario.tail(late, held_ms=int(4 * STALL_S * 1000))  # no silence, but this update waited
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=dropped)
    assert source.status().gaps >= 1


def test_updates_dropped_by_a_full_queue_are_backfilled(scenario: Scenario, collector: Collector, source_for) -> None:
    collector.gate.clear()  # the consumer is stuck: the worker blocks in deliver
    source = source_for(queue_updates=2)
    wait_live(collector, source)
    for _ in range(6):
        scenario.tail(scenario.put(2))
    collector.wait_until(lambda: source.status().dropped_updates >= 1, "a dropped update")
    collector.gate.set()
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector)
    assert source.status().gaps >= 1


def test_lookback_is_backfilled_at_the_start_without_counting_a_gap(
    scenario: Scenario, collector: Collector, source_for
) -> None:
    before = scenario.put(5, late_s=300)
    source = source_for(lookback_s=600)
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=before)
    assert source.status().gaps == 0


def test_every_backfill_call_passes_the_request_budget(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer, budget: RequestBudget
) -> None:
    source = source_for(page_limit=2)  # several pages per backfill
    wait_live(collector, source)
    scenario.put(7)
    server.timeout()
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector)
    source.stop()  # no call in flight: every budget grant has reached the server
    assert server.targets[FILTER_LOG_EVENTS] >= 4
    assert budget.granted == server.targets[FILTER_LOG_EVENTS]


def test_stream_prefix_is_sent_and_checked_locally(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for(stream_prefix="eni-0a")
    wait_live(collector, source)
    wanted = scenario.put(2, stream="eni-0a1b2c3d")
    other = scenario.put(2, stream="eni-9f9f9f9f")
    scenario.tail(wanted + other)  # a server ignoring the prefix (moto does, for FilterLogEvents)
    server.timeout()
    collector.wait_until(lambda: source.status().backfills >= 1, "the backfill")
    scenario.written = [e for e in scenario.written if e["logStreamName"].startswith("eni-0a")]
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector)
    assert server.requests[0]["logStreamNamePrefixes"] == ["eni-0a"]


def test_a_failing_backfill_retries_while_the_stream_goes_on(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for()
    wait_live(collector, source)
    server.refuse["FilterLogEvents"] = (400, "ThrottlingException", "Rate exceeded")
    missed = scenario.put(3)
    server.timeout()
    collector.wait_until(lambda: source.status().throttled >= 2, "backfill attempts refused")
    streamed = scenario.put(2)
    scenario.tail(streamed)  # delivered while the backfill backs off
    collector.wait_until(lambda: len(collector.events) >= 2, "the streamed events")
    status = source.status()
    assert status.state == "throttled" and status.backfills == 0 and status.retry_in_s is not None
    server.refuse.clear()
    settle(scenario, collector, source, backfills=1)
    assert_exactly_once(scenario, collector, backfilled=missed)
    assert source.status().state == "live" and source.status().last_error is None


def test_access_denied_names_the_live_tail_permission(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    denied = "User is not authorized to perform: logs:StartLiveTail"
    server.refuse["StartLiveTail"] = (400, "AccessDeniedException", denied)
    source = source_for()
    collector.wait_until(lambda: source.status().state == "error", "the error")
    message = source.status().last_error
    assert message.startswith("access denied") and "logs:StartLiveTail" in message and scenario.arn in message


def test_too_many_sessions_says_so_and_backs_off(
    scenario: Scenario, collector: Collector, source_for, server: LiveTailServer
) -> None:
    server.refuse["StartLiveTail"] = (400, "LimitExceededException", "Too many concurrent sessions")
    source = source_for()
    collector.wait_until(lambda: source.status().throttled >= 1, "the refusal")
    status = source.status()
    assert status.state == "throttled" and "too many Live Tail sessions" in status.last_error
    server.refuse.clear()  # a session ends elsewhere: the next attempt gets one
    wait_live(collector, source)
    assert source.status().last_error is None


def test_missing_log_group_is_an_error_in_the_status_not_a_crash(
    collector: Collector, source_for, server: LiveTailServer
) -> None:
    source = source_for("/vpc/no-such-group")
    collector.wait_until(lambda: source.status().state == "error", "the error")
    status = source.status()
    assert "/vpc/no-such-group" in status.last_error and "not found" in status.last_error
    assert server.sessions == 0 and status.retry_in_s is not None


def test_stop_ends_both_threads(scenario: Scenario, collector: Collector, source_for) -> None:
    source = source_for()
    wait_live(collector, source)
    assert source.running()
    source.stop(timeout=5)
    assert not source.running()
