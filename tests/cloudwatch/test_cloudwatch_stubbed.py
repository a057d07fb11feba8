"""Responses moto never gives, from botocore's Stubber: empty pages with a token, page-token resume,
ARN identifiers, and exact lag and re-read figures."""

from __future__ import annotations

import random

import boto3
import pytest
from botocore.stub import ANY, Stubber

from tui.sources.cloudwatch import Follower, RequestBudget

from tests.cloudwatch.cw_sim import FakeClock

NOW = 1_700_000_000.0
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/flow-logs"


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("logs", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def make_follower(client, log_group: str = "/vpc/flow-logs", **options) -> Follower:
    own = FakeClock(0.0)
    options.setdefault("clock", FakeClock(NOW))
    return Follower(client, log_group, budget=RequestBudget(5, clock=own, sleep=own.sleep), rng=random.Random(0), **options)


def event(n: int, stream: str = "eni-1", lag_ms: int = 1000, stamp_ms: int | None = None) -> dict:
    stamp = stamp_ms if stamp_ms is not None else int(NOW * 1000) - 60_000 + n
    return {"eventId": f"id-{n}", "logStreamName": stream, "timestamp": stamp, "ingestionTime": stamp + lag_ms, "message": f"m{n}"}


def params(**extra) -> dict:
    return {"logGroupName": "/vpc/flow-logs", "startTime": ANY, "endTime": ANY, "limit": 10000, "interleaved": True, **extra}


def test_an_empty_page_with_a_token_is_not_the_end(stubbed):
    client, stubber = stubbed
    stubber.add_response("filter_log_events", {"events": [event(1), event(2)], "nextToken": "t1"}, params())
    stubber.add_response("filter_log_events", {"events": [], "nextToken": "t2"}, params(nextToken="t1"))
    stubber.add_response("filter_log_events", {"events": [event(3)], "nextToken": "t3"}, params(nextToken="t2"))
    stubber.add_response("filter_log_events", {"events": [event(4)]}, params(nextToken="t3"))
    follower = make_follower(client)
    assert [e.message for e in follower.poll()] == ["m1", "m2", "m3", "m4"]
    assert follower.status().calls == 4 and follower.next_due() == 5


def test_a_failed_page_is_retried_from_its_token_and_a_rejected_token_restarts_the_range(stubbed):
    client, stubber = stubbed
    stubber.add_response("filter_log_events", {"events": [event(1)], "nextToken": "t1"}, params())
    stubber.add_client_error("filter_log_events", "ThrottlingException", "Rate exceeded", 400, expected_params=params(nextToken="t1"))
    stubber.add_response("filter_log_events", {"events": [event(2)], "nextToken": "t2"}, params(nextToken="t1"))
    stubber.add_client_error("filter_log_events", "InvalidParameterException", "bad token", 400, expected_params=params(nextToken="t2"))
    stubber.add_response("filter_log_events", {"events": [event(1), event(2), event(3)]}, params())
    clock = FakeClock(NOW)
    follower = make_follower(client, clock=clock)
    delivered = []
    for _ in range(3):
        delivered += follower.poll()
        clock.advance(follower.next_due())
    assert [e.message for e in delivered] == ["m1", "m2", "m3"]
    status = follower.status()
    assert (status.throttled, status.errors, status.state, status.reread_ratio) == (1, 1, "ok", 5 / 3)


def test_the_same_range_and_end_time_are_kept_across_retries(stubbed):
    client, stubber = stubbed
    fixed = params(startTime=int((NOW - 900) * 1000), endTime=int(NOW * 1000))
    stubber.add_client_error("filter_log_events", "ServiceUnavailableException", "", 503, expected_params=fixed)
    stubber.add_response("filter_log_events", {"events": [event(1)]}, fixed)
    clock = FakeClock(NOW)
    follower = make_follower(client, clock=clock)
    assert follower.poll() == []
    clock.advance(follower.next_due())
    assert len(follower.poll()) == 1


def test_an_arn_is_sent_as_log_group_identifier(stubbed):
    client, stubber = stubbed
    expected = {**params(), "logGroupIdentifier": ARN}
    del expected["logGroupName"]
    stubber.add_response("filter_log_events", {"events": [event(1)]}, expected)
    follower = make_follower(client, ARN + ":*")
    (got,) = follower.poll()
    assert got.log_group == "/vpc/flow-logs"
    assert follower.status().log_group == ARN


def test_an_arn_in_another_region_is_refused_up_front(stubbed):
    client, _ = stubbed
    with pytest.raises(ValueError, match="is in eu-west-1, but the client is for us-east-1"):
        make_follower(client, "arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/flow-logs")


@pytest.mark.parametrize("bad", ["", "has space", "arn:aws:logs:us-east-1:123:log-group:x", "a" * 513])
def test_bad_log_group_names_are_refused_up_front(stubbed, bad):
    with pytest.raises(ValueError):
        make_follower(stubbed[0], bad)


def test_stream_prefix_is_sent_and_also_applied_locally(stubbed):
    client, stubber = stubbed
    page = {"events": [event(1, "eni-1"), event(2, "other"), event(3, "eni-2")]}
    stubber.add_response("filter_log_events", page, params(logStreamNamePrefix="eni-", filterPattern="m"))
    follower = make_follower(client, stream_prefix="eni-", filter_pattern="m")
    assert [e.log_stream for e in follower.poll()] == ["eni-1", "eni-2"]


def test_filter_pattern_is_sent_and_also_applied_locally(stubbed):
    """moto applies only plain terms (a bracket pattern comes back unfiltered): the follower delivers
    only what the pattern matches, as AWS would have returned."""
    client, stubber = stubbed
    page = {"events": [{**event(1), "message": "2 1 eni-1 a b 1 22 6 1 1 1 2 REJECT OK"},
                       {**event(2), "message": "2 1 eni-1 a b 1 22 6 1 1 1 2 ACCEPT OK"}]}
    stubber.add_response("filter_log_events", page, params(filterPattern="[..., action=REJECT, status]"))
    follower = make_follower(client, filter_pattern="[..., action=REJECT, status]")
    assert [e.event_id for e in follower.poll()] == ["id-1"]


def test_lag_rate_and_reread_figures(stubbed):
    client, stubber = stubbed
    first = [event(n, lag_ms=lag) for n, lag in enumerate([1000, 3000, 2000, 9000], 1)]
    stubber.add_response("filter_log_events", {"events": first}, params())
    # The next round re-reads the first four and finds one more: 9 returned, 5 new.
    stubber.add_response("filter_log_events", {"events": first + [event(5, lag_ms=4000)]}, params())
    clock = FakeClock(NOW)
    follower = make_follower(client, clock=clock)
    follower.poll()
    clock.advance(5)
    assert [e.message for e in follower.poll()] == ["m5"]
    status = follower.status()
    assert (status.lag_p50_ms, status.lag_p95_ms) == (3000, 9000)  # nearest rank of 1,2,3,4,9 s
    assert status.reread_ratio == 9 / 5
    assert status.events_per_s == 5 / 60
    assert (status.events, status.calls, status.dedup_size, status.last_poll) == (5, 2, 5, NOW + 5)
    clock.advance(61)
    assert follower.status().events_per_s == 0
