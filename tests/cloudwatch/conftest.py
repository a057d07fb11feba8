"""Fixtures for the CloudWatch follower tests: fake time, a moto-backed log group, the fault proxy.

Time that matters is fake: the follower's clock is a ``FakeClock`` (``cw_sim.py``) that the test
advances between polls, and events are written to moto with timestamps relative to it.
"""

from __future__ import annotations

import random
import time
from typing import Callable, Iterator

import boto3
import pytest

from tui.sources.cloudwatch import Follower, RequestBudget, make_logs_client

from tests.cloudwatch.cw_fault_proxy import FaultProxy
from tests.cloudwatch.cw_sim import FakeClock

GROUP = "/vpc/flow-logs"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(float(int(time.time()) - 40 * 60))


@pytest.fixture
def budget() -> RequestBudget:
    """A budget on its own fake time: never really sleeps, never moves the follower's clock."""
    own = FakeClock(0.0)
    return RequestBudget(5, clock=own, sleep=own.sleep)


@pytest.fixture
def logs(aws_endpoint: str):
    """A plain client straight to moto, for writing test data."""
    return boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")


@pytest.fixture
def group(logs) -> str:
    logs.create_log_group(logGroupName=GROUP)
    return GROUP


@pytest.fixture
def proxy(aws_endpoint: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of moto with no faults yet (set ``shares`` or ``force``)."""
    running = FaultProxy(aws_endpoint, seed=7).start()
    yield running
    running.stop()


@pytest.fixture
def follower_for(clock: FakeClock, budget: RequestBudget) -> Callable[..., Follower]:
    """Build a follower on ``endpoint`` with the fake clock and a seeded backoff jitter."""

    def build(endpoint: str, log_group: str = GROUP, **options) -> Follower:
        options.setdefault("clock", clock)
        options.setdefault("budget", budget)
        options.setdefault("rng", random.Random(1))
        client = make_logs_client(region="us-east-1", endpoint_url=endpoint, deadline_s=options.pop("deadline_s", None))
        return Follower(client, log_group, **options)

    return build
