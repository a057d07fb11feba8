"""A Live Tail source feeding the real engine through a watch Session: late rejects, one of them lost
in a session timeout and recovered by the backfill, raise exactly one alarm (the wiring the sources
abstraction will make; here by hand)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tui.config import load_config
from tui.engine.engine import engine_from_config
from tui.rules.alerts import Alert
from tui.run.session import Session
from tui.sources.budget import RequestBudget
from tui.sources.follower import LogEvent
from tui.sources.livetail import LiveTailSource, live_tail_client_factory

from tests.livetail.conftest import GROUP, Scenario
from tests.livetail.tail_server import LiveTailServer

CONFIG = """
sources:
  - log_group: /vpc/flow-logs
rules:
  - name: bastion-http-reject
    pattern: '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6",
      packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 3
    window: 300s
    group_by: [srcaddr]
"""


def reject(t: int) -> str:
    return f"2 123456789010 eni-0a1b2c3d 10.0.0.155 10.0.14.100 40000 80 6 3 180 {t} {t + 60} REJECT OK"


def test_live_tail_feeds_the_engine_and_a_gap_does_not_cost_an_alert(
    scenario: Scenario, server: LiveTailServer, tmp_path: Path
) -> None:
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG)
    config = load_config(path)
    sources: list[LiveTailSource] = []
    ready = threading.Event()

    def feed(session: Session, stop: threading.Event) -> None:
        def deliver(events: list[LogEvent]) -> None:
            session.ingest([e.message for e in events], [e.timestamp for e in events], int(time.time() * 1000))

        factory = live_tail_client_factory("us-east-1", None, server.url)
        source = LiveTailSource(factory, GROUP, deliver, budget=RequestBudget(5), stop=stop, lookback_s=0)
        sources.append(source)
        ready.set()
        source.run()

    session = Session(engine_from_config(config, event_times=True), feed, "watch")
    alerts: list[Alert] = []
    alarmed = threading.Event()
    session.on_alert(lambda alert: (alerts.append(alert), alarmed.set()))
    session.start()
    try:
        assert ready.wait(30)
        source = sources[0]
        deadline = time.monotonic() + 30
        while source.status().state != "live":
            assert time.monotonic() < deadline, "no live session"
            alarmed.wait(0.05)
        logs = scenario.logs
        logs.create_log_stream(logGroupName=GROUP, logStreamName="eni-0a1b2c3d")
        now = int(time.time())
        for late_s in (240, 150, 30):  # minutes-late flow records, ingested one by one
            logs.put_log_events(logGroupName=GROUP, logStreamName="eni-0a1b2c3d",
                                logEvents=[{"timestamp": (now - late_s) * 1000, "message": reject(now - late_s)}])
        stored = scenario._all()
        scenario.tail(stored[:1])
        server.timeout()  # the other two were ingested while the session ended: only the backfill has them
        assert alarmed.wait(30), "no alarm"
        deadline = time.monotonic() + 30
        while source.status().backfills < 1:
            assert time.monotonic() < deadline, "no backfill"
            alarmed.wait(0.05)
    finally:
        session.stop()
    assert [(a.rule, a.state) for a in alerts] == [("bastion-http-reject", "ALARM")]
    assert source.status().events == 3
