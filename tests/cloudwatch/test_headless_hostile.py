"""Headless `watch` against a hostile endpoint: status lines keep coming whatever the source does, a
stalled or unreadable source is said on stderr and in the status lines, and following never stops
(the fault proxy in front of moto sends what moto never would; see cw_fault_proxy.Raw)."""

from __future__ import annotations

import io
import json
import threading
import time

import pytest

from tui.config import load_config
from tui.run.live import Headless, open_live
from tui.sinks.jsonl import JsonLines

from tests.cloudwatch.cw_fault_proxy import Raw

CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: /vpc/flow-logs
follow:
  poll_interval: 1s
  lookback: 5m
rules:
  - name: rejects
    pattern: '[..., action=REJECT, status]'
    threshold: 3
    window: 60s
"""


def run_headless(tmp_path, endpoint: str, capsys, until) -> tuple[list[dict], str, int]:
    """Run headless on ``endpoint`` (status every 0.2 s) until ``until(lines)`` holds or 20 s pass."""
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.format(endpoint=endpoint))
    out = io.StringIO()
    printer = Headless(JsonLines(out), status_every_s=0.2)
    live = open_live(load_config(path))
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(printer.run(live, 20)), daemon=True)
    runner.start()
    deadline = time.monotonic() + 20
    lines: list[dict] = []
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        if until(lines):
            break
        time.sleep(0.05)
    live.session.stop()
    runner.join(30)
    return lines, capsys.readouterr().err, result[0]


def test_a_trickling_endpoint_is_stalled_in_status_lines_and_on_stderr(
    group, proxy, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("tui.sources.answers.CALL_DEADLINE_S", 4.0)
    monkeypatch.setattr("tui.sources.follower.STALL_MIN_S", 1.0)  # stalled after 3 intervals of 1 s
    proxy.answer(Raw(b'{"events": []}' + b" " * 1000, content_type="application/x-amz-json-1.1", trickle_s=0.5))

    def stalled_then_cut(lines: list[dict]) -> bool:
        states = [line["state"] for line in lines if line["type"] == "status"]
        return "stalled" in states and states[-1] == "error"

    lines, err, code = run_headless(tmp_path, proxy.url, capsys, stalled_then_cut)
    proxy.clear()
    statuses = [line for line in lines if line["type"] == "status"]
    assert stalled_then_cut(lines), [s["state"] for s in statuses]
    assert len(statuses) >= 10  # every 0.2 s, also while the call hung
    assert code == 0 and "following stopped" not in err
    assert "flowtail: /vpc/flow-logs: stalled: no answer for over 3 s (the call waits for its deadline)" in err
    assert "no complete answer within 4 s (a stalled or trickling connection): retrying\n" in err
    assert "(retrying) (retrying)" not in err and "retrying (retrying)" not in err


@pytest.mark.parametrize("body", [b"<html>proxy login</html>", b"\xff\xfe\x00garbage", b'{"events": {"a": 1}}'])
def test_an_unreadable_answer_is_an_error_in_status_lines_never_following_stopped(
    group, proxy, tmp_path, capsys, body
):
    proxy.answer(Raw(body))

    def errored(lines: list[dict]) -> bool:
        return any(line["type"] == "status" and line["state"] == "error" and line["errors"] >= 2 for line in lines)

    lines, err, code = run_headless(tmp_path, proxy.url, capsys, errored)
    proxy.clear()
    assert errored(lines)
    error = next(line for line in lines if line["type"] == "status" and line["state"] == "error")
    assert error["lastError"].startswith("unreadable answer from CloudWatch Logs: FilterLogEvents: ")
    assert code == 0 and "following stopped" not in err and "Traceback" not in err
    assert err.count("unreadable answer") == 1  # said once while it lasts
