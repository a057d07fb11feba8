"""`flowtail history`: the JSON-lines contract, the tables, --print-ddl, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import random

import pytest

from tui.cli import main
from tui.flowlog import DEFAULT_FORMAT
from tui.history.model import Question, Subject, TimeRange, from_epoch

from tests.history.reference import expected, line, write_file

SINCE = "2023-11-14T00:00:00Z"


@pytest.fixture
def flows(tmp_path):
    rng = random.Random(17)
    lines = [line(DEFAULT_FORMAT, rng) for _ in range(120)]
    return write_file(tmp_path / "flows.log.gz", lines, gz=True), lines


def run(capsys, *argv):
    status = main(["history", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_lines_are_the_contract(capsys, flows):
    path, lines = flows
    status, out, err = run(capsys, "10.0.0.1", str(path), "--since", SINCE, "--until", "2023-11-15T00:00:00Z",
                           "--json", "--records", "3", "--bin", "10m")
    assert status == 0 and err == "caching 1 file for the next question (ctrl+c skips)\n"
    objects = [json.loads(text) for text in out.splitlines()]
    kinds = [item["type"] for item in objects]
    assert kinds == sorted(kinds, key=["timeline", "peer", "record", "summary"].index) and kinds[-1] == "summary"
    timeline = [item for item in objects if item["type"] == "timeline"]
    assert list(timeline[0]) == ["type", "start", "action", "flows", "bytes", "packets"]
    peer = next(item for item in objects if item["type"] == "peer")
    assert list(peer) == ["type", "address", "port", "protocol", "action", "direction", "flows", "bytes", "packets",
                          "first", "last"]
    record = next(item for item in objects if item["type"] == "record")
    assert list(record) == ["type", "timestamp", "message", "fields"]
    summary = objects[-1]
    assert list(summary) == ["type", "engine", "subject", "since", "until", "records", "bytesScanned", "cost",
                             "elapsedMs"]
    assert summary["engine"] == "local" and summary["subject"] == "10.0.0.1" and summary["cost"] is None
    assert summary["since"] == "2023-11-14T00:00:00Z" and summary["until"] == "2023-11-15T00:00:00Z"
    question = Question(Subject.parse("10.0.0.1"), TimeRange(from_epoch(1699920000), from_epoch(1700006400)),
                        600, 3)
    reference = expected(question, [(DEFAULT_FORMAT, text) for text in lines])
    assert summary["records"] == reference["matched"] > 0
    assert [(item["flows"], item["bytes"]) for item in timeline] == [row[2:4] for row in reference["timeline"]]
    assert [item["message"] for item in objects if item["type"] == "record"] == [m for m, _ in reference["records"]]
    assert record["timestamp"] == record["fields"]["start"] * 1000
    assert all(item["start"].endswith("Z") for item in timeline)


def test_tables_on_a_terminal(capsys, flows):
    path, _ = flows
    status, out, _ = run(capsys, "port:22", str(path), "--since", SINCE, "--until", "2023-11-15T00:00Z",
                         "--records", "2")
    assert status == 0
    assert out.startswith("Timeline of port:22 (300 s bins)\nstart")
    assert "\nPeers: " in out and " ACCEPTed (ACCEPT first, then by flows)\ndir  peer" in out
    assert "\nNewest 2 of " in out
    assert "\nlocal: 2023-11-14T00:00:00Z to " in out


def test_a_long_range_gets_longer_bins(capsys, flows):
    path, _ = flows
    status, out, _ = run(capsys, "port:22", str(path), "--since", "60d")  # 60 days: 17,280 bins of 5 min
    assert status == 0 and out.startswith("Timeline of port:22 (600 s bins)\n")
    status, _, err = run(capsys, "port:22", str(path), "--since", "60d", "--bin", "5m")
    assert status == 2 and "more than 10000 bins: use bins of at least 519 s" in err


def test_print_ddl(capsys, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("format: '${version} ${srcaddr} ${dstaddr} ${start} ${flow-direction}'\n"
                      "history:\n  athena: {database: logs, table: flows, file_format: parquet}\n")
    status, out, _ = run(capsys, "--print-ddl", "-c", str(config))
    assert status == 0
    assert out.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `logs`.`flows` (\n  `version` int,\n  `srcaddr` string,")
    assert "`flow_direction` string\n)" in out and "ParquetHiveSerDe" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["10.0.0.300", "x.log"], "'10.0.0.300' is not a subject; give an address"),
    (["port:http"], "'port:http': a port is a number from 0 to 65535 (e.g. port:22)"),
    (["10.0.0.0/40"], "'10.0.0.0/40' is not a CIDR"),
    (["eni-xyz"], "'eni-xyz' is not an ENI id"),
    ([], "history needs a SUBJECT: an address, a CIDR, an ENI id or port:N (or --print-ddl)"),
    (["10.0.0.1", "--since", "yesterday"], "--since: 'yesterday' is neither a duration"),
    (["10.0.0.1", "--since", "1h", "--until", "2h"], "--until (2h) is not after --since (1h)"),
    (["10.0.0.1", "--bin", "0s"], "--bin 0s: a whole number of seconds, at least 1s"),
    (["10.0.0.1", "--records", "-1"], "--records -1: must be 0 or more"),
    (["10.0.0.1"], "no flow-log files to ask: give FILES, or history.files in the configuration"),
    (["10.0.0.1", "nowhere.log"], "nowhere.log: no such file or directory"),
    (["10.0.0.1", "f.log", "--via", "athena"], "FILES are read by the local engine only, not by --via athena"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("flowtail: error: ") and message in err
    assert err.count("\n") == 1


def test_subjects_parse_to_canonical_text():
    assert [str(Subject.parse(text)) for text in ("10.0.0.5", "2001:DB8:0::1", "10.0.1.7/16", "ENI-0ABC12345",
                                                   "port:022", "PORT:443")] == [
        "10.0.0.5", "2001:db8::1", "10.0.0.0/16", "eni-0abc12345", "port:22", "port:443"]
    assert Subject.parse("10.0.0.0/16").kind == "cidr" and Subject.parse("port:22").port == 22


def test_an_empty_answer_says_its_range_and_how_to_change_it(capsys, flows):
    """The examples' records are from 2023: over the default last 24 hours the tables were all
    "(none)" and nothing said that the range, not the subject, was the reason."""
    path, _ = flows
    status, out, err = run(capsys, "10.0.0.1", str(path), "--since", "1h")
    assert status == 0 and "(none)" in out
    [said] = [line for line in err.splitlines() if not line.startswith("caching ")]
    assert said.startswith("flowtail: no record of 10.0.0.1 from ") and "--since and --until" in said
    status, out, err = run(capsys, "10.0.0.1", str(path), "--since", SINCE, "--until", "2023-11-15T00:00:00Z")
    assert status == 0 and err == ""  # records found: nothing more said


def test_the_first_answer_is_printed_then_the_files_are_cached(capsys, flows):
    """An address's first answer scans the files; they are converted after it, and the same question
    again reads the cache and gives the same answer."""
    path, _ = flows
    argv = ("10.0.0.1", str(path), "--since", SINCE, "--json")
    status, first, err = run(capsys, *argv)
    assert status == 0 and err == "caching 1 file for the next question (ctrl+c skips)\n"
    status, again, err = run(capsys, *argv)
    assert status == 0 and err == ""
    strip = [json.loads(text) for text in again.splitlines()]
    assert [item for item in strip if item["type"] != "summary"] == [
        json.loads(text) for text in first.splitlines() if json.loads(text)["type"] != "summary"
    ]
    assert strip[-1]["records"] == json.loads(first.splitlines()[-1])["records"] > 0


def test_ctrl_c_while_caching_exits_0_with_the_answer_printed(capsys, flows, monkeypatch):
    from tui.history.local import LocalEngine

    def interrupted(self, cancel=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalEngine, "fill_cache", interrupted)
    path, _ = flows
    status, out, err = run(capsys, "10.0.0.1", str(path), "--since", SINCE, "--json")
    assert status == 0 and json.loads(out.splitlines()[-1])["type"] == "summary"
    assert err == "caching 1 file for the next question (ctrl+c skips)\n"
