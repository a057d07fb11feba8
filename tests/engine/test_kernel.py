"""The generated kernel agrees with the patterns' own semantics and with plain Python statistics."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.engine.batch import MINUTE_COLUMNS, TOP_DIMENSIONS
from tui.engine.kernel import Kernel, KernelRule, split_after, split_lines, start_ms, text_is_simple
from tui.flowlog import FlowFormat, parse_record
from tui.patterns import compile_pattern

from tests.engine.conftest import flow_lines

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
# Compiled once: compiling inside the property tests' loops was most of their time.
COMPILED = [compile_pattern(p) for p in PATTERNS]


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
    expected = [sum(1 for line in lines if pattern.matches(line)) for pattern in COMPILED]
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
    expected = [sum(1 for line in records if pattern.matches(line)) for pattern in COMPILED]
    assert counts_by_rule(batch) == expected
    assert batch.malformed == 1  # the quoted field makes 15 whitespace-separated tokens
    assert expected[0] == 1 + sum(1 for line in lines[:50] if COMPILED[0].matches(line))


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
    buckets = dict(batch.buckets[0].items())
    assert buckets == {key: combine(v) for key, v in values.items()}
    assert list(buckets) == list(values)  # arrival order kept


def test_event_times_from_cloudwatch():
    lines = flow_lines(100)
    times = [1_800_000_000_000 + i * 500 for i in range(100)]
    kernel = Kernel(DEFAULT, [KernelRule(compile_pattern(""), (), "count", None)], event_times=True)
    batch = kernel.process(lines, times)
    assert (batch.t_min, batch.t_max) == (times[0], times[-1])
    buckets = dict(batch.buckets[0].items())
    assert sum(buckets.values()) == 100
    assert set(t for _, t in buckets) == set(times)


def test_custom_format_without_some_statistics_fields():
    fmt = FlowFormat.parse("${srcaddr} ${dstaddr} ${start} ${action}")
    kernel = Kernel(fmt, [KernelRule(compile_pattern("[src, dst, start, action=REJECT]"), ("dstaddr",))])
    batch = kernel.process_text("10.0.0.1 10.0.0.2 1700000000 REJECT\n10.0.0.1 10.0.0.3 1700000001 ACCEPT\n")
    assert dict(batch.buckets[0].items()) == {("10.0.0.2", 1_700_000_000_000): 1}
    assert set(batch.top) == {"srcaddr", "dstaddr"}
    assert batch.minutes[1_700_000_000 // 60][1:3] == [1, 1]


@pytest.mark.parametrize("spacing", ["single", "double", "tab", "leading", "trailing", "blank lines", "last line"])
def test_splitting_at_single_spaces_changes_nothing(spacing):
    """Single-spaced text is split at " " (cheaper than at any whitespace); any other spacing, or a
    blank line, must count and match exactly as the whitespace split does."""
    lines = flow_lines(300)
    if spacing == "double":
        lines[7] = lines[7].replace(" ", "  ", 1)
    elif spacing == "tab":
        lines[7] = lines[7].replace(" ", "\t", 1)
    elif spacing == "leading":
        lines[7] = " " + lines[7]
    elif spacing in ("trailing", "last line"):
        lines[-1 if spacing == "last line" else 7] += " "
    elif spacing == "blank lines":
        lines[7:7] = ["", " "]
    text = "\n".join(lines) + ("" if spacing == "last line" else "\n")
    kernel = kernel_for(PATTERNS, group_by=("srcaddr",))
    picked = kernel._pick(text, lines)
    assert (picked == kernel._fast_spaced) == (spacing == "single")
    # A tab is no field separator for CloudWatch: str.split() cannot be trusted with it.
    assert picked in ((kernel._checked,) if spacing == "tab" else (kernel._fast, kernel._fast_spaced))
    assert kernel.process_text(text) == kernel._checked(split_lines(text), None, 0)


@pytest.mark.parametrize(
    ("srcaddr", "matched"),
    [("srcaddr", True), ("srcaddr=%^10\\.0\\.%", False)],
    ids=["plain", "holding-a-regex"],
)
def test_a_tab_separates_fields_for_rules_in_the_kernel_unless_the_rule_holds_a_regex(srcaddr, matched):
    """tui.patterns.fields' rule in the kernel: a record whose fields a tab separates is a record
    (str.split() reads it); a rule splits it at the tab, unless the rule holds a regex."""
    lines = flow_lines(40)
    victim = "2 123456789010 eni-1 10.0.0.155 10.0.0.1 1024 22 6 1 1 1700000000 1700000060 REJECT OK"
    lines[5] = victim.replace(" 22 ", "\t22 ")
    text = "\n".join(lines) + "\n"
    rule = (
        f"[version, account, eni, {srcaddr}, dstaddr, srcport, dstport=22, protocol, packets, bytes, start, end,"
        " action=REJECT, status]"
    )
    assert compile_pattern(rule).matches(lines[5]) is matched
    assert compile_pattern(rule).matches(victim)
    for kernel in (kernel_for([rule]), Kernel(DEFAULT, kernel_for([rule]).rules, event_times=True)):
        times = [1_700_000_000_000] * len(lines)
        batch = kernel.process(lines, times) if kernel.event_times else kernel.process_text(text)
        assert batch.records == 40
        assert counts_by_rule(batch) == [sum(1 for line in lines if compile_pattern(rule).matches(line))]


def test_a_message_with_a_newline_inside_splits_there_as_at_any_whitespace():
    """CloudWatch messages are not lines: one may hold a newline, which the single-space split would
    keep inside a token."""
    kernel = kernel_for(PATTERNS)
    messages = flow_lines(50)
    messages[3] = messages[3].replace(" ", "\n", 4)
    assert kernel.process(messages) == kernel._checked(messages, None, 0)
    assert kernel.process(messages).records == 50


def test_a_kernel_without_top_tables_counts_everything_else_alike(lines):
    with_top = kernel_for(PATTERNS)
    without = Kernel(DEFAULT, with_top.rules, top_tables=False)
    text = "\n".join(lines) + "\n"
    full, lean = with_top.process_text(text), without.process_text(text)
    assert full.top and lean.top == {}
    full.top = {}
    assert lean == full
    assert "top0" in with_top.source and "top0" not in without.source


def test_kernel_source_is_inspectable():
    kernel = kernel_for(PATTERNS[:1])
    assert "def kernel_fast" in kernel.source and "def kernel_checked" in kernel.source


ODD_NUMBERS = ["22", "022", "0", "00", "-", "-0", "-22", "+22", "2_2", "22.0", "2.2e1", "1e3", "1000", "0x16",
               "150", "149", "0150", "100001", "100000", "9" * 700, "0" * 650 + "22", "٢٢", "²", "abc"]
NUMERIC_PATTERNS = [
    "[..., dstport=22, protocol, packets, bytes, start, end, action, status]",
    "[..., dstport!=22, protocol, packets, bytes, start, end, action, status]",
    "[..., dstport=22 || dstport=1000, protocol=0, packets, bytes, start, end, action, status]",
    "[..., dstport=2.2e1, protocol, packets>=150, bytes, start, end, action, status]",
    "[..., dstport<100, protocol, packets, bytes>100000, start, end, action, status]",
    "[..., dstport, protocol, packets<=149, bytes, start, end, action=ACCEPT, status]",
    "[..., dstport>=0, protocol!=6, packets>0, bytes, start, end, action, status]",
    "[..., dstport, protocol, packets=150 || packets=0 || packets=1e3, bytes, start, end, action=ACCEPT || action=\"REJECT\", status]",
]


def odd_number_lines(kind: str) -> list[str]:
    import random

    rng = random.Random(4)
    lines = []
    for i in range(600):
        choices = [n for n in ODD_NUMBERS if kind == "non-ascii" or n.isascii() and (kind == "long-numbers" or len(n) < 600)]
        port, proto, packets, byte_count = (rng.choice(choices + ["80", "443"]) for _ in range(4))
        lines.append(
            f"2 123456789010 eni-1 10.0.0.{i % 7} 10.0.14.1 4000 {port} {proto} {packets} {byte_count} "
            f"{1_700_000_000 + i // 10} {1_700_000_060 + i // 10} {rng.choice(['ACCEPT', 'REJECT'])} OK"
        )
    return lines


@pytest.mark.parametrize("kind", ["fast", "long-numbers", "non-ascii"])
def test_equality_only_number_fields_agree_with_the_patterns(kind):
    """A field compared only with `=` (several times) gets the canonical-digits flag instead of its
    int value; `a || b` on it becomes one set lookup."""
    patterns = [
        "[..., dstport=22 || dstport=1000 || dstport=0, protocol, packets, bytes, start, end, action, status]",
        "[..., dstport=80, protocol, packets, bytes, start, end, action=REJECT, status]",
        "[..., dstport!=443, protocol, packets, bytes, start, end, action, status]",
    ]
    lines = odd_number_lines(kind)
    kernel = kernel_for(patterns)
    assert " in {'22', '1000', '0'} or o6 and " in kernel.source
    batch = kernel.process_text("\n".join(lines) + "\n")
    # Only records count (FlowFormat.split): an odd number in a field other than start is no reason.
    records = [line for line in lines if parse_record(DEFAULT, line) is not None]
    assert batch.records == len(records) and batch.malformed == len(lines) - len(records)
    compiled = [compile_pattern(p) for p in patterns]
    expected = [sum(1 for line in records if pattern.matches(line)) for pattern in compiled]
    assert counts_by_rule(batch) == expected and min(expected) > 0


@pytest.mark.parametrize("kind", ["fast", "long-numbers", "non-ascii"])
def test_numbers_read_once_per_record_agree_with_the_patterns(kind):
    """The kernel reads each number field once per record and shares it between the statistics and
    every rule; the comparisons must still be exactly the patterns' own, whatever the text. Lines
    long enough to hold a 600-digit number, or non-ASCII text, take the checked kernel."""
    lines = odd_number_lines(kind)
    kernel = kernel_for(NUMERIC_PATTERNS, "sum", "bytes")
    text = "\n".join(lines) + "\n"
    assert text_is_simple(text) == (kind != "non-ascii")
    assert (kernel._pick(text, lines) in (kernel._fast, kernel._fast_spaced)) == (kind == "fast")
    batch = kernel.process_text(text)
    # Only records count (FlowFormat.split): an odd number in a field other than start is no reason.
    records = [line for line in lines if parse_record(DEFAULT, line) is not None]
    assert batch.records == len(records) and batch.malformed == len(lines) - len(records)
    compiled = [compile_pattern(p) for p in NUMERIC_PATTERNS]
    expected = [sum(1 for line in records if pattern.matches(line)) for pattern in compiled]
    assert counts_by_rule(batch) == expected
    assert min(expected[:6] + expected[7:]) > 0

    def number(text):
        try:
            return int(text) if text.isdigit() else None
        except ValueError:
            return None

    fields = [line.split() for line in records]
    ok = [f for f in fields if f[13] == "OK"]
    assert sum(row[3] for row in batch.minutes.values()) == sum(number(f[9]) or 0 for f in ok)
    assert sum(row[4] for row in batch.minutes.values()) == sum(number(f[8]) or 0 for f in ok)
    top_records, top_bytes = Counter(), Counter()
    for f in ok:
        top_records[f[6]] += 1
        top_bytes[f[6]] += number(f[9]) or 0
    assert batch.top["dstport"] == (dict(top_records), dict(top_bytes))
    sums = Counter()
    for f, line in zip(fields, records):
        if compile_pattern(NUMERIC_PATTERNS[0]).matches(line) and number(f[9]) is not None:
            sums[f[3], int(f[10]) * 1000] += number(f[9])
    assert dict(batch.buckets[0].items()) == dict(sums)


def test_time_runs_say_where_each_second_starts_in_sorted_batches(lines):
    text_lines = lines[:200] + ["", "garbage"] + lines[200:400]
    batch = kernel_for(PATTERNS[:1]).process_text("\n".join(text_lines) + "\n")
    starts, times, offsets = batch.time_runs
    expected_starts, expected_times = [], []
    for index, line in enumerate(text_lines):
        fields = line.split()
        if len(fields) == DEFAULT.nfields:
            t = start_ms(fields[10])
            if not expected_times or t != expected_times[-1]:
                expected_starts.append(index)
                expected_times.append(t)
    assert (starts, times) == (expected_starts, expected_times)
    text = "\n".join(text_lines)
    assert [text[offset:].split("\n", 1)[0] for offset in offsets] == [text_lines[i] for i in starts]
    shuffled = lines[100:200] + lines[:100]
    assert kernel_for(PATTERNS[:1]).process_text("\n".join(shuffled) + "\n").time_runs is None


def test_buckets_keep_arrival_order_when_times_go_back_and_forth(lines):
    import random

    shuffled = lines[:]
    random.Random(8).shuffle(shuffled)
    pattern = "[..., action=REJECT, status]"
    batch = kernel_for([pattern], group_by=("srcaddr",)).process_text("\n".join(shuffled) + "\n")
    values: dict = {}
    for line in shuffled:
        f = line.split()
        if f[12] == "REJECT":
            key = (f[3], int(f[10]) * 1000)
            values[key] = values.get(key, 0) + 1
    assert list(batch.buckets[0].items()) == list(values.items())


def test_garbage_collection_is_paused_for_a_batch_and_restored():
    import gc

    from tui.engine.kernel import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        raise ZeroDivisionError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()


TOKENS = ["22", "0", "-", "abc", "+1", "1.5", "\u0661", "\ufffd", "{2", "1700000000", "REJECT", "OK", "x\ty", "9" * 700]


@settings(max_examples=300)
@given(st.lists(st.lists(st.sampled_from(TOKENS), min_size=13, max_size=15), max_size=12), st.data())
def test_the_kernel_counts_as_records_exactly_what_parse_record_reads(rows, data):
    """One definition of a record, whichever kernel path (fast, checked, event times) reads it."""
    base = flow_lines(30)
    lines = list(base)
    for row in rows:
        line = " ".join(row)
        lines.insert(data.draw(st.integers(0, len(lines))), line)
    records = [line for line in lines if parse_record(DEFAULT, line) is not None]
    kernel = kernel_for(PATTERNS)
    text = "\n".join(lines) + "\n"
    for batch in (kernel.process_text(text), kernel._checked(lines, None, 0)):
        assert (batch.records, batch.malformed) == (len(records), len(lines) - len(records))
        expected = [sum(1 for line in records if pattern.matches(line)) for pattern in COMPILED]
        assert counts_by_rule(batch) == expected
    timed = Kernel(DEFAULT, kernel.rules, event_times=True).process(lines, [1_700_000_000_000] * len(lines))
    assert (timed.records, timed.malformed) == (len(records), len(lines) - len(records))


HEADER = " ".join(DEFAULT.names)


def test_a_header_line_of_the_layout_is_skipped_and_one_of_another_ends_the_batch():
    lines = flow_lines(20)
    other = FlowFormat.parse("${version} ${srcaddr} ${dstaddr} ${start}")
    text = "\n".join([HEADER, *lines[:10], HEADER, *lines[10:], " ".join(other.names), "5 a b 1700000000"]) + "\n"
    batch = kernel_for(PATTERNS).process_text(text)
    assert (batch.records, batch.malformed, batch.headers) == (20, 0, 2)
    assert batch.next_format == other and batch.lines == 23
    rest = split_after(text, batch.lines)[1]
    assert rest == "5 a b 1700000000\n"
    after = Kernel(other, kernel_for(PATTERNS).rules).process_text(rest)
    assert (after.records, after.malformed, after.next_format) == (1, 0, None)


def test_kernels_with_event_times_read_no_header():
    """CloudWatch messages have no header: one that looks like it is malformed, nothing switches."""
    lines = [HEADER, "version srcaddr start", *flow_lines(5)]
    batch = Kernel(DEFAULT, kernel_for(PATTERNS).rules, event_times=True).process(lines, [1] * len(lines))
    assert (batch.records, batch.malformed, batch.headers, batch.next_format) == (5, 2, 0, None)


def test_a_header_is_no_record_even_in_a_layout_without_numbers():
    fmt = FlowFormat.parse("${interface-id} ${srcaddr} ${action}")
    text = "interface-id srcaddr action\neni-1 10.0.0.1 REJECT\ninterface-id srcaddr action\neni-2 10.0.0.2 ACCEPT\n"
    batch = Kernel(fmt, [KernelRule(compile_pattern("REJECT"))]).process_text(text)
    assert (batch.records, batch.malformed, batch.headers) == (2, 0, 2)
    assert [parse_record(fmt, line) is not None for line in split_lines(text)] == [False, True, False, True]
