"""Every real flow-log file reads correctly: S3 objects concatenated (a header per part, layouts
mixed), transit-gateway v6 records, JSON-wrapped lines, corrupt lines in the middle of large files.

The data is generated here, in the shapes the AWS documentation describes (tests/data/spec), not
taken from other projects. Whatever the chunking and the number of workers, the summary's record
count equals what ``--records`` prints, every record is read in the layout of the header before
it, and a line that is no record is counted malformed, once.
"""

from __future__ import annotations

import io
import json
import random
import re
from dataclasses import dataclass

import pytest

from tui.cli import main
from tui.config import load_config
from tui.flowlog import DEFAULT_FORMAT, FlowFormat, parse_record
from tui.patterns import compile_pattern
from tui.run.replay import Replay

from tests.flowlog.test_flowlog_fields import TGW_V6 as TGW

BASE = 1_700_000_000
V5 = FlowFormat.parse(
    "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} "
    "${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} "
    "${tcp-flags} ${log-status} ${region} ${flow-direction} ${traffic-path}"
)

CONFIG = """
rules:
  - name: rejects
    pattern: 'REJECT'
    threshold: 1000000000
    window: 60s
  - name: ssh
    pattern: '[..., dstport=22, protocol, packets, bytes, start, end, action, status]'
    threshold: 1000000000
    window: 60s
  - name: lost
    pattern: ''
    threshold: 1000000000
    window: 60s
    measure: sum:bytes
"""
RULES = ("rejects", "ssh")


def header(fmt: FlowFormat) -> str:
    return " ".join(fmt.names)


def record(fmt: FlowFormat, rng: random.Random, t: int) -> str:
    """One record of ``fmt`` with plausible values (a NODATA now and then)."""
    nodata = rng.random() < 0.02
    port = rng.choice([22, 80, 443, 3389, rng.randint(1, 65535)])
    packets = rng.randint(1, 200)
    values = {
        "version": {DEFAULT_FORMAT: "2", V5: "5", TGW: "6"}[fmt],
        "account-id": "123456789010", "interface-id": f"eni-{rng.randint(0, 9):017x}",
        "srcaddr": f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 50)}", "dstaddr": f"10.1.0.{rng.randint(1, 9)}",
        "srcport": str(rng.randint(1024, 65535)), "dstport": str(port), "protocol": rng.choice(["6", "17"]),
        "packets": str(packets), "bytes": str(packets * rng.randint(40, 1500)),
        "start": str(t), "end": str(t + 60), "action": rng.choice(["ACCEPT", "REJECT"]), "log-status": "OK",
        "vpc-id": "vpc-0abc", "subnet-id": "subnet-0abc", "instance-id": "i-0abc", "type": "IPv4",
        "pkt-srcaddr": "10.0.0.9", "pkt-dstaddr": "10.1.0.9", "tcp-flags": rng.choice(["2", "18", "3", "0"]),
        "region": "us-east-1", "flow-direction": rng.choice(["ingress", "egress"]), "traffic-path": "1",
        "resource-type": "TransitGateway", "tgw-id": "tgw-0abc", "tgw-attachment-id": "tgw-attach-0abc",
        "tgw-src-vpc-account-id": "123456789010", "tgw-dst-vpc-account-id": "210987654321",
        "tgw-src-vpc-id": "vpc-0a", "tgw-dst-vpc-id": "vpc-0b", "tgw-src-subnet-id": "subnet-0a",
        "tgw-dst-subnet-id": "subnet-0b", "tgw-src-eni": "eni-0a", "tgw-dst-eni": "eni-0b",
        "tgw-src-az-id": "use1-az1", "tgw-dst-az-id": "use1-az2", "tgw-pair-attachment-id": "tgw-attach-0def",
        "packets-lost-no-route": str(rng.randint(0, 3)), "packets-lost-blackhole": "0",
        "packets-lost-mtu-exceeded": "-", "packets-lost-ttl-expired": str(rng.randint(0, 1)),
        "pkt-src-aws-service": "-", "pkt-dst-aws-service": "S3",
    }
    if nodata:
        flow = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action")
        values.update(dict.fromkeys(flow, "-"), **{"log-status": "NODATA"})
    return " ".join(values[name] for name in fmt.names)


@dataclass
class Expected:
    """What a file holds, known from how it was made."""

    records: list[tuple[FlowFormat, str]]  # (layout, line) of every record, in order
    malformed: int


def s3_objects(parts: list[tuple[FlowFormat, int]], seed: int = 5) -> tuple[list[str], Expected]:
    """Lines of S3 objects concatenated (``cat a.log b.log ...``): each part its header, then records."""
    rng = random.Random(seed)
    lines: list[str] = []
    records: list[tuple[FlowFormat, str]] = []
    t = BASE
    for fmt, count in parts:
        lines.append(header(fmt))
        for _ in range(count):
            t += rng.randint(0, 1)
            line = record(fmt, rng, t)
            lines.append(line)
            records.append((fmt, line))
    return lines, Expected(records, 0)


def run(
    tmp_path, data: bytes, *, workers: int = 1, chunk_bytes: int = 1 << 20, records: bool = True,
) -> tuple[list[dict], str]:
    path = tmp_path / "flows.log"
    path.write_bytes(data)
    (tmp_path / "rules.yaml").write_text(CONFIG)
    out, summary = io.StringIO(), io.StringIO()
    replay = Replay(load_config(str(tmp_path / "rules.yaml")), workers=workers, records=records, out=out,
                    chunk_bytes=chunk_bytes)
    replay.run([str(path)])
    replay.print_summary(summary, 0.0)
    return [json.loads(line) for line in out.getvalue().splitlines()], summary.getvalue()


def check(printed: list[dict], summary: str, expected: Expected) -> None:
    """The summary counts what --records printed; each record in its own layout; matches agree."""
    shown = [obj for obj in printed if obj["type"] == "record"]
    assert [obj["message"] for obj in shown] == [line for _, line in expected.records]
    for obj, (fmt, line) in zip(shown, expected.records, strict=True):
        assert list(obj["fields"]) == list(fmt.names)
        assert obj["fields"] == parse_record(fmt, line).to_dict()
    counts = re.search(r"flowtail: ([\d,]+) records from 1 file, ([\d,]+) malformed", summary)
    assert counts is not None, summary
    assert (int(counts[1].replace(",", "")), int(counts[2].replace(",", ""))) == (len(shown), expected.malformed)
    for name in RULES:
        pattern = compile_pattern(re.search(rf"name: {name}\n    pattern: '(.*)'", CONFIG)[1])
        matches = sum(1 for _, line in expected.records if pattern.matches(line))
        assert f"  {name}: {matches:,} matches" in summary


MIXED = [(DEFAULT_FORMAT, 300), (V5, 200), (DEFAULT_FORMAT, 150), (TGW, 120), (TGW, 80), (V5, 60)]


@pytest.mark.parametrize(("workers", "chunk_bytes"), [(1, 1 << 20), (1, 3000), (2, 3000), (2, 700)])
def test_s3_objects_concatenated_read_each_part_in_its_own_layout(tmp_path, workers, chunk_bytes):
    """`cat a.log b.log ...` of S3 objects: a header before each part, layouts mixed. Every header is
    a header (neither a record nor malformed) and sets the layout from there on; the chunk size puts
    headers inside chunks and at their edges."""
    lines, expected = s3_objects(MIXED)
    printed, summary = run(tmp_path, ("\n".join(lines) + "\n").encode(), workers=workers, chunk_bytes=chunk_bytes)
    check(printed, summary, expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_counts_agree_without_records_output(tmp_path, workers):
    """The workers' counts (no --records: a parallel replay) equal the single-process ones."""
    lines, expected = s3_objects(MIXED, seed=9)
    data = ("\n".join(lines) + "\n").encode()
    _, summary = run(tmp_path, data, workers=workers, chunk_bytes=2000, records=False)
    printed, single = run(tmp_path, data, workers=1, chunk_bytes=1 << 20)
    check(printed, single, expected)
    assert summary.splitlines()[0].split(",")[:3] == single.splitlines()[0].split(",")[:3]
    assert summary.splitlines()[1:] == single.splitlines()[1:]


def test_a_header_repeated_before_every_record_is_no_record(tmp_path):
    """Tools that repeat the header per record: half the lines are headers, none is malformed."""
    lines, expected = s3_objects([(V5, 1)] * 40)
    check(*run(tmp_path, ("\n".join(lines) + "\n").encode()), expected)


def test_a_header_in_the_middle_of_a_file_without_one_switches_layout(tmp_path):
    """A file that starts in the configured layout (no header) and goes on after a header in another."""
    first, _ = s3_objects([(DEFAULT_FORMAT, 50)])
    second, expected_second = s3_objects([(TGW, 50)], seed=6)
    lines = first[1:] + second
    expected = Expected([(DEFAULT_FORMAT, line) for line in first[1:]] + expected_second.records, 0)
    check(*run(tmp_path, ("\n".join(lines) + "\n").encode(), chunk_bytes=4000), expected)


def test_transit_gateway_records_sum_their_counters(tmp_path):
    lines, expected = s3_objects([(TGW, 100)])
    printed, summary = run(tmp_path, ("\n".join(lines) + "\n").encode())
    check(printed, summary, expected)
    lost = [obj["fields"]["packets-lost-no-route"] for obj in printed if obj["type"] == "record"]
    assert all(isinstance(value, int) for value in lost) and sum(lost) > 0


@pytest.mark.parametrize("workers", [1, 2])
def test_json_wrapped_records_are_read_as_their_message(tmp_path, workers):
    """Firehose and subscription exports wrap each record as {"message": "..."}: read the message.
    A JSON line without a one-line message string is malformed, once."""
    lines, expected = s3_objects([(DEFAULT_FORMAT, 400)])
    rng = random.Random(1)
    wrapped = [lines[0]]
    for line in lines[1:]:
        shape = rng.random()
        if shape < 0.5:
            wrapped.append(json.dumps({"message": line}))
        elif shape < 0.7:
            wrapped.append(json.dumps({"timestamp": BASE * 1000, "message": line, "owner": "123456789010"}))
        else:
            wrapped.append(line)
    junk = [json.dumps({"msg": lines[1]}), json.dumps({"message": lines[1] + "\n" + lines[2]}), '{"message": 1}', "{"]
    wrapped[200:200] = junk
    expected.malformed = len(junk)
    printed, summary = run(tmp_path, ("\n".join(wrapped) + "\n").encode(), workers=workers, chunk_bytes=5000)
    check(printed, summary, expected)


@pytest.mark.parametrize(("workers", "chunk_bytes"), [(1, 1 << 20), (2, 20_000)])
@pytest.mark.parametrize(
    "corrupt", [b"\x00\x00\x00\x00", b"2 123456789010 eni-1 \xff\xfe 10.0.0.1", b"2 1\x00 x", b"\xc3"],
)
def test_a_corrupt_line_in_the_middle_of_a_large_file_is_malformed_and_the_rest_is_read(
    tmp_path, workers, chunk_bytes, corrupt,
):
    """A torn write (NUL bytes, invalid UTF-8) deep inside a file of records: that line is counted
    malformed, every other line is read; nothing stops the replay."""
    lines, expected = s3_objects([(DEFAULT_FORMAT, 3000), (V5, 1000)])
    data = [line.encode() for line in lines]
    data[1500:1500] = [corrupt]
    torn = data[3500]
    data[3500] = corrupt + b" " + torn  # a record with a torn prefix is no record any more
    expected.records.remove((V5, torn.decode()))
    expected.malformed = 2
    printed, summary = run(tmp_path, b"\n".join(data) + b"\n", workers=workers, chunk_bytes=chunk_bytes)
    check(printed, summary, expected)
    assert "malformed: '" in summary


def test_a_binary_file_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "flows.log"
    lines, _ = s3_objects([(DEFAULT_FORMAT, 10)])
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00\n" + ("\n".join(lines) + "\n").encode())
    (tmp_path / "rules.yaml").write_text(CONFIG)
    assert main(["replay", str(path), "-c", str(tmp_path / "rules.yaml"), "--headless"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"flowtail: error: {path}: binary data, not a flow-log text file\n"


@pytest.mark.parametrize(
    "line",
    [
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 40 - 1700000060 REJECT OK",  # no start
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 40 17000000\u0660 1700000060 REJECT OK",
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 40 1700000000 1700000060 REJECT",  # cut short
        '{"message":"2 123456789010 eni-1 - - - - - - - 1700000000 1700000060 - NODATA',  # cut JSON
        "2 123456789010 eni-1 10.0.\ufffd.1 10.0.0.2 1 22 6 1 40 1700000000 1700000060 REJECT OK",
    ],
)
def test_a_line_that_is_no_record_is_malformed_everywhere(tmp_path, line):
    """One definition of a record: the engine's count, parse_record and --records agree."""
    lines, expected = s3_objects([(DEFAULT_FORMAT, 20)])
    lines[10:10] = [line]
    expected.malformed = 1
    assert parse_record(DEFAULT_FORMAT, line) is None
    check(*run(tmp_path, ("\n".join(lines) + "\n").encode()), expected)


def test_a_record_with_a_number_that_cannot_be_read_is_a_record_everywhere(tmp_path):
    """A port that is no number: counted, matched and printed as a record, the port absent."""
    odd = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 abc 22 6 1 40 1700000000 1700000060 REJECT OK"
    lines, expected = s3_objects([(DEFAULT_FORMAT, 20)])
    lines[10:10] = [odd]
    expected.records.insert(9, (DEFAULT_FORMAT, odd))
    printed, summary = run(tmp_path, ("\n".join(lines) + "\n").encode())
    check(printed, summary, expected)
    assert printed[9]["fields"]["srcport"] is None and printed[9]["fields"]["dstport"] == 22
