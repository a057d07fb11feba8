"""Alert lines of ``evaluate: cloudwatch`` rules: the JSON contract, the journal reading them back
(an INSUFFICIENT_DATA line ends an episode), and ids that a restart over the same records repeats."""

from __future__ import annotations

from datetime import datetime

from tui.config import load_config
from tui.engine.engine import engine_from_config
from tui.rules.alerts import Alert
from tui.sinks.journal import _alert_from_json

CONFIG = """\
rules:
  - name: bastion
    pattern: '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 3
    evaluate: cloudwatch
    period: 300s
    treat_missing_data: missing
"""


def _line(clock: str, action: str = "REJECT") -> str:
    start = int(datetime.fromisoformat(f"2026-12-02T{clock}+00:00").timestamp())
    return f"2 123456789012 eni-0a1b2c3d 10.0.0.155 10.0.14.100 49152 80 6 3 180 {start} {start + 4} {action} OK"


def _alerts(tmp_path) -> list[Alert]:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    engine = engine_from_config(load_config(path))
    lines = [_line("12:01:00"), _line("12:01:20"), _line("12:01:40"), _line("13:00:00", "ACCEPT")]
    return engine.ingest_text("\n".join(lines) + "\n")


def test_insufficient_data_ends_the_episode_and_reads_back(tmp_path):
    alarm, end = _alerts(tmp_path)
    line = end.to_json()
    assert (line["state"], line["evaluation"], line["episode"]) == ("INSUFFICIENT_DATA", "cloudwatch", alarm.episode_id)
    assert alarm.to_json()["state"] == "ALARM" and len(alarm.samples) == 3
    back = _alert_from_json(line)
    assert (back.state, back.alarm_state, back.evaluation, back.id) == ("OK", "INSUFFICIENT_DATA", "cloudwatch", end.id)


def test_a_restart_over_the_same_records_gives_the_same_ids(tmp_path):
    assert [a.id for a in _alerts(tmp_path)] == [a.id for a in _alerts(tmp_path)]
    assert "evaluation" not in Alert("r", "ALARM", {}, 1, 1, 60, "count", 0, None, None).to_json()
