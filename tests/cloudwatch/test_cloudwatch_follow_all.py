"""follow_all: several log groups in one thread, batches to ``deliver``, prompt stop."""

from __future__ import annotations

import threading
import time

from tui.sources.cloudwatch import Follower, LogEvent, RequestBudget, follow_all, make_logs_client

from tests.cloudwatch.cw_sim import Planned, Writer


def test_follows_several_groups_and_stops_promptly(logs, aws_endpoint):
    now = time.time()
    for name in ("/vpc/a", "/vpc/b"):
        logs.create_log_group(logGroupName=name)
        Writer(logs, name, [Planned("eni-1", int((now - 60) * 1000), now, f"{name} event")]).write_arrived(now)
    client = make_logs_client(region="us-east-1", endpoint_url=aws_endpoint)
    budget = RequestBudget(5)
    followers = [Follower(client, name, budget=budget, poll_interval_s=60) for name in ("/vpc/a", "/vpc/b")]
    delivered: list[LogEvent] = []
    statuses = []
    first_round = threading.Event()
    stop = threading.Event()

    def on_status(batch):
        statuses.append(batch)
        first_round.set()

    worker = threading.Thread(target=follow_all, args=(followers, delivered.extend, stop, on_status))
    worker.start()
    assert first_round.wait(timeout=10)
    stop.set()  # the next tier is 60 s away: follow_all must not wait for it
    worker.join(timeout=30)  # half of it: a loaded machine's delay is not the wait for the tier
    assert not worker.is_alive()
    assert sorted(event.message for event in delivered) == ["/vpc/a event", "/vpc/b event"]
    assert [s.log_group for s in statuses[0]] == ["/vpc/a", "/vpc/b"]
    assert all(s.state == "ok" and s.calls == 1 for s in statuses[0])


def test_no_followers_waits_for_stop():
    stop = threading.Event()
    stop.set()
    follow_all([], lambda batch: None, stop)
