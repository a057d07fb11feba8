"""`flowtail replay`: files in, alert transitions as JSON lines out, a summary on stderr."""

from __future__ import annotations

import filecmp
import gzip
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tui.cli import main
from tui.config import load_config
from tui.run.replay import Replay

from tests.engine.conftest import BASE, flow_lines

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCH = REPO.parent / "shared" / "bench"

CONFIG = """
rules:
  - name: bastion-http-reject
    pattern: '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 3
    window: 300s
    group_by: [srcaddr]
    severity: high
    description: The bastion was refused on port 80; run the runbook's curl test.
  - name: ssh-reject
    pattern: '[..., dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]'
    threshold: 1000000
    window: 60s
"""


def reject(t: int) -> str:
    return f"2 123456789010 eni-0a1b2c3d 10.0.0.155 10.0.14.100 40000 80 6 3 180 {t} {t + 60} REJECT OK"


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(CONFIG)
    return str(path)


@pytest.fixture
def attack_lines():
    lines = flow_lines(400)
    return lines[:100] + [reject(BASE + 5)] + lines[100:200] + [reject(BASE + 9), reject(BASE + 12)] + lines[200:]


def replay(capsys, *args):
    code = main(["replay", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_headless_replay_prints_alarm_and_summary(tmp_path, config, attack_lines, capsys):
    log = tmp_path / "flows.log"
    log.write_text("\n".join(attack_lines) + "\n")
    code, out, err = replay(capsys, str(log), "-c", config, "--headless")
    assert code == 0
    assert [(o["rule"], o["state"], o["group"], o["value"]) for o in out] == [
        ("bastion-http-reject", "ALARM", {"srcaddr": "10.0.0.155"}, 3)
    ]
    assert out[0]["samples"] == [reject(BASE + 5), reject(BASE + 9), reject(BASE + 12)]
    assert out[0]["description"] == "The bastion was refused on port 80; run the runbook's curl test."
    assert "403 records from 1 file, 0 malformed" in err
    assert "bastion-http-reject: 3 matches, 1 alarm," in err


def test_records_older_than_max_delay_are_dropped_and_the_summary_counts_them(tmp_path, config, capsys):
    """A second file an hour older than the first: its records are behind the watermark by more than
    max_delay (20 minutes): they are counted, dropped, and change no episode."""
    newer, older = tmp_path / "newer.log", tmp_path / "older.log"
    newer.write_text(reject(BASE + 7200) + "\n")
    older.write_text("\n".join(reject(BASE + s) for s in (0, 1, 2)) + "\n")
    code, out, err = replay(capsys, str(newer), str(older), "-c", config, "--headless")
    assert code == 0 and out == []
    assert "bastion-http-reject: 4 matches, 0 alarms, 0 alarming now, 3 too late (older than max_delay), dropped" in err


def test_gzip_s3_header_and_stdin_give_the_same_alerts(tmp_path, config, attack_lines, capsys, monkeypatch):
    plain = tmp_path / "a.log"
    plain.write_text("\n".join(attack_lines) + "\n")
    s3 = tmp_path / "b.log.gz"
    header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    with gzip.open(s3, "wt") as handle:
        handle.write(header + "\n" + "\n".join(attack_lines) + "\n")
    _, expected, _ = replay(capsys, str(plain), "-c", config, "--headless")
    _, from_gzip, err = replay(capsys, str(s3), "-c", config, "--headless")
    assert from_gzip == expected
    assert "403 records" in err  # the header line is not a record
    with open(plain, encoding="utf-8") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        _, from_stdin, _ = replay(capsys, "-", "-c", config, "--headless")
    assert from_stdin == expected


def test_files_are_replayed_in_order_as_one_stream(tmp_path, config, attack_lines, capsys):
    first, second = tmp_path / "1.log", tmp_path / "2.log"
    first.write_text("\n".join(attack_lines[:150]) + "\n")  # holds one of the three rejects
    second.write_text("\n".join(attack_lines[150:]) + "\n")
    _, out, err = replay(capsys, str(first), str(second), "-c", config, "--headless")
    assert [o["state"] for o in out] == ["ALARM"]
    assert "from 2 files" in err


def test_workers_do_not_change_the_output(tmp_path, config, capsys):
    lines = flow_lines(40_000, rate=50)
    for k in range(0, 40_000, 997):
        lines[k] = reject(BASE + k // 50)
    log = tmp_path / "big.log"
    log.write_text("\n".join(lines) + "\n")
    from tui.sources import files

    original = files.CHUNK_BYTES
    files.CHUNK_BYTES = 64 * 1024  # many chunks, so several are in flight at once
    try:
        _, single, err_single = replay(capsys, str(log), "-c", config, "--headless", "--workers", "1")
        _, parallel, err_parallel = replay(capsys, str(log), "-c", config, "--headless", "--workers", "2")
    finally:
        files.CHUNK_BYTES = original
    assert single and parallel == single
    assert err_single.split(", 0 malformed")[0] == err_parallel.split(", 0 malformed")[0]


def top_lines(err: str) -> dict[str, list[tuple[str, int]]]:
    """``top DIMENSION by WHAT: key (weight), ...`` summary lines, by "DIMENSION by WHAT"."""
    tables = {}
    for line in err.splitlines():
        if line.startswith("  top "):
            title, _, ranked = line[len("  top "):].partition(": ")
            pairs = [item.rsplit(" (", 1) for item in ranked.split("), ")]
            tables[title] = [(key, int(weight.rstrip(")").replace(",", ""))) for key, weight in pairs]
    return tables


def test_top_tables_are_counted_only_when_the_summary_lists_them(tmp_path, config, capsys):
    """--top N lists the heaviest keys, counted over every file (also one whose S3 header reorders the
    fields, which the workers compile a kernel of their own for); without it no table is counted."""
    lines = flow_lines(6000)
    plain = tmp_path / "a.log"
    plain.write_text("\n".join(lines[:3000]) + "\n")
    swapped = tmp_path / "b.log"  # srcaddr and dstaddr change places
    header = "version account-id interface-id dstaddr srcaddr srcport dstport protocol packets bytes start end action log-status"
    rows = []
    for line in lines[3000:]:
        fields = line.split()
        fields[3], fields[4] = fields[4], fields[3]
        rows.append(" ".join(fields))
    swapped.write_text(header + "\n" + "\n".join(rows) + "\n")
    from tui.sources import files

    original = files.CHUNK_BYTES
    files.CHUNK_BYTES = 16 * 1024
    try:
        _, with_top, err_top = replay(capsys, str(plain), str(swapped), "-c", config, "--headless", "--workers", "2", "--top", "4")
        _, without, err_plain = replay(capsys, str(plain), str(swapped), "-c", config, "--headless", "--workers", "2")
        lean = Replay(load_config(config), workers=2, out=io.StringIO())
        lean.run([str(plain), str(swapped)])
    finally:
        files.CHUNK_BYTES = original
    assert with_top == without
    assert not top_lines(err_plain) and "top " not in err_plain
    assert lean.engine.records == 6000 and not any(table.weights for table in lean.engine.stats.top_records.values())
    tables = top_lines(err_top)
    flows = [line.split() for line in lines if line.endswith(" OK")]
    sources = Counter(fields[3] for fields in flows)
    source_bytes = Counter()
    for fields in flows:
        source_bytes[fields[3]] += int(fields[9])
    for title, truth in (("srcaddr by records", sources), ("srcaddr by bytes", source_bytes)):
        listed = tables[title]
        assert [weight for _, weight in listed] == sorted(truth.values(), reverse=True)[:4]
        assert all(truth[key] == weight for key, weight in listed)
    assert set(tables) == {f"{dimension} by {what}" for dimension in ("srcaddr", "dstaddr", "dstport", "protocol", "interface-id") for what in ("records", "bytes")}


def test_records_mode_prints_every_record_with_fields(tmp_path, capsys):
    log = tmp_path / "flows.log"
    log.write_text(reject(BASE) + "\nnot a record\n")
    code, out, err = replay(capsys, str(log), "--headless", "--records")
    assert code == 0
    assert out == [{
        "type": "record", "eventId": None, "logGroup": None, "logStream": None,
        "timestamp": BASE * 1000, "ingestionTime": None, "message": reject(BASE),
        "fields": {
            "version": 2, "account-id": "123456789010", "interface-id": "eni-0a1b2c3d",
            "srcaddr": "10.0.0.155", "dstaddr": "10.0.14.100", "srcport": 40000, "dstport": 80,
            "protocol": 6, "packets": 3, "bytes": 180, "start": BASE, "end": BASE + 60,
            "action": "REJECT", "log-status": "OK",
        },
    }]
    assert "1 malformed" in err and "not a record" in err


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "cannot read"),
        (lambda p: (p.mkdir(), p)[1], "is a directory"),
        (lambda p: (p.write_bytes(b"\x00\x01\x02binary\x00" * 100), p)[1], "binary data"),
        (lambda p: (p.write_bytes(gzip.compress(b"2 1 eni-1 - - - - - - - 1 2 - NODATA\n" * 5000)[:300]), p)[1], "truncated or corrupt gzip"),
    ],
    ids=["missing", "directory", "binary", "truncated-gzip"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, message):
    path = make(tmp_path / "input.log")
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "replay", str(path), "--headless"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_without_a_field_a_rule_groups_by_is_one_line_and_exit_2(tmp_path, capsys):
    """An S3 header may name other fields than the configuration's format: a rule grouping by a field
    the file lacks is reported by name, not a traceback from the kernel's code generator."""
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: per-port\n    pattern: '[...]'\n    threshold: 1\n    window: 60s\n"
                     "    group_by: [dstport]\n")
    log = tmp_path / "flows.log"
    log.write_text("version srcaddr dstaddr\n2 10.0.0.1 10.0.0.2\n")
    assert main(["replay", str(log), "-c", str(rules), "--headless", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no field 'dstport'" in err


def test_bad_config_is_reported_not_raised(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: x\n    pattern: '[a'\n    threshold: 1\n    window: 5x\n")
    assert main(["replay", "-", "-c", str(bad), "--headless"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:3" in err and "bad.yaml:5" in err


def test_standard_input_needs_headless_since_the_ui_reads_keys_there(capsys):
    assert main(["replay", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--headless" in err


@pytest.mark.skipif(not SHARED_BENCH.is_dir(), reason="../shared/bench is not beside this clone")
@pytest.mark.parametrize("name", ["gen_flows.py", "awk10.sh", "rules-10.yaml", "README.md"])
def test_benchmark_copies_match_the_shared_originals(name):
    assert filecmp.cmp(REPO / "benchmarks" / "replay" / name, SHARED_BENCH / name, shallow=False)


def test_ten_benchmark_rules_match_what_awk_counts(tmp_path, capsys):
    """The replay benchmark's correctness half, on a small generated file: match counts equal awk's."""
    bench = REPO / "benchmarks" / "replay"
    log = tmp_path / "flows.log"
    subprocess.run([sys.executable, str(bench / "gen_flows.py"), "20000", str(log)], check=True)
    awk = subprocess.run(["sh", str(bench / "awk10.sh"), str(log)], capture_output=True, text=True, check=True)
    code, _, err = replay(capsys, str(log), "-c", str(bench / "rules-10.yaml"), "--headless")
    assert code == 0
    import re

    counts = [int(m.replace(",", "")) for m in re.findall(r": ([\d,]+) match(?:es)?,", err)]
    assert counts == [int(x) for x in awk.stdout.split()]
