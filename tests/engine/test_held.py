"""The records the session holds (tui/engine/held.py): bounded by age and by a cap, complete after a
time it can name, searched off the lock; the evidence of a rule agrees with what the rule counted."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.app.sample import BRUTE, T0, record, sample_config, sample_lines
from tui.engine.engine import Engine, engine_from_config
from tui.engine.held import HeldRecords, search
from tui.flowlog import DEFAULT_FORMAT
from tui.patterns import compile_pattern
from tui.run.session import Session

FMT = DEFAULT_FORMAT
EVERY = lambda fmt: lambda fields, line, time: True  # noqa: E731 - a test that takes every record


def line_at(t: int, src: str = "10.0.0.1", action: str = "ACCEPT") -> str:
    return record(t, src, "10.0.0.2", 40000, 443, 6, 1, 40, action)


def test_the_cap_cuts_the_oldest_records_and_says_since_when_it_is_complete() -> None:
    held = HeldRecords(cap=5)
    held.add([line_at(T0 + i) for i in range(3)], None, FMT, (T0 + 2) * 1000)
    held.add([line_at(T0 + 10 + i) for i in range(3)], None, FMT, (T0 + 12) * 1000)
    status = held.status()
    assert status.records == 5
    assert status.capped
    # the first batch lost a record: nothing newer than that batch's newest time was dropped
    assert status.complete_since_ms == (T0 + 2) * 1000
    kept = [line for chunk in held.chunks() for line in chunk.lines]
    assert kept == [line_at(T0 + 1), line_at(T0 + 2), *(line_at(T0 + 10 + i) for i in range(3))]


def test_a_batch_larger_than_the_cap_is_not_complete_up_to_its_newest_time() -> None:
    held = HeldRecords(cap=2)
    held.add([line_at(T0 + i) for i in range(3)], None, FMT, (T0 + 2) * 1000)
    status = held.status()
    assert status.records == 2 and status.capped and status.complete_since_ms == (T0 + 2) * 1000


def test_age_drops_whole_batches_older_than_the_windows_and_the_follow_window() -> None:
    held = HeldRecords(cap=1000, keep_ms=60_000)
    held.add([line_at(T0)], None, FMT, T0 * 1000)
    held.add([line_at(T0 + 30)], None, FMT, (T0 + 30) * 1000)
    assert held.status().complete_since_ms is None  # nothing dropped: everything since the start
    held.add([line_at(T0 + 90)], None, FMT, (T0 + 90) * 1000)
    status = held.status()
    assert status.records == 2 and not status.capped
    assert status.complete_since_ms == T0 * 1000
    assert status.span_ms == 90_000


def test_a_batch_with_a_late_record_stays_while_its_newest_record_is_young() -> None:
    held = HeldRecords(cap=1000, keep_ms=60_000)
    held.add([line_at(T0 - 500), line_at(T0 + 100)], None, FMT, (T0 + 100) * 1000)
    held.add([line_at(T0 + 150)], None, FMT, (T0 + 150) * 1000)
    assert held.status().records == 3


def test_search_keeps_the_newest_up_to_the_limit_and_counts_them_all() -> None:
    held = HeldRecords(cap=1000)
    held.add([line_at(T0 + i) for i in range(10)], None, FMT, (T0 + 9) * 1000)
    found = search(held.chunks(), held.status(), EVERY, 3)
    assert found.total == 10 and found.capped
    assert [line for line, _ in found.lines] == [line_at(T0 + 9), line_at(T0 + 8), line_at(T0 + 7)]


def test_search_takes_the_window_as_the_rules_do_open_before_closed_after() -> None:
    held = HeldRecords(cap=1000)
    held.add([line_at(T0 + i) for i in range(10)], None, FMT, (T0 + 9) * 1000)
    found = search(held.chunks(), held.status(), EVERY, 100, since_ms=(T0 + 2) * 1000, until_ms=(T0 + 5) * 1000)
    assert sorted(line for line, _ in found.lines) == [line_at(T0 + 3), line_at(T0 + 4), line_at(T0 + 5)]


def test_search_uses_the_sources_event_times_when_it_gave_them() -> None:
    held = HeldRecords(cap=1000)
    held.add([line_at(T0), line_at(T0)], [5_000, 9_000], FMT, 9_000)
    found = search(held.chunks(), held.status(), EVERY, 100, since_ms=6_000, until_ms=10_000)
    assert found.total == 1


def test_search_stops_when_cancelled() -> None:
    held = HeldRecords(cap=1000)
    held.add([line_at(T0)], None, FMT, T0 * 1000)
    assert search(held.chunks(), held.status(), EVERY, 10, cancelled=lambda: True).cancelled


# -- the engine and the session ---------------------------------------------------------------------

LINES = sample_lines(10)
SSH = 1  # the sample's ssh-brute-force rule


def fed_session(lines: list[str] = LINES, held_records: int = 200_000) -> Session:
    config = sample_config()
    config = dataclasses.replace(config, limits=dataclasses.replace(config.limits, held_records=held_records))
    session = Session(engine_from_config(config), lambda session, stop: None, "replay")
    session.ingest(lines)
    return session


def test_the_evidence_of_a_live_group_is_every_record_the_rule_counted() -> None:
    session = fed_session()
    group, value, _ = session.busiest_groups(SSH)[0]
    assert group == BRUTE
    watermark = session.engine.rules.watermark
    window_ms = 60_000
    found = session.evidence(SSH, {"srcaddr": BRUTE}, watermark - window_ms, watermark, 1000)
    assert found.total == value > 20
    assert all(BRUTE in line and " 22 " in line for line, _ in found.lines)


def test_the_evidence_of_an_alarm_is_what_its_window_held_when_it_fired() -> None:
    session = fed_session()
    alarm = next(a for a in session.engine.alerts if a.rule == "ssh-brute-force" and a.state == "ALARM")
    found = session.evidence(SSH, alarm.group, alarm.time_ms - 60_000, alarm.time_ms, 1000)
    assert found.total == alarm.value


@settings(max_examples=15)
@given(st.randoms(use_true_random=False), st.integers(50, 2000))
def test_every_live_groups_evidence_is_its_value_whatever_the_arrival_order(rng, batch) -> None:
    """Followed live (event times from the source, records late and out of order), each count rule's
    live group has exactly as many held records in the window its value is measured over (the
    window ending at the group's ``end``) as the value says."""
    lines = sample_lines(4)
    rng.shuffle(lines)
    config = sample_config()
    session = Session(engine_from_config(config, event_times=True), lambda session, stop: None, "watch")
    for start in range(0, len(lines), batch):
        part = lines[start:start + batch]
        session.ingest(part, [int(line.split()[10]) * 1000 for line in part])
    for index, rule in enumerate(config.rules):
        if rule.measure != "count":
            continue
        busiest = session.busiest_groups(index)
        ends = session.group_window_ends(index, [key for key, _, _ in busiest])
        for key, value, _ in busiest:
            group = session.engine.group_dict(index, key)
            end = ends[key]
            found = session.evidence(index, group, end - int(rule.window_s * 1000), end, 10)
            assert found.total == value, (rule.name, key)


def test_headless_engines_hold_nothing() -> None:
    engine = engine_from_config(sample_config(), recent_rows=0)
    engine.ingest(LINES)
    assert engine.held.status().records == 0


def test_the_flows_filter_searches_what_was_held_and_counts_what_comes_after() -> None:
    session = fed_session(LINES[:-100])
    pattern = compile_pattern(f'"{BRUTE}"')
    session.set_flow_filter(pattern, BRUTE)
    assert session.snapshot().filtered.searching
    session.ingest(LINES[-100:])
    found = session.search_flow_filter()
    assert found is not None
    filtered = session.snapshot().filtered
    expected = [line for line in LINES if BRUTE in line]
    assert filtered.matched == len(expected)
    assert list(filtered.lines) == expected[-len(filtered.lines):]
    assert not filtered.searching and filtered.held is not None


def test_a_filter_replaced_during_the_search_is_not_seeded() -> None:
    session = fed_session()
    session.set_flow_filter(compile_pattern("REJECT"), "REJECT")
    session.search_flow_filter()
    session.set_flow_filter(compile_pattern("ACCEPT"), "ACCEPT")
    assert session.snapshot().filtered.matched == 0  # the held ACCEPTs are not searched yet


@settings(max_examples=40)
@given(st.randoms(use_true_random=False), st.lists(st.integers(1, 400), min_size=1, max_size=8))
def test_evidence_does_not_depend_on_arrival_order_or_batch_boundaries(rng, cuts) -> None:
    """Late records are normal: the same records, shuffled and cut into other batches, give the same
    evidence for the same window."""
    lines = sample_lines(3)
    shuffled = list(lines)
    rng.shuffle(shuffled)
    reference = fed_session(lines)
    engine = Engine(reference.engine.fmt, reference.engine.rule_defs, held_records=100_000)
    session = Session(engine, lambda session, stop: None, "replay")
    start = 0
    for cut in cuts:
        session.ingest(shuffled[start:start + cut])
        start += cut
    session.ingest(shuffled[start:])
    until = (T0 + 150) * 1000
    expected = reference.evidence(SSH, {"srcaddr": BRUTE}, until - 60_000, until, 10_000)
    got = session.evidence(SSH, {"srcaddr": BRUTE}, until - 60_000, until, 10_000)
    assert got.total == expected.total
    assert sorted(got.lines) == sorted(expected.lines)
