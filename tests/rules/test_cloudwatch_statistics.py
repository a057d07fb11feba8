"""The statistics of a ``$field`` metric (Sum, SampleCount, Average, Minimum, Maximum) and a metric
filter's default value, simulated through the whole engine (kernel buckets included) on hand-worked
timelines."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.engine.engine import Engine, RuleDef
from tui.flowlog import DEFAULT_FORMAT
from tui.patterns import compile_pattern
from tui.rules.cloudwatch_alarm import AlarmSpec, CloudWatchAlarm, combine

HTTPS = compile_pattern("[version, account, eni, source, destination, srcport, destport=443, protocol, packets, "
                        "bytes, windowstart, windowend, action, flowlogstatus]")


def _s(clock: str) -> int:
    """``12:00:10`` on 2026-12-02 UTC, in epoch seconds."""
    return int(datetime.fromisoformat(f"2026-12-02T{clock}+00:00").timestamp())


def _clock(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%H:%M:%S")


def _record(clock: str, size: int, port: int = 443) -> str:
    start = _s(clock)
    return (f"2 123456789012 eni-0a1b 10.0.0.9 10.0.0.155 40000 {port} 6 10 {size} {start} {start + 5} ACCEPT OK")


# 12:00: 200 and 2600 in the same second (one kernel bucket), 300; 12:02: 900, 1000. A record on
# another port at 12:30 moves the clock on.
TIMELINE = [("12:00:10", 200), ("12:00:10", 2600), ("12:00:40", 300), ("12:02:20", 900), ("12:02:30", 1000),
            ("12:30:00", 1, 22)]


def _run(spec: AlarmSpec, records: list[tuple], rule_pattern=HTTPS, measure: str = "sum") -> Engine:
    rule = RuleDef("https", rule_pattern, spec.threshold, spec.period_s, measure=measure,
                   measure_field="bytes" if measure == "sum" else None, alarm=spec)
    engine = Engine(DEFAULT_FORMAT, [rule])
    engine.ingest_text("".join(_record(*r) + "\n" for r in records))
    return engine


@pytest.mark.parametrize(("statistic", "comparison", "threshold", "expected"), [
    # [12:00, 12:01): Sum 3100, SampleCount 3, Average 1033.3, Minimum 200, Maximum 2600.
    # [12:02, 12:03): Sum 1900, SampleCount 2, Average 950, Minimum 900, Maximum 1000.
    # Each minute's evaluation judges the newest present datapoint of its 3-period range.
    ("Sum", "GreaterThanOrEqualToThreshold", 3000, [("ALARM", "12:01:00"), ("OK", "12:03:00")]),
    ("SampleCount", "GreaterThanOrEqualToThreshold", 3, [("ALARM", "12:01:00"), ("OK", "12:03:00")]),
    ("Average", "GreaterThanOrEqualToThreshold", 1000, [("ALARM", "12:01:00"), ("OK", "12:03:00")]),
    ("Minimum", "LessThanOrEqualToThreshold", 250, [("ALARM", "12:01:00"), ("OK", "12:03:00")]),
    # 1000 still breaches at 12:03; the range holds nothing from 12:06 on: notBreaching, OK.
    ("Maximum", "GreaterThanOrEqualToThreshold", 1000, [("ALARM", "12:01:00"), ("OK", "12:06:00")]),
    ("Maximum", "GreaterThanThreshold", 2600, []),
])
def test_each_statistic_of_a_field(statistic, comparison, threshold, expected):
    spec = AlarmSpec(period_s=60, threshold=threshold, statistic=statistic, comparison=comparison,
                     treat_missing_data="notBreaching")
    engine = _run(spec, TIMELINE)
    cloudwatch = [a for a in engine.alerts if a.evaluation == "cloudwatch"]
    assert [(a.state, _clock(a.time_ms)) for a in cloudwatch] == expected


def test_a_statistic_the_sliding_window_cannot_express_says_so():
    """An average has no sliding form: no shadow episode, and the rule view says why instead of
    comparing."""
    spec = AlarmSpec(period_s=60, threshold=1000, statistic="Average", treat_missing_data="notBreaching")
    engine = _run(spec, TIMELINE)
    assert list(engine.shadow) == []
    [verdict] = engine.snapshot().verdicts
    assert verdict.sliding.startswith("not comparable: a sliding window has no form for Average >= 1000")
    assert verdict.reasons == () and not verdict.comparable


def test_the_sliding_rule_beside_a_field_statistic_still_sums_the_field():
    """The sliding rule beside it takes the buckets' sums: its value is 3100 bytes at 12:00."""
    spec = AlarmSpec(period_s=60, threshold=1000, statistic="Maximum")
    engine = _run(spec, TIMELINE[:3])
    [status] = engine.snapshot().rules
    assert status.top_value == 3100


@settings(max_examples=100)
@given(values=st.lists(st.tuples(st.integers(0, 299), st.integers(0, 10**9)), min_size=1, max_size=30),
       cuts=st.lists(st.integers(0, 30), max_size=4))
def test_a_periods_statistics_whatever_the_batches(values, cuts):
    """Count, sum, minimum and maximum per period are kept (never the values) and come out the same
    however the values were bucketed and batched."""
    base = _s("12:00:00") * 1000
    bounds = sorted({min(c, len(values)) for c in cuts} | {len(values)})
    expected = {}
    for statistic in ("Sum", "SampleCount", "Average", "Minimum", "Maximum"):
        alarm = CloudWatchAlarm(0, AlarmSpec(period_s=300, threshold=1, statistic=statistic), count_measure=False)
        start = 0
        for end in bounds:
            buckets: dict = {}
            for second, value in values[start:end]:
                key = ("", base + second * 1000)
                buckets[key] = combine(buckets.get(key), [1, value, value, value])
            alarm.add(buckets.items(), None)
            start = end
        points, _, _ = alarm.datapoints(alarm.series[""], base + 300_000)
        expected[statistic] = points[-1]
    sizes = [value for _, value in values]
    assert expected == {"Sum": sum(sizes), "SampleCount": len(sizes), "Average": sum(sizes) / len(sizes),
                        "Minimum": min(sizes), "Maximum": max(sizes)}


# -- the metric filter's default value -------------------------------------------------------------

# One match at 12:00:10, then records that do not match in every minute up to 12:05.
QUIET = [("12:00:10", 100)] + [(f"12:0{m}:10", 100, 22) for m in range(1, 6)]


@pytest.mark.parametrize(("default_value", "expected", "state"), [
    # No default: the minutes with records but no match are missing. The 12:00 datapoint (1, not
    # below 1) decides while in range; from 12:04 nothing is present: INSUFFICIENT_DATA, no alert.
    (None, [], "INSUFFICIENT_DATA"),
    # Default 0: at 12:02 the range is [missing, 1, 0]: the newest present, 0, is below 1: ALARM.
    (0, [("ALARM", "12:02:00")], "ALARM"),
])
def test_a_default_value_fills_periods_with_records_but_no_match(default_value, expected, state):
    spec = AlarmSpec(period_s=60, threshold=1, comparison="LessThanThreshold", default_value=default_value)
    engine = _run(spec, QUIET, measure="count")
    cloudwatch = [a for a in engine.alerts if a.evaluation == "cloudwatch"]
    assert [(a.state, _clock(a.time_ms)) for a in cloudwatch] == expected
    [verdict] = engine.snapshot().verdicts
    assert verdict.cloudwatch.startswith(state)


def test_a_default_value_needs_records_a_period_without_any_stays_missing():
    """Records at 12:00:10 (a match) and 12:04:10 only: 12:01 to 12:03 had no record at all, so even
    with a default value they are missing (notBreaching: not below 1). 12:04 gets the default: ALARM at
    12:05, kept while that 0 is the newest present datapoint; at 12:08 the range [12:05, 12:08) has
    nothing: OK."""
    spec = AlarmSpec(period_s=60, threshold=1, comparison="LessThanThreshold", default_value=0,
                     treat_missing_data="notBreaching")
    engine = _run(spec, [("12:00:10", 100), ("12:04:10", 100, 22), ("12:09:00", 100, 22)], measure="count")
    cloudwatch = [a for a in engine.alerts if a.evaluation == "cloudwatch"]
    assert [(a.state, _clock(a.time_ms)) for a in cloudwatch] == [("ALARM", "12:05:00"), ("OK", "12:08:00")]


def test_worker_processes_give_the_same_alarms(tmp_path, capsys):
    """The kernel's [count, sum, minimum, maximum] buckets cross process boundaries (replay
    --workers) and give the same alert lines as one process."""
    from tui.cli import main
    from tui.sources import files

    config = tmp_path / "c.yaml"
    config.write_text(
        "rules:\n  - name: big\n    pattern: '[version, account, eni, source, destination, srcport, destport=443, "
        "protocol, packets, bytes, windowstart, windowend, action, flowlogstatus]'\n"
        "    threshold: 9000\n    measure: sum:bytes\n    evaluate: cloudwatch\n    period: 1m\n"
        "    statistic: Maximum\n    treat_missing_data: notBreaching\n")
    base = _s("12:00:00")
    lines = []
    for i in range(8000):
        clock = datetime.fromtimestamp(base + i, tz=timezone.utc).strftime("%H:%M:%S")
        size = 9500 if (i // 60) % 7 == 0 and i % 13 == 0 else 100 + i % 5000
        lines.append(_record(clock, size))
    log = tmp_path / "flows.log"
    log.write_text("\n".join(lines) + "\n")
    original = files.CHUNK_BYTES
    files.CHUNK_BYTES = 32 * 1024
    try:
        outputs = []
        for workers in ("1", "2"):
            assert main(["replay", str(log), "-c", str(config), "--headless", "--workers", workers]) == 0
            outputs.append(capsys.readouterr().out)
    finally:
        files.CHUNK_BYTES = original
    assert outputs[0].count('"ALARM"') >= 5 and outputs[0] == outputs[1]


def test_a_default_value_alarms_on_a_filter_that_never_matched():
    """"No HTTPS at all for a minute": with default value 0, records that never match make 0-valued
    datapoints, so the alarm goes off at the first evaluation (12:01); without one it never could."""
    records = [(f"12:0{m}:10", 100, 22) for m in range(0, 4)]
    spec = AlarmSpec(period_s=60, threshold=1, comparison="LessThanThreshold", default_value=0)
    engine = _run(spec, records, measure="count")
    assert [(a.state, _clock(a.time_ms)) for a in engine.alerts if a.evaluation == "cloudwatch"] == [
        ("ALARM", "12:01:00")]
    without = _run(AlarmSpec(period_s=60, threshold=1, comparison="LessThanThreshold"), records, measure="count")
    assert [a for a in without.alerts if a.evaluation == "cloudwatch"] == []
