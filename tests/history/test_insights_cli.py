"""`flowtail history --via insights` end to end: configuration, engine, cost guard and JSON lines,
through real boto3 against the local Insights double (moto does not run Insights queries)."""

from __future__ import annotations

import json

import pytest

from tui.cli import main

from tests.history.insights_double import InsightsDouble

T0 = 1796551200  # 2026-12-06T10:00:00Z
ATTACKER = "198.51.100.7"


@pytest.fixture
def double(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    server = InsightsDouble().start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, double):
    path = tmp_path / "flowtail.yaml"
    path.write_text(
        f"aws:\n  region: us-east-1\n  endpoint_url: {double.url}\n"
        "sources:\n  - log_group: /vpc/flow-logs\n  - log_group: /vpc/other\n"
        "history:\n  max_scan: 1GB\n"
    )
    return path


def run(capsys, *argv):
    status = main(["history", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_lines_from_insights(capsys, double, config):
    double.answer("as binStart", [{"binStart": T0, "action": "REJECT", "flows": 7, "flowBytes": 420, "flowPackets": 7}],
                  statistics={"bytesScanned": 1e6})
    double.answer("lastStart by", [
        {"srcAddr": ATTACKER, "dstAddr": "10.0.1.5", "dstPort": 22, "protocol": 6, "action": "REJECT",
         "flows": 7, "flowBytes": 420, "flowPackets": 7, "firstStart": T0, "lastStart": T0 + 120},
    ], statistics={"bytesScanned": 1e6})
    status, out, err = run(capsys, ATTACKER, "--via", "insights", "-c", str(config), "--json", "--records", "0",
                           "--since", "2026-12-06T10:00:00Z", "--until", "2026-12-06T11:00:00Z")
    assert (status, err) == (0, "")
    objects = [json.loads(text) for text in out.splitlines()]
    assert [o["type"] for o in objects] == ["timeline", "peer", "summary"]
    assert objects[1]["address"] == "10.0.1.5" and objects[1]["direction"] == "out" and objects[1]["flows"] == 7
    assert objects[-1]["engine"] == "insights" and objects[-1]["bytesScanned"] == 2_000_000
    started = [q for q in double.started if not q.request["queryString"].endswith("| estimate")]
    assert len(started) == 2 and started[0].request["logGroupNames"] == ["/vpc/flow-logs", "/vpc/other"]


def test_a_scan_above_max_scan_is_refused_without_yes_and_runs_with_it(capsys, double, config):
    double.estimate_bytes = 2 * 10**9
    argv = (ATTACKER, "--via", "insights", "-c", str(config), "--json")
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and "history.max_scan" in err
    assert all(q.request["queryString"].endswith("| estimate") for q in double.started)
    status, out, err = run(capsys, *argv, "--yes")
    assert status == 0 and json.loads(out.splitlines()[-1])["type"] == "summary"


def test_access_denied_is_one_line_naming_the_actions(capsys, double, config):
    double.refuse["StartQuery"] = ("AccessDeniedException", "User is not authorized to perform: logs:StartQuery")
    status, out, err = run(capsys, ATTACKER, "--via", "insights", "-c", str(config))
    assert status == 2 and out == ""
    assert err.startswith("flowtail: error: Logs Insights: access denied (logs:StartQuery); the IAM principal needs "
                          "logs:StartQuery, logs:GetQueryResults, logs:StopQuery on ")
    assert len(err.splitlines()) == 1
