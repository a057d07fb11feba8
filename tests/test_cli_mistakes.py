"""The command line's answers to a user's mistakes and settings: no dashboard without a terminal,
gzip read by test-pattern as by replay, a missing file said before the dashboard, no silent "0
alerts" without rules, a sub-command's own usage, and counts in words."""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from pathlib import Path

import pytest

from tui.cli import main
from tui.words import counted

REPO = Path(__file__).resolve().parents[1]
TRAFFIC = REPO / "examples" / "traffic.log.gz"


def one_error_line(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith("flowtail: error: ") and "Error:" not in line  # no class names
    return line


@pytest.mark.parametrize("argv", [
    ["replay", str(REPO / "examples" / "flows.log")],
    ["watch", "/vpc/flow-logs"],
    ["demo"],
])
def test_without_a_terminal_the_dashboard_is_refused_in_one_line(argv, capsys):
    """Under pytest stdout is a capture, not a terminal: the case of `flowtail replay ... > out.txt`."""
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert "standard output is not a terminal" in line and "--headless" in line


def test_replay_of_a_missing_file_is_one_line_before_any_dashboard(capsys):
    assert main(["replay", "nope.log"]) == 2
    assert one_error_line(capsys) == "flowtail: error: nope.log: cannot read: No such file or directory"


def test_test_pattern_reads_gzip_as_replay_does(tmp_path, capsys):
    plain = tmp_path / "traffic.log"
    plain.write_bytes(gzip.decompress(TRAFFIC.read_bytes()))
    assert main(["test-pattern", "REJECT", str(plain)]) == 0
    expected = capsys.readouterr().out
    assert main(["test-pattern", "REJECT", str(TRAFFIC)]) == 0
    assert capsys.readouterr().out == expected and expected.count("\n") == 447


def test_test_pattern_says_a_corrupt_gzip_in_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(TRAFFIC.read_bytes()[:300])
    assert main(["test-pattern", "REJECT", str(broken)]) == 2
    assert "truncated or corrupt gzip data" in capsys.readouterr().err


def test_test_pattern_says_it_reads_a_terminal_on_stdin(monkeypatch, capsys):
    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(io.BytesIO(b"a REJECT b\nan ACCEPT\n")))
    assert main(["test-pattern", "REJECT"]) == 0
    out, err = capsys.readouterr()
    assert out == "a REJECT b\n" and "reading messages from standard input" in err


def test_replay_without_rules_says_so(capsys):
    assert main(["replay", "--headless", str(REPO / "examples" / "flows.log")]) == 0
    err = capsys.readouterr().err
    assert "4 records from 1 file, 0 malformed, 0 alert transitions" in err and "no rules loaded" in err


def test_a_sub_commands_unknown_option_prints_its_own_usage(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["demo", "--speed", "10"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: flowtail demo") and "unrecognized arguments: --speed 10" in err


def test_counts_in_words():
    assert [counted(1, "alarm"), counted(2, "alarm"), counted(1, "match", "matches"), counted(1200, "match", "matches")] \
        == ["1 alarm", "2 alarms", "1 match", "1,200 matches"]


def test_demo_c_refuses_a_config_whose_format_cannot_read_the_demo(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text("format: '${srcaddr} ${dstaddr} ${action}'\nrules: [{name: r, pattern: x, threshold: 1, window: 1m}]\n")
    assert main(["demo", "-c", str(path), "--headless"]) == 2
    assert "the demo writes the default format" in one_error_line(capsys)


def test_demo_c_runs_ones_own_rules_over_the_demos_traffic(tmp_path):
    """Only the file's rule is evaluated, and its SNS notifier is pointed at the demo's local topic."""
    from tui.commands.demo import user_config
    from tui.demo.run import demo_world
    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines

    path = tmp_path / "mine.yaml"
    path.write_text(
        "rules:\n"
        "  - {name: any-reject, pattern: '[..., action=REJECT, status]', threshold: 1, window: 60s, notify: [sns]}\n"
        "notifiers: {sns: {topic_arn: 'arn:aws:sns:eu-west-1:111122223333:prod-pager'}}\n"
    )
    out = io.StringIO()
    with demo_world(rules_from=user_config(str(path))) as world:
        assert [rule.name for rule in world.config.rules] == ["any-reject"]
        assert world.config.notifiers["sns"].topic_arn == world.environment.topic_arn
        printer = Headless(JsonLines(out))
        live = world.open(printer.on_events)
        alarmed = threading.Event()
        live.session.on_alert(lambda alert: alarmed.set())
        runner = threading.Thread(target=printer.run, args=(live, 60))
        runner.start()
        try:
            assert alarmed.wait(60), "no alert within 60 s"
        finally:
            live.session.stop()
            runner.join(30)
    rules = {json.loads(line)["rule"] for line in out.getvalue().splitlines() if '"alert"' in line}
    assert rules == {"any-reject"}


def test_a_users_problem_during_a_session_is_shown_without_a_class_name():
    """A file that turns out corrupt half-way through a dashboard replay: the banner says what, in the
    message's own words (`✖ ERROR FlowtailError: ...` was the screen before)."""
    from tui.config import default_config
    from tui.engine.engine import engine_from_config
    from tui.errors import FlowtailError
    from tui.run.session import Session

    def feeder(session, stop):
        raise FlowtailError("flows.log.gz: truncated or corrupt gzip data")

    session = Session(engine_from_config(default_config()), feeder, "replay")
    session.start()
    deadline = time.monotonic() + 30
    while not session.finished and time.monotonic() < deadline:
        threading.Event().wait(0.01)  # polling the feeder thread's end, with a deadline
    assert session.error == "flows.log.gz: truncated or corrupt gzip data"


@pytest.mark.parametrize(("option", "said"), [
    (["--workers", "0"], "--workers 0: must be 1 or more"),
    (["--speed", "-1"], "--speed -1: must be 0 or more"),
    (["--top", "-2"], "--top -2: must be 0 or more"),
])
@pytest.mark.parametrize("headless", [True, False])
def test_replay_refuses_a_nonsense_number_in_one_line(option, said, headless, capsys):
    """`--workers 0` was silently run as 1 and `--speed -1` as "as fast as possible"."""
    argv = ["replay", str(REPO / "examples" / "flows.log"), *option, *(["--headless"] if headless else [])]
    assert main(argv) == 2
    assert said in one_error_line(capsys)


@pytest.mark.parametrize("command", ["discover", "import"])
def test_a_missing_region_says_how_to_give_one(command, monkeypatch, tmp_path, capsys):
    """discover and import said only botocore's "You must specify a region."; they say what watch says."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("no AWS region: set aws.region in the config, --region, or AWS_REGION")
    assert len(err.strip().splitlines()) == 1


def test_an_output_file_that_cannot_be_written_is_one_line(tmp_path, capsys):
    """-o into a missing folder: one line naming the file, exit 2 (export, import and discover share it)."""
    target = tmp_path / "missing" / "out.json"
    assert main(["export", "-c", "config.example.yaml", "-o", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"flowtail: error: export: cannot write {target}: No such file or directory"


@pytest.mark.parametrize("command", [["watch", "/vpc/flow-logs"], ["demo"]])
@pytest.mark.parametrize(("value", "said"), [
    ("0", "--status-every: must be more than zero, not '0'"),
    ("soon", "--status-every: 'soon' is not a duration"),
])
def test_status_every_refuses_what_is_no_interval_before_anything_starts(command, value, said, capsys):
    assert main([*command, "--headless", "--status-every", value]) == 2
    assert said in one_error_line(capsys)
