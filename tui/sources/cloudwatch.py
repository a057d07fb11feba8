"""Following VPC flow logs in CloudWatch Logs: the entry points the engine, CLI and TUI use.

    client = make_logs_client(region, profile, endpoint_url)
    budget = RequestBudget(5)                      # one for the whole process
    followers = [Follower(client, group, budget=budget) for group in groups]
    follow_all(followers, deliver, stop, on_status)

How late records are kept: see ``rescan.py``; the follower itself: ``follower.py``. boto3 is imported
only when a client is made, so importing this module is cheap.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

from tui.sources.budget import RequestBudget
from tui.sources.follower import Follower, FollowerStatus, LogEvent
from tui.sources.loggroup import LogGroupRef

__all__ = [
    "Follower",
    "FollowerStatus",
    "LogEvent",
    "LogGroupRef",
    "RequestBudget",
    "follow_all",
    "make_logs_client",
]

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30  # FilterLogEvents can scan for a while before answering


def make_logs_client(
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    *,
    inject_host_prefix: bool = True,
) -> Any:
    """A CloudWatch Logs client from the standard credential chain (env, SSO, profile, instance role).

    botocore's own retries are off (``total_max_attempts=1``; its ``max_attempts`` would count retries
    only): the follower owns retries and backoff, so every HTTP request passes the process-wide
    request budget and every throttle shows in the status.
    ``endpoint_url`` defaults to boto3's own resolution, which honours ``AWS_ENDPOINT_URL`` and
    ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``. ``inject_host_prefix=False`` keeps botocore from prefixing
    the host of StartLiveTail (``stream-127.0.0.1`` does not resolve; see ``livetail.py``).
    Raises botocore errors (unknown profile, no region).
    """
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        tcp_keepalive=True,
        user_agent_extra="flowtail",
        inject_host_prefix=inject_host_prefix,
    )
    session = boto3.Session(profile_name=profile, region_name=region)
    return session.client("logs", endpoint_url=endpoint_url, config=config)


def follow_all(
    followers: Sequence[Follower],
    deliver: Callable[[list[LogEvent]], None],
    stop: threading.Event,
    on_status: Callable[[list[FollowerStatus]], None] | None = None,
) -> None:
    """Poll each follower when it is due until ``stop`` is set, in the calling thread.

    New events go to ``deliver`` one batch per poll; ``on_status`` gets every follower's status after
    each round in which one of them polled. One thread is enough: the shared budget, not the
    thread count, bounds the request rate, and the followers never sleep (a backoff is a later due
    time), so waiting happens here, on ``stop.wait``, which returns as soon as ``stop`` is set. A poll
    in progress checks ``stop`` between pages. Errors raised by ``deliver`` or ``on_status``
    propagate.
    """
    while not stop.is_set():
        polled = False
        for follower in followers:
            if stop.is_set():
                return
            if follower.next_due() <= 0:
                batch = follower.poll(stop)
                polled = True
                if batch:
                    deliver(batch)
        if polled and on_status is not None:
            on_status([follower.status() for follower in followers])
        stop.wait(min((follower.next_due() for follower in followers), default=None))
