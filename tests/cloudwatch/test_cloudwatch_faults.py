"""Faults between the follower and CloudWatch Logs: nothing is lost or duplicated, nothing raises,
the status says what is wrong, and the follower recovers when the fault stops."""

from __future__ import annotations

import random

import pytest

from tui.sources.cloudwatch import make_logs_client

from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer, key_of, run_follower
from tests.cloudwatch.test_cloudwatch_late_events import late_scenario


def test_throttling_5xx_and_resets_lose_and_duplicate_nothing(logs, group, proxy, clock: FakeClock, follower_for):
    proxy.shares = (0.15, 0.10, 0.10)  # throttle, 500/503, connection reset
    start = clock.now
    planned = late_scenario(start, seed=5)
    # Small pages, so faults also strike in the middle of a range and resume from a page token.
    follower = follower_for(proxy.url, page_limit=40)

    delivered = run_follower(follower, Writer(logs, group, planned), clock, until=start + 1500)

    assert sorted(map(key_of, delivered)) == sorted(p.key for p in planned)
    outcomes = proxy.outcomes()
    assert outcomes["throttle"] > 20 and outcomes["reset"] > 10 and outcomes["500"] + outcomes["503"] > 10
    status = follower.status()
    assert status.throttled == outcomes["throttle"]
    assert status.errors == outcomes["500"] + outcomes["503"] + outcomes["reset"]
    assert status.calls == sum(outcomes.values())
    resumed = [seen for seen in proxy.seen if "nextToken" in seen.body]
    assert resumed, "some ranges should have needed more than one page"


def test_throttled_status_while_backing_off(logs, group, proxy, clock: FakeClock, follower_for):
    follower = follower_for(proxy.url)
    proxy.force(400, "ThrottlingException", "Rate exceeded")
    assert follower.poll() == []
    status = follower.status()
    assert (status.state, status.throttled, status.errors) == ("throttled", 1, 0)
    assert status.last_error == "throttled by CloudWatch Logs (account request rate): backing off"
    assert 0 <= status.retry_in_s <= 0.5 and follower.next_due() == status.retry_in_s
    # Consecutive throttles back off exponentially (full jitter, capped at 20 s).
    for _ in range(12):
        clock.advance(follower.next_due())
        follower.poll()
    assert follower.status().throttled == 13 and follower.next_due() <= 20


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ExpiredTokenException", "AWS credentials expired: refresh them (e.g. aws sso login --profile ops)"),
        ("AccessDeniedException", "access denied: the IAM principal needs logs:FilterLogEvents on arn:aws:logs:us-east-1:*:log-group:/vpc/flow-logs"),
    ],
)
def test_credentials_and_access_faults_explain_and_recover(logs, group, proxy, clock: FakeClock, follower_for, code, message):
    writer = Writer(logs, group, [Planned("eni-1", int((clock.now - 30) * 1000), clock.now - 20, "before the fault")])
    writer.write_arrived(clock.now)
    follower = follower_for(proxy.url, profile="ops")
    proxy.force(400, code, "no")
    for _ in range(3):  # keeps retrying, slowly: 7.5 s or more apart
        assert follower.poll() == []
        assert follower.next_due() >= 7.5
        clock.advance(follower.next_due())
    status = follower.status()
    assert (status.state, status.errors, status.last_error) == ("error", 3, message)
    proxy.clear()
    events = follower.poll()
    assert [event.message for event in events] == ["before the fault"]
    status = follower.status()
    assert (status.state, status.last_error, status.errors) == ("ok", None, 3)


def test_missing_log_group_is_named_and_picked_up_once_created(logs, aws_endpoint, clock: FakeClock, follower_for):
    follower = follower_for(aws_endpoint, "/vpc/later")
    assert follower.poll() == []
    assert follower.status().last_error == "log group /vpc/later not found in us-east-1"
    logs.create_log_group(logGroupName="/vpc/later")
    Writer(logs, "/vpc/later", [Planned("eni-1", int(clock.now * 1000), clock.now, "hello")]).write_arrived(clock.now)
    clock.advance(follower.next_due())
    assert [event.message for event in follower.poll()] == ["hello"]


def test_a_fresh_client_is_built_after_a_credentials_fault(logs, group, proxy, clock: FakeClock, follower_for):
    built = []

    def renew():
        built.append(make_logs_client(region="us-east-1", endpoint_url=proxy.url))
        return built[-1]

    follower = follower_for(proxy.url, renew_client=renew)
    proxy.force(400, "ExpiredToken", "expired")
    follower.poll()
    assert built == []  # the new client is made when the call is retried
    proxy.clear()
    clock.advance(follower.next_due())
    follower.poll()
    assert len(built) == 1 and follower.status().state == "ok"


def test_programming_errors_are_not_swallowed(budget, clock: FakeClock):
    from tui.sources.cloudwatch import Follower

    class Broken:
        class meta:  # noqa: N801 - mimics boto3's client.meta
            region_name = "us-east-1"

        def filter_log_events(self, **params):
            raise KeyError("bug")

    follower = Follower(Broken(), "/vpc/flow-logs", budget=budget, clock=clock, rng=random.Random(0))
    with pytest.raises(KeyError):
        follower.poll()
