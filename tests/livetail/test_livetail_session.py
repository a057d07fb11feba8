"""A `via: live-tail` source feeding the real engine through the watch wiring (open_live): late
rejects, one of them lost in a session timeout and recovered by the backfill, raise exactly one alarm."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.config import load_config
from tui.rules.alerts import Alert
from tui.run.live import open_live

from tests.livetail.conftest import GROUP, Scenario
from tests.livetail.tail_server import LiveTailServer

CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: /vpc/flow-logs
    via: live-tail
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
    path.write_text(CONFIG.format(endpoint=server.url))
    live = open_live(load_config(path), since_s=0)
    alerts: list[Alert] = []
    alarmed = threading.Event()
    live.session.on_alert(lambda alert: (alerts.append(alert), alarmed.set()))

    def status() -> Any:
        sources = live.session.snapshot(1, 1).sources
        return sources[0] if sources else None

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, what
            alarmed.wait(0.05)

    live.start()
    try:
        wait_for(lambda: status() is not None and status().state == "live", "no live session")
        assert status().via == "live-tail" and status().log_group == GROUP
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
        wait_for(lambda: status().backfills >= 1, "no backfill")
        wait_for(lambda: status().events == 3, "not every event delivered")
    finally:
        live.stop()
    assert [(a.rule, a.state) for a in alerts] == [("bastion-http-reject", "ALARM")]
    assert live.session.snapshot(1, 1).engine.records == 3
