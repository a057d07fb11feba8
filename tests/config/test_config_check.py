"""`flowtail check -c FILE`: one ok line and exit 0, or every issue on stderr and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.cli import main

REPO = Path(__file__).resolve().parents[2]

BROKEN = """
rules:
  - name: r
    pattern: 'ERROR *'
    threshold: 0
    window: 5x
"""


def test_ok(write, capsys, monkeypatch):
    monkeypatch.chdir(write("").parent)
    write("""
        sources: [{log_group: /vpc/flow-logs}]
        rules:
          - {name: a, pattern: '', threshold: 1, window: 1m}
          - {name: b, pattern: '', threshold: 1, window: 1m, enabled: false}
    """)
    assert main(["check", "-c", "cfg.yaml"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("cfg.yaml: ok (1 rule + 1 disabled, 1 source, format default)\n", "")


def test_example_is_ok(capsys):
    assert main(["check", "-c", str(REPO / "config.example.yaml")]) == 0
    assert capsys.readouterr().out.endswith(": ok (7 rules + 2 disabled, 1 source, format default, notifiers: sns, journal, bell)\n")


def test_custom_format_is_named(write, capsys):
    path = write("format: '${srcaddr} ${dstaddr} ${bytes}'\n")
    assert main(["check", "-c", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok (0 rules, 0 sources, format custom, 3 fields)\n"


def test_every_issue_on_stderr_one_per_line(write, capsys, monkeypatch):
    monkeypatch.chdir(write(BROKEN).parent)
    assert main(["check", "-c", "cfg.yaml"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "cfg.yaml:3: rules[0].pattern: invalid filter pattern at column 7: Invalid character(s) in term '*'",
        "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the number 0",
        "cfg.yaml:5: rules[0].window: '5x' is not a duration (use e.g. 45s, 5m, 1h30m)",
    ]


def test_missing_file(tmp_path, capsys):
    assert main(["check", "-c", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope.yaml'}: cannot read the file: No such file or directory\n"


def test_broken_file_in_a_real_process_has_no_traceback(write):
    path = write(BROKEN + "  - [unclosed\n")
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "check", "-c", str(path)], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr == f"{path}:7: YAML error: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence on line 6)\n"


def test_a_transit_gateway_counter_can_be_summed(write, capsys):
    """`sum:` needs a numeric field: the packets-lost-* counters are numbers."""
    path = write(
        "format: '${version} ${tgw-id} ${srcaddr} ${packets} ${start} ${packets-lost-no-route} ${packets-lost-blackhole}'\n"
        "rules:\n"
        "  - {name: lost, pattern: '', threshold: 100, window: 5m, measure: 'sum:packets-lost-no-route', group_by: [tgw-id]}\n"
        "  - {name: holes, pattern: '', threshold: 1, window: 5m, measure: 'sum:packets-lost-blackhole'}\n"
    )
    assert main(["check", "-c", str(path)]) == 0
    assert capsys.readouterr() == (f"{path}: ok (2 rules, 0 sources, format custom, 7 fields)\n", "")
