"""The generated kernel agrees with the patterns' own semantics and with plain Python statistics."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from tests.engine.conftest import flow_lines
from tui.batch import TOP_DIMENSIONS, MINUTE_COLUMNS
from tui.flowlog import FlowFormat, parse_record
from tui.kernel import Kernel, KernelRule, start_ms, text_is_simple
from tui.patterns import compile_pattern

DEFAULT = FlowFormat.parse("default")

PATTERNS = [
    '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
    "[version, account, eni, srcaddr, dstaddr, srcport, dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]",
    "[..., dstport=3389, protocol, packets, bytes, start, end, action, status]",
    "[..., bytes>100000, start, end, action, status]",
    "[version, account, eni, srcaddr, dstaddr=10.0.14.*, srcport, dstport=80, ...]",
    "[..., status=NODATA]",
    "[..., dstport=3306 || dstport=5432, protocol, packets, bytes, start, end, action, status]",
    "[..., packets>=150, bytes, start, end, action=ACCEPT, status]",
    "[a, b, c, d=%^10\\.0\\.0\\.1[0-9]*$%, rest]",  # fewer entries than fields: rest of line
    "[version, account, eni, srcaddr, dstaddr, srcport, dstport<1024 && dstport!=80, ...]",
    "REJECT -NODATA",
    '"10.0.14.100 "',
    "",
    "[a, b]",  # two entries: the second absorbs the rest of the line
]


def kernel_for(patterns, measure="count", field=None, group_by=("srcaddr",)):
    rules = [KernelRule(compile_pattern(p), group_by, measure, field) for p in patterns]
    return Kernel(DEFAULT, rules)


def counts_by_rule(batch):
    width = len(MINUTE_COLUMNS)
    totals = [0] * len(batch.buckets)
    for row in batch.minutes.values():
        for r in range(len(totals)):
            totals[r] += row[width + r]
    return totals


def test_fast_path_matches_pattern_semantics(lines):
    kernel = kernel_for(PATTERNS)
    batch = kernel.process_text("\n".join(lines) + "\n")
    expected = [sum(1 for line in lines if compile_pattern(p).matches(line)) for p in PATTERNS]
    assert counts_by_rule(batch) == expected
    assert all(count > 0 for count in expected[:2])  # the data exercises the rules


def test_lines_that_split_differently_use_the_pattern(lines):
    """A quote or bracket makes CloudWatch split differently from str.split: for every line that is a
    well-formed record, the rule must match exactly as CloudWatch would."""
    odd = [
        '2 123456789010 eni-1 10.0.0.155 "10.0.0.1 x" 1 80 6 1 1 1700000000 1700000060 REJECT OK',
        "2 123456789010 eni-1 [10.0.0.155] 10.0.0.1 1 80 6 1 1 1700000000 1700000060 REJECT OK",
        "2\x0b123456789010 eni-1 10.0.0.155 10.0.0.1 1 80 6 1 1 1700000000 1700000060 REJECT OK",
    ]
    mixed = lines[:50] + odd
    text = "\n".join(mixed) + "\n"
    assert not text_is_simple(text)
    batch = kernel_for(PATTERNS).process_text(text)
    records = [line for line in mixed if len(line.split()) == DEFAULT.nfields]
    expected = [sum(1 for line in records if compile_pattern(p).matches(line)) for p in PATTERNS]
    assert counts_by_rule(batch) == expected
    assert batch.malformed == 1  # the quoted field makes 15 whitespace-separated tokens
    assert expected[0] == 1 + sum(1 for line in lines[:50] if compile_pattern(PATTERNS[0]).matches(line))


def test_malformed_lines_are_counted_sampled_and_skipped(lines):
    junk = ["not a flow record", "2 123 eni-1", "2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 never 1 ACCEPT OK"]
    batch = kernel_for(PATTERNS).process_text("\n".join(lines[:10] + junk + [""]) + "\n")
    assert batch.records == 10
    assert batch.malformed == 3
    assert batch.malformed_samples == junk


def test_statistics_equal_plain_python(lines):
    batch = kernel_for([]).process_text("\n".join(lines) + "\n")
    minutes: dict = defaultdict(lambda: [0] * len(MINUTE_COLUMNS))
    top_records = {dim: Counter() for dim in TOP_DIMENSIONS}
    top_bytes = {dim: Counter() for dim in TOP_DIMENSIONS}
    for line in lines:
        record = parse_record(DEFAULT, line)
        row = minutes[start_ms(line.split()[10]) // 60000]
        row[0] += 1
        status = record["log-status"]
        if status == "NODATA":
            row[5] += 1
            continue
        if status == "SKIPDATA":
            row[6] += 1
            continue
        row[1] += record["action"] == "ACCEPT"
        row[2] += record["action"] == "REJECT"
        row[3] += record["bytes"]
        row[4] += record["packets"]
        for dim in TOP_DIMENSIONS:
            key = record.fields[DEFAULT.index(dim)]
            top_records[dim][key] += 1
            top_bytes[dim][key] += record["bytes"]
    assert batch.minutes == dict(minutes)
    assert batch.records == len(lines)
    for dim in TOP_DIMENSIONS:
        assert batch.top[dim][0] == dict(top_records[dim])
        assert batch.top[dim][1] == dict(top_bytes[dim])


@pytest.mark.parametrize(
    "measure, field, combine",
    [
        ("count", None, lambda values: len(values)),
        ("sum", "bytes", lambda values: sum(int(v) for v in values)),
        ("distinct", "dstport", lambda values: set(values)),
    ],
)
def test_buckets_per_group_and_second(lines, measure, field, combine):
    pattern = "[..., action=REJECT, status]"
    batch = kernel_for([pattern], measure, field, group_by=("srcaddr", "dstport")).process_text("\n".join(lines) + "\n")
    values = defaultdict(list)
    for line in lines:
        f = line.split()
        if f[12] == "REJECT":
            values[((f[3], f[6]), int(f[10]) * 1000)].append(f[DEFAULT.index(field)] if field else "")
    assert batch.buckets[0] == {key: combine(v) for key, v in values.items()}
    assert list(batch.buckets[0]) == list(values)  # arrival order kept


def test_event_times_from_cloudwatch():
    lines = flow_lines(100)
    times = [1_800_000_000_000 + i * 500 for i in range(100)]
    kernel = Kernel(DEFAULT, [KernelRule(compile_pattern(""), (), "count", None)], event_times=True)
    batch = kernel.process(lines, times)
    assert (batch.t_min, batch.t_max) == (times[0], times[-1])
    assert sum(batch.buckets[0].values()) == 100
    assert set(t for _, t in batch.buckets[0]) == set(times)


def test_custom_format_without_some_statistics_fields():
    fmt = FlowFormat.parse("${srcaddr} ${dstaddr} ${start} ${action}")
    kernel = Kernel(fmt, [KernelRule(compile_pattern("[src, dst, start, action=REJECT]"), ("dstaddr",))])
    batch = kernel.process_text("10.0.0.1 10.0.0.2 1700000000 REJECT\n10.0.0.1 10.0.0.3 1700000001 ACCEPT\n")
    assert batch.buckets[0] == {("10.0.0.2", 1_700_000_000_000): 1}
    assert set(batch.top) == {"srcaddr", "dstaddr"}
    assert batch.minutes[1_700_000_000 // 60][1:3] == [1, 1]


def test_kernel_source_is_inspectable():
    kernel = kernel_for(PATTERNS[:1])
    assert "def kernel_fast" in kernel.source and "def kernel_checked" in kernel.source
