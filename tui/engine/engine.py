"""The engine: batches of flow-log lines in, alert transitions and dashboard statistics out.

Source -> kernel (tokenise once, evaluate every rule and statistic) -> rules (windows, OK/ALARM) ->
stats. The engine owns no thread and does no I/O; callers (replay, the CloudWatch follower, the TUI's
worker) feed it batches and read :meth:`snapshot` whenever they like. It never imports Textual.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Hashable, Mapping, Sequence

from tui.engine.batch import BatchResult
from tui.engine.held import HeldRecords, RecordTest, TestFactory
from tui.engine.kernel import Kernel, KernelRule, split_after, split_lines, start_ms
from tui.engine.stats import Stats, StatsSnapshot
from tui.flowlog import FlowFormat
from tui.flowlog.header import detect_header
from tui.patterns.compare import TextCmp
from tui.rules import Alert, RuleSet, RuleSpec, RuleStatus
from tui.rules.budget import DEFAULT_RULE_MEMORY
from tui.rules.cloudwatch_alarm import (
    FIELD_STATS,
    AlarmTransition,
    CloudWatchAlarm,
    Verdict,
    alarms_for,
    kernel_measure,
    shadow_threshold,
    stats_sum,
    verdicts,
)
from tui.rules.measures import Measure
from tui.rules.ruleset import DEGRADED, Transition
from tui.rules.window import ALARM

MALFORMED_SAMPLES_KEPT = 10
KERNELS_KEPT = 16  # compiled kernels kept for the layouts a replay met
ALERT_HISTORY = 1000


@dataclass(frozen=True)
class RuleDef:
    """A rule as the engine needs it (built from the configuration's RuleConfig)."""

    name: str
    pattern: Any  # tui.patterns.Pattern
    threshold: float
    window_s: float
    group_by: tuple[str, ...] = ()
    measure: str = "count"
    measure_field: str | None = None
    severity: str = "medium"
    alarm: Any = None  # evaluate: cloudwatch: its tui.rules.cloudwatch_alarm.AlarmSpec
    description: str = ""  # the runbook text the alerts carry to the people they page

    @classmethod
    def from_config(cls, rule: Any) -> RuleDef:
        return cls(
            rule.name, rule.pattern, rule.threshold, rule.window_s, tuple(rule.group_by),
            rule.measure, rule.measure_field, rule.severity, getattr(rule, "alarm", None),
            getattr(rule, "description", ""),
        )


def engine_from_config(
    config: Any, *, event_times: bool = False, recent_rows: int | None = None, top_tables: bool = True,
) -> Engine:
    """The engine a configuration describes (``recent_rows`` defaults to the display's table size)."""
    return Engine(
        config.format,
        [RuleDef.from_config(rule) for rule in config.rules],
        event_times=event_times,
        max_groups=config.limits.max_groups_per_rule,
        rule_memory=config.limits.rule_memory,
        max_delay_s=config.follow.max_delay_s,
        max_samples=config.limits.max_samples,
        recent_rows=config.display.flows_rows if recent_rows is None else recent_rows,
        keep_minutes=max(180, config.display.sparkline_minutes),
        top_tables=top_tables,
        held_records=0 if recent_rows == 0 else config.limits.held_records,
    )


@dataclass(frozen=True)
class EngineSnapshot:
    """An immutable view of the engine for the UI and for summaries."""

    lines: int
    records: int
    malformed: int
    malformed_samples: tuple[str, ...]
    watermark_ms: int | None
    stats: StatsSnapshot
    rules: tuple[RuleStatus, ...]
    recent: tuple[str, ...]  # newest last
    alerts: tuple[Alert, ...]  # newest last
    # Rules with evaluate: cloudwatch: CloudWatch's verdict beside the sliding one, and why they differ
    verdicts: tuple[Verdict, ...] = ()


class Engine:
    """Evaluates one format and one rule list over batches of lines."""

    def __init__(
        self,
        fmt: FlowFormat,
        rules: Sequence[RuleDef],
        *,
        event_times: bool = False,
        max_groups: int | None = None,
        rule_memory: int = DEFAULT_RULE_MEMORY,
        max_delay_s: float = 1200,
        max_samples: int = 5,
        recent_rows: int = 300,
        keep_minutes: int = 180,
        top_tables: bool = True,
        held_records: int = 0,
    ) -> None:
        """``held_records`` caps the records held for the rules' windows and the follow window
        (:class:`HeldRecords`, for the evidence and the flows filter); 0 holds none."""
        self.fmt = fmt
        self.rule_defs = tuple(rules)
        self.event_times = event_times
        self.top_tables = top_tables  # False: no top-N tables (for callers that never show them)
        self.max_samples = max_samples
        self._kernels: dict[FlowFormat, Kernel] = {}  # by layout: files may switch back and forth
        self.kernel_rules = tuple(
            KernelRule(r.pattern, r.group_by, kernel_measure(r), r.measure_field) for r in self.rule_defs
        )
        # Rules whose buckets hold a field's count, sum, minimum and maximum: their sliding rule takes the sums
        self._field_stats = [i for i, r in enumerate(self.kernel_rules) if r.measure == FIELD_STATS]
        self.rules = RuleSet(
            [
                RuleSpec(
                    r.name,
                    shadow_threshold(r.alarm, r.threshold, r.measure),
                    int(r.window_s * 1000),
                    Measure(r.measure, r.measure_field),
                    r.group_by,
                    r.severity,
                )
                for r in self.rule_defs
            ],
            max_groups=max_groups,
            max_delay_ms=int(max_delay_s * 1000),
            memory_bytes=rule_memory,
        )
        self.stats = Stats(len(self.rule_defs), keep_minutes=keep_minutes)
        self.lines = 0
        self.records = 0
        self.malformed = 0
        self.malformed_samples: deque[str] = deque(maxlen=MALFORMED_SAMPLES_KEPT)
        self.recent: deque[str] = deque(maxlen=recent_rows)
        self.alerts: deque[Alert] = deque(maxlen=ALERT_HISTORY)
        widest_ms = max((int(r.window_s * 1000) for r in self.rule_defs), default=0)
        self.held = HeldRecords(held_records, int(max_delay_s * 1000) + widest_ms)
        # evaluate: cloudwatch rules: their alarms, and their sliding episodes (shown beside, not alerted)
        self.cloudwatch: dict[int, CloudWatchAlarm] = alarms_for(self.rule_defs, max_groups, int(max_delay_s * 1000))
        self.shadow: deque[Alert] = deque(maxlen=ALERT_HISTORY)
        self._now_ms = 0  # the wall clock of the live batch being ingested (0: a file's, none)
        self._set_format(fmt)

    def use_format(self, fmt: FlowFormat) -> None:
        """Switch to another record layout (an S3 file whose header names other fields). Rule state
        carries over: groups are keyed by field values, not positions."""
        if fmt != self.fmt:
            self._set_format(fmt)
            self.recent.clear()  # the flows view reads its rows in the current layout

    def _set_format(self, fmt: FlowFormat) -> None:
        self.fmt = fmt
        kernel = self._kernels.get(fmt)
        if kernel is None:
            if len(self._kernels) >= KERNELS_KEPT:
                del self._kernels[next(iter(self._kernels))]
            kernel = self._kernels[fmt] = Kernel(fmt, self.kernel_rules, self.event_times, self.top_tables)
        self.kernel = kernel
        self._group_index = [tuple(fmt.index(name) for name in r.group_by) for r in self.rule_defs]
        self._converters = {name: fmt.converter(name) for r in self.rule_defs for name in r.group_by}
        self._start = fmt.index("start") if fmt.has("start") else None
        self._literals = [required_literal(r.pattern, fmt.nfields) for r in self.rule_defs]

    # -- feeding ---------------------------------------------------------------------------------

    def ingest_text(self, text: str, now_ms: int = 0) -> list[Alert]:
        """A chunk of a file (whole lines); event times come from each record's ``start``. A header
        line of another layout switches to it for the lines after it."""
        alerts: list[Alert] = []
        while True:
            batch = self.kernel.process_text(text, now_ms)
            part, text = (text, "") if batch.next_format is None else split_after(text, batch.lines)
            alerts += self.apply(batch, lambda part=part: split_lines(part), None, lambda part=part: part)
            if batch.next_format is None:
                return alerts
            self.use_format(batch.next_format)

    def ingest(self, lines: Sequence[str], times: Sequence[int] | None = None, now_ms: int = 0) -> list[Alert]:
        """A batch of messages, with their event times (ms) when the engine uses event times. Without
        event times the lines are a file's: a header line of another layout switches to it."""
        alerts: list[Alert] = []
        self._now_ms = now_ms
        while True:
            batch = self.kernel.process(lines, times, now_ms)
            if batch.next_format is None:
                return alerts + self.apply(batch, lambda lines=lines: lines, times)
            count = batch.lines
            head, lines = lines[:count], lines[count:]
            alerts += self.apply(batch, lambda head=head: head, None if times is None else times[:count])
            times = None if times is None else times[count:]
            self.use_format(batch.next_format)

    def apply(
        self, batch: BatchResult, lines_of_batch: Any, times: Sequence[int] | None, text_of_batch: Any = None,
    ) -> list[Alert]:
        """Merge a kernel result. ``lines_of_batch()`` returns the batch's lines; it is called only
        to keep the newest rows and to find the samples of new alarms. ``text_of_batch()``, for a
        file chunk, returns its text (what ``split_lines`` splits): alarms then look for their
        samples in it without splitting the whole chunk into lines."""
        self.lines += batch.lines
        self.records += batch.records
        self.malformed += batch.malformed
        self.malformed_samples.extend(batch.malformed_samples)
        self.stats.merge(batch)
        floor = None if self.rules.watermark is None else self.rules.watermark - self.rules.max_delay_ms
        buckets = batch.buckets
        if self._field_stats and buckets:
            buckets = [b.mapped(stats_sum) if i in self._field_stats else b for i, b in enumerate(buckets)]
        transitions: list[Any] = self.rules.apply(buckets, batch.t_max)
        if self.cloudwatch:
            transitions = self._cloudwatch(batch, floor, transitions)
        lines = None
        if self.held.cap:
            lines = lines_of_batch()
            held, held_times = lines, times
            if batch.headers:  # header lines are neither records nor malformed: not held
                kept = [i for i, line in enumerate(lines) if detect_header(line) is None]
                held = [lines[i] for i in kept]
                held_times = None if times is None else [times[i] for i in kept]
            self.held.add(held, held_times, self.fmt, batch.t_max)
        if self.recent.maxlen:
            lines = lines_of_batch() if lines is None else lines
            newest = lines[-self.recent.maxlen:]
            if batch.headers:  # header lines are neither records nor malformed: no row of their own
                newest = [line for line in newest if detect_header(line) is None]
            self.recent.extend(line for line in newest if line.strip())
        if not transitions:
            return []
        text = None
        if any(t.state == ALARM for t in transitions) and lines is None:
            if text_of_batch is not None and times is None and batch.time_runs is not None:
                text = text_of_batch()
                if "\r" in text:
                    text = text.replace("\r\n", "\n")  # as split_lines reads it
            else:
                lines = lines_of_batch()
        samples = self._samples(transitions, lines or (), times, batch.time_runs, text)
        alerts = [self._alert(t, samples.get((t.rule, t.group), ())) for t in transitions]
        self.alerts.extend(alerts)
        return alerts

    # -- reading ---------------------------------------------------------------------------------

    def snapshot(self, minutes: int = 60, top_n: int = 10) -> EngineSnapshot:
        watermark = self.rules.watermark
        return EngineSnapshot(
            self.lines,
            self.records,
            self.malformed,
            tuple(self.malformed_samples),
            watermark,
            self.stats.snapshot(minutes, top_n),
            tuple(self._rule_status(index, rule, watermark) for index, rule in enumerate(self.rules.rules)),
            tuple(self.recent),
            tuple(self.alerts),
            verdicts(self.cloudwatch, self.rule_defs, self.shadow, self.alerts, self.group_dict),
        )

    def _rule_status(self, index: int, rule: Any, watermark: int | None) -> RuleStatus:
        """A rule's status; for a cloudwatch rule, the groups and evictions are its alarm's series
        (what it alerts on), not those of the sliding episodes shown beside it."""
        status: RuleStatus = rule.status(watermark)
        alarm = self.cloudwatch.get(index)
        if alarm is None:
            return status
        return replace(
            status, groups=len(alarm.series), evicted_groups=alarm.evicted_groups, evicted_by=alarm.evicted_by,
            degraded_since_ms=alarm.degraded_since, degraded_evicted=alarm.degraded_evicted,
        )

    def group_dict(self, rule_index: int, key: Hashable) -> dict[str, Any]:
        names = self.rule_defs[rule_index].group_by
        values: tuple[str, ...] = ()  # no group_by: the key is ""
        if len(names) == 1:
            values = (str(key),)  # one field: the key is its text
        elif isinstance(key, tuple):  # several fields: a tuple of their values
            values = key
        return {name: self._converters[name](value) for name, value in zip(names, values)}

    def rule_test(self, rule_index: int, group: Mapping[str, Any] | None = None) -> TestFactory:
        """What makes a held record part of a rule's evidence: a record of its layout that the rule's
        pattern matches and, given ``group`` (an alert's group: field -> converted value), whose
        group fields have those values. The time window is the search's."""
        rule = self.rule_defs[rule_index]
        pattern = rule.pattern

        def for_layout(fmt: FlowFormat) -> RecordTest:
            nfields = fmt.nfields
            if group is None:
                checks: list[tuple[int, Any, Any]] = []
            elif not all(fmt.has(name) for name in rule.group_by):
                return lambda fields, line, time: False
            else:
                checks = [(fmt.index(name), fmt.converter(name), group.get(name)) for name in rule.group_by]

            def test(fields: list[str], line: str, time: int | None) -> bool:
                if len(fields) != nfields:
                    return False
                for position, convert, wanted in checks:
                    if convert(fields[position]) != wanted:
                        return False
                return pattern.matches_split(fields, line)

            return test

        return for_layout

    # -- internals -------------------------------------------------------------------------------

    def _cloudwatch(self, batch: BatchResult, floor: int | None, transitions: list[Transition]) -> list[Any]:
        """Feed the cloudwatch rules' alarms; their sliding transitions go to ``shadow`` instead."""
        kept: list[Any] = []
        for transition in transitions:
            if transition.rule in self.cloudwatch:
                self.shadow.append(self._alert(transition, ()))
            else:
                kept.append(transition)
        found: list[AlarmTransition] = []
        # CloudWatch evaluates on the wall clock, over what has arrived: live, that is the batch's
        # arrival time; for files (no arrival time) the newest event time stands in.
        watermark = self.rules.watermark
        clock = watermark if not self._now_ms else max(self._now_ms, watermark or 0)
        for index, alarm in self.cloudwatch.items():
            if watermark is not None:
                alarm.now = watermark  # the time an eviction in this batch is reported at
            if batch.buckets and batch.buckets[index]:
                alarm.add(batch.buckets[index].items(), floor)
            alarm.saw(batch.minutes, floor)
            if clock is not None:
                alarm.advance(clock, found)
            alarm.report_degraded(watermark, found)
        return kept + found

    def _alert(self, transition: Transition | AlarmTransition, samples: Sequence[str]) -> Alert:
        rule = self.rule_defs[transition.rule]
        cloudwatch = isinstance(transition, AlarmTransition)
        degraded = transition.state == DEGRADED  # of the rule, not of a group
        return Alert(
            rule=rule.name,
            state=transition.state,
            group={} if degraded else self.group_dict(transition.rule, transition.group),
            value=transition.value,
            threshold=rule.threshold,
            window_s=rule.alarm.period_s if cloudwatch else rule.window_s,
            measure=self.rules.rules[transition.rule].spec.measure.name,
            time_ms=transition.time_ms,
            first_ms=transition.first_ms,
            last_ms=transition.last_ms,
            severity=rule.severity,
            samples=tuple(samples),
            description=rule.description,
            episode_start_ms=transition.episode_start_ms,
            late=transition.late,
            peak=transition.peak,
            evaluation="cloudwatch" if cloudwatch else None,
            alarm_state=transition.alarm_state if isinstance(transition, AlarmTransition) else None,
        )

    def _samples(
        self, transitions: list[Transition], lines: Sequence[str], times: Sequence[int] | None,
        time_runs: tuple[list[int], list[int], list[int]] | None = None, text: str | None = None,
    ) -> dict:
        """Up to ``max_samples`` raw messages per new ALARM: the newest matching lines of this batch
        inside the alarming window.

        When the kernel saw the batch's event times never decrease (``time_runs``: where each run of
        equal times starts), each alarm looks only at the lines whose times fall in its window,
        found by bisection; in the batch's ``text`` (instead of its ``lines``) it jumps from one
        occurrence of the group's value to the previous. Otherwise one backward scan over the
        batch's lines serves every alarm.
        """
        wanted: dict[tuple[int, Hashable], Transition] = {
            (t.rule, t.group): t for t in transitions if t.state == ALARM
        }
        if time_runs is None:
            return self._scan(wanted, lines, times, range(len(lines) - 1, -1, -1))
        starts, run_times, offsets = time_runs
        found: dict[tuple[int, Hashable], list[str]] = {}
        for pair, transition in wanted.items():
            width = self.rules.rules[pair[0]].spec.window_ms
            # Runs before `first` end at or before the window's start; runs from `after` on are newer.
            first = bisect_right(run_times, transition.time_ms - width)
            after = bisect_right(run_times, transition.time_ms)
            if first == after:
                found[pair] = []
            elif text is None:
                hi = starts[after] if after < len(starts) else len(lines)
                found.update(self._scan({pair: transition}, lines, times, range(hi - 1, starts[first] - 1, -1)))
            else:
                hi = offsets[after] if after < len(offsets) else len(text)
                found[pair] = self._scan_text(pair, transition, text, offsets[first], hi)
        return found

    def _scan_text(self, pair: tuple[int, Hashable], transition: Transition, text: str, lo: int, hi: int) -> list[str]:
        """The samples of one alarm among the lines of ``text[lo:hi]`` (whole lines), newest first:
        the same lines :meth:`_scan` keeps, found by searching the text for the value every sample
        contains rather than testing each line."""
        needle = self._needle(*pair)
        if not needle:
            region = text[lo:hi].split("\n")
            return self._scan({pair: transition}, region, None, range(len(region) - 1, -1, -1))[pair]
        rule_index, key = pair
        width = self.rules.rules[rule_index].spec.window_ms
        pattern = self.rule_defs[rule_index].pattern
        nfields = self.fmt.nfields
        kept: list[str] = []
        end = hi
        while len(kept) < self.max_samples:
            at = text.rfind(needle, lo, end)
            if at < 0:
                break
            start = text.rfind("\n", lo, at) + 1 or lo
            stop = text.find("\n", at, hi)
            line = text[start:hi if stop < 0 else stop]
            end = start  # the previous occurrence is in an earlier line
            fields = line.split()
            if len(fields) != nfields or self._group_key(rule_index, fields) != key:
                continue
            time = self._event_time(fields, None, 0)
            if (
                time is not None
                and transition.time_ms - width < time <= transition.time_ms
                and pattern.matches_split(fields, line)
            ):
                kept.insert(0, line)
        return kept

    def _needle(self, rule_index: int, key: Hashable) -> str | None:
        """A text every sample of this alarm contains: the group's first value, else the rule's
        longest required literal; None when there is none."""
        first = key[0] if isinstance(key, tuple) else key
        return first if isinstance(first, str) and first else self._literals[rule_index]

    def _scan(
        self, wanted: dict[tuple[int, Hashable], Transition], lines: Sequence[str], times: Sequence[int] | None,
        indexes: range,
    ) -> dict:
        """The samples of ``wanted`` alarms among ``lines[i]`` for i in ``indexes`` (newest first).
        Stops once every alarm has its samples; a substring test on the group's first value skips
        most lines without splitting them."""
        needles: set[str] = set()
        every_line = False
        for rule_index, key in wanted:
            needle = self._needle(rule_index, key)
            if not needle:
                every_line = True  # nothing every sample must contain: look at every line
                break
            needles.add(needle)
        search = None if every_line else re.compile("|".join(map(re.escape, sorted(needles)))).search
        found: dict[tuple[int, Hashable], list[str]] = {pair: [] for pair in wanted}
        open_pairs = len(wanted)
        nfields = self.fmt.nfields
        for index in indexes:
            line = lines[index]
            if search is not None and search(line) is None:
                continue
            fields = line.split()
            if len(fields) != nfields:
                continue
            time = None
            for (rule_index, key), transition in wanted.items():
                kept = found[rule_index, key]
                if len(kept) >= self.max_samples or self._group_key(rule_index, fields) != key:
                    continue
                if time is None:
                    time = self._event_time(fields, times, index)
                    if time is None:
                        break
                width = self.rules.rules[rule_index].spec.window_ms
                if transition.time_ms - width < time <= transition.time_ms and self.rule_defs[
                    rule_index
                ].pattern.matches_split(fields, line):
                    kept.insert(0, line)
                    if len(kept) == self.max_samples:
                        open_pairs -= 1
            if not open_pairs:
                break
        return found

    def _group_key(self, rule_index: int, fields: list[str]) -> Hashable:
        indexes = self._group_index[rule_index]
        if not indexes:
            return ""
        if len(indexes) == 1:
            return fields[indexes[0]]
        return tuple(fields[i] for i in indexes)

    def _event_time(self, fields: list[str], times: Sequence[int] | None, index: int) -> int | None:
        if times is not None:
            return times[index]
        return None if self._start is None else start_ms(fields[self._start])


def required_literal(pattern: Any, nfields: int) -> str | None:
    """The longest text a line must contain to match a bracket pattern (from an ``=`` condition on a
    plain word), or None; lets the sample search skip lines without tokenising them."""
    if pattern.kind != "bracket":
        return None
    best = None
    for binding in pattern.bind(nfields) or ():
        if len(binding.condition.all_of) != 1:
            continue
        for cmp in binding.condition.all_of[0].cmps:
            if (
                type(cmp) is TextCmp
                and cmp.op == "="
                and cmp.literal_text
                and (best is None or len(cmp.literal_text) > len(best))
            ):
                best = cmp.literal_text
    return best
