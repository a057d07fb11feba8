"""`flowtail test-pattern`: offline TestMetricFilter over a file or stdin."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from tui.cli import main
from tui.commands.test_pattern import terminal_safe

REJECT = "2 123456789010 eni-1 10.0.0.155 10.0.14.100 51000 80 6 3 180 1700000000 1700000060 REJECT OK"
ACCEPT = "2 123456789010 eni-1 10.0.0.9 10.0.14.100 51001 443 6 9 900 1700000000 1700000060 ACCEPT OK"
NODATA = "2 123456789010 eni-1 - - - - - - - 1700000000 1700000060 - NODATA"
V2 = "[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action=REJECT, status]"


@pytest.fixture
def flows(tmp_path):
    path = tmp_path / "flows.log"
    path.write_text("\n".join([ACCEPT, REJECT, NODATA, REJECT]) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["test-pattern", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_prints_matching_messages(capsys, flows):
    assert run(capsys, "REJECT", str(flows)) == (0, f"{REJECT}\n{REJECT}\n", "")


def test_json_output_counts_every_message(capsys, flows):
    status, out, _ = run(capsys, V2, str(flows), "--json")
    assert status == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [event["eventNumber"] for event in events] == [2, 4]
    assert events[0]["eventMessage"] == REJECT
    assert events[0]["extractedValues"]["$action"] == "REJECT"
    assert events[0]["extractedValues"]["$srcaddr"] == "10.0.0.155"


def test_no_match_exits_1(capsys, flows):
    assert run(capsys, "[..., bytes > 100000, start, end, action, status]", str(flows)) == (1, "", "")


def test_nodata_bytes_rules(capsys, flows):
    _, greater, _ = run(capsys, "[..., bytes > 0, start, end, action, status]", str(flows))
    _, different, _ = run(capsys, "[..., bytes != 0, start, end, action, status]", str(flows))
    assert NODATA not in greater
    assert NODATA in different


def test_invalid_pattern_exits_2_with_one_line(capsys, flows):
    status, out, err = run(capsys, "ab *", str(flows))
    assert (status, out) == (2, "")
    assert err == "flowtail: error: invalid filter pattern at column 4: Invalid character(s) in term '*'\n"


@pytest.mark.parametrize("kind", ["missing", "directory", "unreadable"])
def test_unreadable_input_exits_2(capsys, tmp_path, kind):
    path = tmp_path / "input"
    if kind == "directory":
        path.mkdir()
    elif kind == "unreadable":
        path.write_text("x\n")
        path.chmod(0)
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything")
    status, out, err = run(capsys, "x", str(path))
    assert (status, out) == (2, "")
    assert err.startswith(f"flowtail: error: {path}: ") and ("cannot read" in err or "is a directory" in err)
    assert err.count("\n") == 1


def test_stdin_and_dash(capsys, monkeypatch):
    for argv in (["REJECT"], ["REJECT", "-"]):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{ACCEPT}\r\n{REJECT}\r\n".encode())))
        assert run(capsys, *argv) == (0, f"{REJECT}\n", "")


def test_only_the_line_terminator_is_stripped(capsys, tmp_path):
    path = tmp_path / "in.log"
    path.write_bytes(b"  a b \t\r\n\nlast")
    assert run(capsys, "[x, y]", str(path)) == (0, "  a b \t\n", "")
    _, out, _ = run(capsys, "[]", str(path), "--json")
    assert [json.loads(line)["eventMessage"] for line in out.splitlines()] == ["  a b \t", "", "last"]


def test_plain_input_replaces_undecodable_bytes(capsys, tmp_path):
    path = tmp_path / "in.log"
    path.write_bytes(b"bad \xff byte\n")
    assert run(capsys, "bad", str(path)) == (0, "bad \ufffd byte\n", "")


def test_jsonl_messages_may_hold_newlines_and_blank_lines_are_skipped(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps("line one\nERROR two") + "\n\n" + json.dumps("fine") + "\n", encoding="utf-8")
    status, out, _ = run(capsys, "ERROR", str(path), "--jsonl", "--json")
    assert status == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"eventNumber": 1, "eventMessage": "line one\nERROR two", "extractedValues": {}}
    ]


@pytest.mark.parametrize(("content", "problem"), [(b'"ok"\n{"a": 1}\n', "expected a JSON string"),
                                                  (b'"ok"\nnot json\n', "expected a JSON string"),
                                                  (b'"ok"\n"\xff"\n', "not valid UTF-8")])
def test_jsonl_input_errors_name_file_and_line(capsys, tmp_path, content, problem):
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    status, _, err = run(capsys, "ok", str(path), "--jsonl")
    assert status == 2
    assert err.startswith(f"flowtail: error: {path}:2: {problem}")


def test_jsonl_lone_surrogate_becomes_replacement_character(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('"a\\ud800b"\n', encoding="utf-8")
    assert run(capsys, "a", str(path), "--jsonl") == (0, "a\ufffdb\n", "")


def test_control_characters_are_replaced_on_a_terminal(capsys, monkeypatch, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps("REJECT \x1b[31mred\x07\ttab\x9b\x7f\nnext") + "\n", encoding="utf-8")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    status, out, _ = run(capsys, "REJECT", str(path), "--jsonl")
    assert (status, out) == (0, "REJECT \ufffd[31mred\ufffd\ttab\ufffd\ufffd\ufffdnext\n")


def test_control_characters_pass_unchanged_to_a_pipe(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps("REJECT \x1b[31m") + "\n", encoding="utf-8")
    assert run(capsys, "REJECT", str(path), "--jsonl") == (0, "REJECT \x1b[31m\n", "")


def test_terminal_safe():
    assert terminal_safe("a\tb\x00c\x1b\x85é☃") == "a\tb\ufffdc\ufffd\ufffdé☃"


def run_flowtail(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", "test-pattern", *argv], capture_output=True, **kwargs)


def test_subprocess_end_to_end(flows):
    result = run_flowtail(V2, str(flows), "--json", text=True)
    assert result.returncode == 0
    assert result.stderr == ""
    assert [json.loads(line)["eventNumber"] for line in result.stdout.splitlines()] == [2, 4]
    bad = run_flowtail("{ $.a IS NOT NULL }", input="", text=True)
    assert bad.returncode == 2
    assert bad.stderr == "flowtail: error: invalid filter pattern at column 7: 'IS NOT' is not supported (use '!=' or 'NOT EXISTS')\n"
    assert "Traceback" not in bad.stderr


def test_closed_pipe_ends_quietly(tmp_path):
    path = tmp_path / "many.log"
    path.write_text((REJECT + "\n") * 50000, encoding="utf-8")  # several MB: more than a pipe buffer holds
    process = subprocess.Popen([sys.executable, "-m", "tui.cli", "test-pattern", "REJECT", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().decode().strip() == REJECT
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert err == b""


@pytest.mark.parametrize(
    "argv",
    [
        ["-NODATA", "{flows}"],
        ["-NODATA", "{flows}", "--json"],
        ["--jsonl", "-NODATA", "{plain}"],
        ["-e", "-NODATA", "{flows}"],
        ["--pattern", "-NODATA", "{flows}"],
        ["--pattern=-NODATA", "{flows}"],
        ["--", "-NODATA", "{flows}"],
    ],
)
def test_a_pattern_that_starts_with_a_dash_works_as_typed(capsys, flows, tmp_path, argv):
    """`-NODATA`, a common exclusion, is a pattern, not an unknown option."""
    plain = tmp_path / "plain.jsonl"
    plain.write_text("\n".join(json.dumps(line) for line in (ACCEPT, NODATA)) + "\n", encoding="utf-8")
    argv = [arg.format(flows=flows, plain=plain) for arg in argv]
    status, out, err = run(capsys, *argv)
    assert (status, err) == (0, "")
    if "--json" in argv:
        assert [json.loads(line)["eventNumber"] for line in out.splitlines()] == [1, 2, 4]
    elif "--jsonl" in argv:
        assert out == f"{ACCEPT}\n"
    else:
        assert out == f"{ACCEPT}\n{REJECT}\n{REJECT}\n"


def test_a_dash_pattern_reads_stdin_as_typed_in_a_shell(flows):
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "test-pattern", "-NODATA -REJECT"], input=flows.read_bytes(),
        capture_output=True, check=False,
    )
    assert (result.returncode, result.stdout.decode(), result.stderr.decode()) == (0, f"{ACCEPT}\n", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "a PATTERN is required"),
        (["-e", "REJECT", "{flows}", "extra"], "give the pattern once"),
    ],
)
def test_a_missing_or_doubled_pattern_is_one_line_error(capsys, flows, argv, message):
    status, out, err = run(capsys, *[arg.format(flows=flows) for arg in argv])
    assert (status, out) == (2, "")
    assert message in err and err.count("\n") == 1


def test_a_dash_pattern_that_starts_like_the_e_option_is_still_the_pattern(capsys, flows):
    assert run(capsys, "-eni-1", str(flows)) == (1, "", "")
    assert run(capsys, "-e", "-eni-9", str(flows))[:2] == (0, f"{ACCEPT}\n{REJECT}\n{NODATA}\n{REJECT}\n")
