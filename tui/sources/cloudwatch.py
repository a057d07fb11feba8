"""Following VPC flow logs in CloudWatch Logs: the entry points the engine, CLI and TUI use.

    client = make_logs_client(region, profile, endpoint_url)
    budget = RequestBudget(5)                      # one for the whole process
    followers = [Follower(client, group, budget=budget) for group in groups]
    follow_all(followers, deliver, stop, on_status)
    PollingSource(followers).run(deliver, stop, on_status)   # the same, as a session source

How late records are kept: see ``rescan.py``; the follower itself: ``follower.py``. boto3 is imported
only when a client is made, so importing this module is cheap.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

from tui.sources.budget import RequestBudget
from tui.sources.clients import make_client
from tui.sources.follower import Follower, FollowerStatus
from tui.sources.loggroup import LogGroupRef
from tui.sources.source import Deliver, LogEvent, StatusChanged

__all__ = [
    "Follower",
    "FollowerStatus",
    "LogEvent",
    "LogGroupRef",
    "PollingSource",
    "RequestBudget",
    "follow_all",
    "make_logs_client",
]

def make_logs_client(
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    *,
    inject_host_prefix: bool = True,
    deadline_s: float | None = None,
) -> Any:
    """A CloudWatch Logs client (see ``clients.make_client``)."""
    return make_client("logs", region, profile, endpoint_url, inject_host_prefix=inject_host_prefix,
                       deadline_s=deadline_s)


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


class PollingSource:
    """The polled log groups as one session source (``source.py``): all followers in one thread,
    under their shared request budget, as ``follow_all`` drives them."""

    label = "CloudWatch Logs (polling)"

    def __init__(self, followers: Sequence[Follower]) -> None:
        self.followers = tuple(followers)

    def run(self, deliver: Deliver, stop: threading.Event, on_status: StatusChanged) -> None:
        follow_all(self.followers, deliver, stop, lambda _statuses: on_status())

    def statuses(self) -> list[FollowerStatus]:
        return [follower.status() for follower in self.followers]
