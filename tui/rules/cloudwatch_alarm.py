"""A rule evaluated the way CloudWatch evaluates a metric alarm on a metric filter's metric.

What the CloudWatch user guide defines ("Evaluating an alarm", "Alarm evaluation window",
"Configuring how CloudWatch alarms treat missing data"), and flowtail does the same:

- **Datapoints.** One per ``period``: the statistic of the metric values the filter published in it
  (metric value ``1`` per matching event for ``count``, the field for ``sum:FIELD``); for a field,
  each period keeps the count, sum, minimum and maximum of its values, never the values. A period
  without a matching event has no datapoint: it is *missing*, unless the filter has a default value
  and records arrived in that period (then the datapoint is the default value).
- **When.** The alarm is evaluated every minute (every 10 s for a period under a minute). With the
  default ``SlidingWindow`` the datapoints end at the evaluation time: at 12:10 a 5-minute alarm
  looks at [12:05, 12:10), at 12:11 at [12:06, 12:11). With a ``WallClockWindow`` they are aligned
  to the period's clock boundaries (:00, :05, ... for 5 minutes; Monday 00:00 UTC for a week), so a
  datapoint counts only once its period is complete.
- **Evaluation range.** CloudWatch retrieves more datapoints than ``evaluation_periods`` (N): the
  guide's tables show 5 for N = 3; flowtail takes N + 2.
- **M out of N** (:func:`judge`): with at least N datapoints present, the newest N are judged; with
  fewer, the present ones and as few filled-in missing ones as needed, filled per
  ``treat_missing_data``; ALARM when at least M (``datapoints_to_alarm``) breach. ``missing`` gives
  INSUFFICIENT_DATA when no present datapoint decides; ``ignore`` keeps the current state then; and
  the *premature alarm* rule: with ``missing``, when the oldest breaching datapoint of the range is
  at least M periods old and every newer one is breaching or missing, the alarm goes to ALARM.
- **Late records.** A metric filter publishes with the log event's timestamp, so a late record
  changes a past datapoint; "any real data points in the evaluation range, no matter when they were
  reported, are included in the evaluation", but an evaluation already made is never revised. So
  here: the alarm is evaluated at each step once the watermark (newest event time seen) has passed
  it, over the records received by then; a late record enters the evaluations after it arrives while
  its period is inside their range, and never rewrites a past transition. Unlike flowtail's sliding
  episodes this verdict depends on arrival order, as CloudWatch's does.

The states are OK, ALARM and INSUFFICIENT_DATA (a new alarm's state). Transitions into and out of
ALARM are reported; an alarm that leaves ALARM ends its episode, whatever state it goes to.

Series are capped (``max_groups_per_rule``, else ``SERIES_CAP``): a new group beyond the cap evicts
the oldest series not in ALARM. An evicted series loses its datapoints, so an alarm may be missed:
the first eviction of a degradation episode is a ``DEGRADED`` transition of the rule, as a sliding
rule's budget eviction is (tui.rules.budget.Evictions).
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from time import gmtime, strftime
from typing import Any, NamedTuple

from tui.rules.alerts import DEGRADED
from tui.rules.budget import Evictions

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
STATISTICS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum")
TREAT_MISSING = ("missing", "notBreaching", "breaching", "ignore")
EVALUATION_WINDOWS = ("sliding", "wall-clock")
WALL_CLOCK_PERIODS_S = (60, 300, 3600, 86400, 604800)  # the only periods a WallClockWindow takes
HIGH_RESOLUTION_PERIODS_S = (10, 30)  # besides these, a period is a multiple of 60 s
_MONDAY_MS = 4 * 86_400_000  # 1970-01-05, the first Monday: weeks start there (ISO 8601)
# How long a series keeps its events after they have left every evaluation range: the rule view
# explains a disagreement with them. Memory stays bounded by the group cap.
EXPLAIN_MS = 3_600_000


def valid_period(seconds: float) -> bool:
    """Whether CloudWatch takes ``seconds`` as an alarm period: 10, 30 or a multiple of 60."""
    return seconds in HIGH_RESOLUTION_PERIODS_S or (seconds >= 60 and seconds % 60 == 0)


@dataclass(frozen=True)
class AlarmSpec:
    """An alarm's evaluation settings (PutMetricAlarm's names in the comments)."""

    period_s: int  # Period
    threshold: float  # Threshold
    evaluation_periods: int = 1  # EvaluationPeriods (N)
    datapoints_to_alarm: int = 1  # DatapointsToAlarm (M)
    comparison: str = "GreaterThanOrEqualToThreshold"  # ComparisonOperator
    statistic: str = "Sum"  # Statistic
    treat_missing_data: str = "missing"  # TreatMissingData
    evaluation_window: str = "sliding"  # EvaluationWindow: SlidingWindow | WallClockWindow (UTC)
    # Dimensions the alarm names (an alarm watches one series of a filter with dimensions): only
    # the group with these values is evaluated. Empty: every group, each as its own series.
    dimensions: tuple[tuple[str, str], ...] = ()
    # The metric filter's default value (no dimensions): the datapoint of a period in which records
    # arrived but none matched. None: such a period is missing.
    default_value: float | None = None

    @property
    def period_ms(self) -> int:
        return self.period_s * 1000

    @property
    def range_points(self) -> int:
        """Datapoints retrieved per evaluation (the evaluation range): N + 2, as in the guide's tables."""
        return self.evaluation_periods + 2

    @property
    def step_ms(self) -> int:
        """How often the alarm is evaluated: every minute, every 10 s for a sub-minute period; a
        wall-clock window changes only at the period's boundaries."""
        if self.evaluation_window == "wall-clock":
            return self.period_ms
        return 60_000 if self.period_s >= 60 else 10_000

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison](value, self.threshold)

    def condition(self) -> str:
        """``Sum >= 3``: the statistic, the comparison and the threshold."""
        symbol = {"GreaterThanOrEqualToThreshold": ">=", "GreaterThanThreshold": ">",
                  "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}[self.comparison]
        return f"{self.statistic} {symbol} {_number(self.threshold)}"

    def describe(self) -> str:
        """``3 of 5 periods of 300 s, Sum >= 3, missing data notBreaching``."""
        window = ", wall-clock window" if self.evaluation_window == "wall-clock" else ""
        default = "" if self.default_value is None else f", default value {_number(self.default_value)}"
        return (f"{self.datapoints_to_alarm} of {self.evaluation_periods} periods of {self.period_s} s, "
                f"{self.condition()}, missing data {self.treat_missing_data}"
                f"{default}{window}")


def judge(points: Sequence[float | None], spec: AlarmSpec, current: str) -> str:
    """The alarm state from the evaluation range's datapoints, oldest first (None: missing), and the
    current state (which ``ignore`` may keep). The user guide's tables are this function's tests."""
    n, m = spec.evaluation_periods, spec.datapoints_to_alarm
    present = [spec.breaches(value) for value in points if value is not None]
    if len(present) >= n:  # enough real datapoints: the newest N decide, missing data plays no part
        return ALARM if sum(present[-n:]) >= m else OK
    breaching = sum(present)
    filled = n - len(present)  # missing datapoints used, as few as possible
    treat = spec.treat_missing_data
    if treat == "breaching":
        return ALARM if breaching + filled >= m else OK
    if treat == "notBreaching":
        return ALARM if breaching >= m else OK
    # missing / ignore: the present datapoints decide when they can
    if breaching >= m:
        return ALARM
    if breaching < len(present):  # a present datapoint is within the threshold
        return OK
    if treat == "missing" and _premature(points, spec):
        return ALARM
    return INSUFFICIENT_DATA if treat == "missing" else current


def _premature(points: Sequence[float | None], spec: AlarmSpec) -> bool:
    """The "premature alarm" rule: the oldest breaching datapoint is at least M periods old and
    every newer datapoint is breaching or missing (the caller knows none present is within)."""
    oldest_breaching_age = None
    for age, value in enumerate(reversed(points), start=1):  # age 1: the newest datapoint
        if value is not None and spec.breaches(value):
            oldest_breaching_age = age
    return oldest_breaching_age is not None and oldest_breaching_age >= spec.datapoints_to_alarm


# -- a $field metric's values: count, sum, minimum, maximum (what every statistic needs) -------------

FIELD_STATS = "stats"  # the kernel measure whose partials are [count, sum, minimum, maximum]


def kernel_measure(rule: Any) -> str:
    """The measure the kernel aggregates for a rule (an engine RuleDef): a cloudwatch rule with a
    statistic other than Sum of a $field needs each bucket's count, minimum and maximum too."""
    alarm = getattr(rule, "alarm", None)
    if alarm is not None and rule.measure == "sum" and alarm.statistic != "Sum":
        return FIELD_STATS
    return str(rule.measure)


def stats_sum(partial: Any) -> Any:
    """The sum of a FieldStats partial (what the sliding rule of the same measure adds up)."""
    return partial[1]


def combine(into: Any, partial: Any) -> Any:
    """Two partials of one datapoint as one: numbers add up; FieldStats ([count, sum, minimum,
    maximum]) combine. ``into`` (None: nothing yet) is copied, never the caller's ``partial``."""
    if not isinstance(partial, list):
        return partial if into is None else into + partial
    if into is None:
        return list(partial)
    into[0] += partial[0]
    into[1] += partial[1]
    into[2] = min(into[2], partial[2])
    into[3] = max(into[3], partial[3])
    return into


class AlarmTransition(NamedTuple):
    """A change of one (rule, group)'s alarm into or out of ALARM (fields as ruleset.Transition's,
    plus the CloudWatch state it went to). ``state`` is ALARM or OK (the episode's end, for sinks);
    ``alarm_state`` is what CloudWatch says: ALARM, OK or INSUFFICIENT_DATA. A degradation (series
    evicted) is ``DEGRADED`` in both, with group None, as ruleset.Transition's."""

    rule: int
    group: Hashable
    state: str
    time_ms: int
    value: float
    first_ms: int | None
    last_ms: int | None
    episode_start_ms: int
    peak: float
    late: bool
    alarm_state: str


class _Series:
    """One group's metric: its matching events' partials by event time, and its alarm state."""

    __slots__ = ("times", "parts", "state", "alarm_since", "next_eval", "peak")

    def __init__(self) -> None:
        self.times: list[int] = []  # sorted event times with a partial
        # event time -> the sum of the metric values there, or their FieldStats for a statistic
        # other than Sum of a $field
        self.parts: dict[int, Any] = {}
        self.state = INSUFFICIENT_DATA
        self.alarm_since: int | None = None  # evaluation time the current ALARM began
        self.next_eval: int | None = None
        self.peak = 0.0

    def add(self, time: int, partial: Any) -> None:
        if time in self.parts:
            self.parts[time] = combine(self.parts[time], partial)
        else:
            self.parts[time] = combine(None, partial)
            insort(self.times, time)

    def between(self, start: int, end: int) -> list[int]:
        """Event times in [start, end)."""
        return self.times[bisect_left(self.times, start):bisect_left(self.times, end)]

    def forget_before(self, time: int) -> None:
        cut = bisect_left(self.times, time)
        if cut:
            for old in self.times[:cut]:
                del self.parts[old]
            del self.times[:cut]


@dataclass(frozen=True)
class SeriesView:
    """One group's alarm for the rule view: its state and when ALARM began."""

    group: Hashable
    state: str
    alarm_since_ms: int | None


class CloudWatchAlarm(Evictions):
    """The alarm of one rule, one series per group; fed the rule's buckets and the watermark.

    At most ``max_groups`` series; ``evicted_by`` names that cap for the dashboard. ``max_delay_ms``
    is how late a record may still be accepted: with the evaluation range, how long an evicted
    series could still have counted (the degradation episode). ``now`` is set by the engine before
    each batch (the watermark, that batch included)."""

    def __init__(
        self, index: int, spec: AlarmSpec, *, count_measure: bool, dimension_key: Hashable | None = None,
        max_groups: int = 10_000, max_delay_ms: int = 20 * 60_000, evicted_by: str | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.spec = spec
        self.count_measure = count_measure  # metric value 1 per event (else a $field)
        self.dimension_key = dimension_key  # the one group an alarm with dimensions watches
        self.max_groups = max_groups
        self.max_delay_ms = max_delay_ms
        self.evicted_by = f"the {max_groups:,}-series cap" if evicted_by is None else evicted_by
        self.series: dict[Hashable, _Series] = {}
        self.late_buckets = 0
        self.evaluated_to: int | None = None  # the last evaluation time
        # With a default value: the event-time minutes in which records arrived (matching or not),
        # forgotten once out of every range. Minute resolution: a sub-minute period counts as
        # having records when its minute has.
        self.seen_minutes: set[int] = set()

    # -- input -----------------------------------------------------------------------------------

    def add(self, items: Iterable[tuple[tuple[Hashable, int], Any]], floor: int | None) -> None:
        """Buckets ``((group, event time ms), partial)``; those older than ``floor`` (max_delay) are dropped."""
        wanted = self.dimension_key
        for (key, time), partial in items:
            if wanted is not None and key != wanted:
                continue
            if floor is not None and time < floor:
                self.late_buckets += 1
                continue
            series = self.series.get(key)
            if series is None:
                series = self._new_series(key)
            series.add(time, partial)
            self._schedule(series, time)

    def saw(self, minutes: Iterable[int], floor: int | None) -> None:
        """Records arrived in these event-time minutes (``minute = ms // 60000``), whether or not
        they matched: with a default value, their periods are not missing. Without, a no-op."""
        if self.spec.default_value is None or self.dimension_key is not None:
            return
        for minute in minutes:
            time = minute * 60_000
            if (floor is not None and time + 60_000 <= floor) or minute in self.seen_minutes:
                continue
            self.seen_minutes.add(minute)
            series = self.series.get("")
            if series is None:
                series = self._new_series("")
            self._schedule(series, time)

    def _schedule(self, series: _Series, time: int) -> None:
        if series.next_eval is None:
            # The first evaluation that can see this event: the next step after it, or after the
            # last evaluation already made (a late record does not rewrite the past).
            first = self._boundary_after(time)
            if self.evaluated_to is not None:
                first = max(first, self.evaluated_to + self.spec.step_ms)
            series.next_eval = first

    def _new_series(self, key: Hashable) -> _Series:
        if len(self.series) >= self.max_groups:
            victim = next((k for k, s in self.series.items() if s.state != ALARM), None)
            if victim is None:
                victim = next(iter(self.series))
            del self.series[victim]
            self._evicted()
        series = self.series[key] = _Series()
        return series

    # -- evaluation ------------------------------------------------------------------------------

    def advance(self, watermark: int, out: list[AlarmTransition]) -> None:
        """Make every evaluation due at or before ``watermark``."""
        step = self.spec.step_ms
        now = self._boundary_at_or_before(watermark)
        span = self.spec.range_points * self.spec.period_ms
        for key, series in self.series.items():
            t = series.next_eval
            if t is None or t > now:
                continue
            newest = self._newest(key, series)
            while t <= now:
                if newest is not None and t - span > newest:
                    # Every datapoint of the range is missing from here on: one evaluation says
                    # what all the later ones say.
                    self._evaluate(key, series, t, out)
                    t = now + step
                    break
                self._evaluate(key, series, t, out)
                t += step
            series.next_eval = t
            series.forget_before(now - span - EXPLAIN_MS)
        if self.evaluated_to is None or now > self.evaluated_to:
            self.evaluated_to = now
        if self.seen_minutes:
            oldest = (now - span) // 60_000 - 1
            self.seen_minutes = {minute for minute in self.seen_minutes if minute >= oldest}
        self._forget_idle()

    def report_degraded(self, watermark: int | None, out: list[AlarmTransition]) -> None:
        """After a batch: a ``DEGRADED`` transition when a degradation episode began in it; the episode
        ends once no evicted datapoint could still be in an evaluation range with a record accepted
        now (the watermark the range and ``max_delay`` past the last eviction)."""
        found = self._degradation(watermark, self.spec.range_points * self.spec.period_ms + self.max_delay_ms)
        if found is not None:
            since, evicted = found
            out.append(AlarmTransition(self.index, None, DEGRADED, since, evicted, None, None, since, evicted, False,
                                       DEGRADED))

    def _newest(self, key: Hashable, series: _Series) -> int | None:
        """The newest time with something to report: a matching event, or records seen (default value)."""
        newest = series.times[-1] if series.times else None
        if key == "" and self.seen_minutes:
            seen = max(self.seen_minutes) * 60_000 + 59_999
            newest = seen if newest is None else max(newest, seen)
        return newest

    def _evaluate(self, key: Hashable, series: _Series, t: int, out: list[AlarmTransition]) -> None:
        points, first, last = self.datapoints(series, t)
        state = judge(points, self.spec, series.state)
        present = [value for value in points if value is not None]
        value = present[-1] if present else 0.0
        if state == ALARM and present:
            series.peak = max(series.peak, max(present))
        if state == series.state:
            return
        previous, series.state = series.state, state
        if state == ALARM:
            series.alarm_since = t
            series.peak = max(present) if present else 0.0
            out.append(AlarmTransition(self.index, key, ALARM, t, value, first, last, t, series.peak, False, ALARM))
        elif previous == ALARM:
            start = series.alarm_since if series.alarm_since is not None else t
            series.alarm_since = None
            out.append(AlarmTransition(self.index, key, OK, t, value, first, last, start, series.peak, False, state))

    def datapoints(self, series: _Series, t: int) -> tuple[list[float | None], int | None, int | None]:
        """The evaluation range at time ``t``, oldest datapoint first, and the first and last event
        times inside it."""
        spec = self.spec
        period = spec.period_ms
        end = t  # sliding: the range ends at the evaluation; wall-clock: evaluations are at boundaries
        count = spec.range_points
        start = end - count * period
        cells: list[Any] = [None] * count
        times = series.between(start, end)
        for time in times:
            index = (time - start) // period
            cells[index] = combine(cells[index], series.parts[time])
        points = [None if cell is None else self._statistic(cell) for cell in cells]
        if spec.default_value is not None and self.seen_minutes and series is self.series.get(""):
            for index, point in enumerate(points):
                low = start + index * period
                if point is None and any(minute in self.seen_minutes
                                         for minute in range(low // 60_000, (low + period - 1) // 60_000 + 1)):
                    points[index] = spec.default_value
        return points, (times[0] if times else None), (times[-1] if times else None)

    def _statistic(self, cell: Any) -> float:
        """The statistic of a datapoint: ``cell`` is the sum of its metric values, or their
        FieldStats [count, sum, minimum, maximum]."""
        statistic = self.spec.statistic
        if isinstance(cell, list):
            count, total, low, high = cell
            return float({"Sum": total, "SampleCount": count, "Average": total / count,
                          "Minimum": low, "Maximum": high}[statistic])
        if statistic in ("Sum", "SampleCount") or not self.count_measure:
            return cell  # count: sum = sample count; a $field's Sum
        return 1.0  # Average, Minimum, Maximum of values that are all 1

    # -- clock -----------------------------------------------------------------------------------

    def _origin(self) -> int:
        return _MONDAY_MS if self.spec.period_s == 604800 else 0

    def _boundary_at_or_before(self, time: int) -> int:
        step, origin = self.spec.step_ms, self._origin()
        return (time - origin) // step * step + origin

    def _boundary_after(self, time: int) -> int:
        return self._boundary_at_or_before(time) + self.spec.step_ms

    def _forget_idle(self) -> None:
        """Drop the series whose events have all left the range and that are not in ALARM: they can
        only report again through new events, and a new series would report the same (transitions
        are into and out of ALARM only). Memory stays bounded by the groups active in the range."""
        idle = [key for key, series in self.series.items() if not series.times and series.state != ALARM
                and not (key == "" and self.seen_minutes)]  # records seen: the default value reports
        for key in idle:
            del self.series[key]

    # -- reading ---------------------------------------------------------------------------------

    def views(self) -> tuple[SeriesView, ...]:
        return tuple(SeriesView(key, s.state, s.alarm_since) for key, s in self.series.items())

    def max_datapoint(self, key: Hashable, start: int, end: int) -> tuple[float, int] | None:
        """The largest datapoint of any evaluation at a step in [start, end], and that evaluation's
        time: what the alarm could see of a stretch (None when the group is not held)."""
        series = self.series.get(key)
        if series is None:
            return None
        best: tuple[float, int] | None = None
        step = self.spec.step_ms
        t = self._boundary_after(start - 1)
        while t <= end:
            points, _, _ = self.datapoints(series, t)
            newest = points[-1]
            if newest is not None and (best is None or newest > best[0]):
                best = (newest, t)
            t += step
        return best


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def sliding_threshold(spec: AlarmSpec, measure: str = "count") -> float | None:
    """The threshold of flowtail's sliding rule that says the same as a one-period alarm, for the
    comparisons and statistics a sliding count or sum can express (else None): GreaterThan T is
    "at or above the next number after T". A sliding window counts matches or sums a field: it has
    no form for an average, minimum or maximum, nor for the sample count of a field."""
    if spec.statistic not in (("Sum", "SampleCount") if measure == "count" else ("Sum",)):
        return None
    if spec.comparison == "GreaterThanOrEqualToThreshold":
        return spec.threshold
    if spec.comparison == "GreaterThanThreshold":
        return math.nextafter(spec.threshold, math.inf)
    return None


def shadow_threshold(spec: AlarmSpec | None, threshold: float, measure: str = "count") -> float:
    """The threshold of a rule's sliding evaluation: its own for a sliding rule; for a cloudwatch rule
    the one that says the same over a sliding window, or infinity (never) when none does."""
    if spec is None:
        return threshold
    same = sliding_threshold(spec, measure)
    return math.inf if same is None else same


# Series (dimension values) one simulated alarm keeps without limits.max_groups_per_rule: more than
# a Metrics Insights alarm evaluates (500) and than AWS lets a dimension hold (1,000 values).
SERIES_CAP = 100_000


def alarms_for(rules: Sequence[Any], max_groups: int | None, max_delay_ms: int) -> dict[int, CloudWatchAlarm]:
    """The alarms of the rules (engine RuleDefs) with ``evaluate: cloudwatch``, by rule index; each
    keeps at most ``max_groups`` series (``limits.max_groups_per_rule``; ``SERIES_CAP`` when None)."""
    alarms = {}
    for index, rule in enumerate(rules):
        spec = rule.alarm
        if spec is None:
            continue
        key: Hashable | None = None
        if spec.dimensions:
            values = tuple(value for _, value in spec.dimensions)
            key = values[0] if len(values) == 1 else values
        alarms[index] = CloudWatchAlarm(
            index, spec, count_measure=rule.measure == "count", dimension_key=key,
            max_groups=SERIES_CAP if max_groups is None else max_groups, max_delay_ms=max_delay_ms,
            evicted_by=None if max_groups is None else "limits.max_groups_per_rule",
        )
    return alarms


# -- the two verdicts side by side, for the rule view ------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A cloudwatch rule's two verdicts: CloudWatch's, the sliding window's, and why they differ."""

    rule: str
    setting: str  # AlarmSpec.describe()
    cloudwatch: str  # e.g. "ALARM: srcaddr=10.0.0.155 since 12:07:00" or "OK (2 series)"
    sliding: str  # e.g. "ALARM episode 12:09:20-12:14:30" or "no episode"
    reasons: tuple[str, ...]  # one line per disagreement
    comparable: bool = True  # False: the sliding window has no form for this alarm (``sliding`` says why)


def _clock(ms: int) -> str:
    return strftime("%H:%M:%S", gmtime(ms / 1000))


def verdicts(
    alarms: dict[int, CloudWatchAlarm], rules: Sequence[Any], shadow: Iterable[Any], alerts: Iterable[Any],
    group_dict: Callable[[int, Hashable], dict[str, Any]],
) -> tuple[Verdict, ...]:
    """Every cloudwatch rule's verdicts from its alarm, its sliding episodes (``shadow`` alerts) and
    its CloudWatch alerts; ``group_dict`` names a group key's fields (Engine.group_dict)."""
    result = []
    shadow, alerts = list(shadow), list(alerts)
    for index, alarm in alarms.items():
        rule = rules[index]
        spec = alarm.spec
        mine = [a for a in alerts if a.rule == rule.name and a.evaluation == "cloudwatch"]
        episodes = [a for a in shadow if a.rule == rule.name]
        views = alarm.views()
        labels = {view.group: " ".join(f"{k}={v}" for k, v in group_dict(index, view.group).items()) or "*"
                  for view in views}
        alarming = [f"{labels[v.group]} since {_clock(v.alarm_since_ms)}" for v in views
                    if v.state == ALARM and v.alarm_since_ms is not None]
        states = sorted({v.state for v in views})
        cloudwatch = f"ALARM: {', '.join(alarming)}" if alarming else (" / ".join(states) or INSUFFICIENT_DATA)
        if sliding_threshold(spec, rule.measure) is None:
            result.append(Verdict(rule.name, spec.describe(), cloudwatch,
                                  f"not comparable: a sliding window has no form for {spec.condition()} "
                                  f"(it counts matches or sums a field, and alarms at or above)", (), False))
            continue
        starts = [a for a in episodes if a.state == ALARM]
        ends = {a.episode_id: a.time_ms for a in episodes if a.state != ALARM}
        sliding = "no episode" if not starts else "; ".join(
            f"ALARM {a.group_label} {_clock(a.episode_start_ms or a.time_ms)}"
            + (f"-{_clock(ends[a.episode_id])}" if a.episode_id in ends else " (open)") for a in starts[-3:])
        reasons = []
        for start in starts:
            begin = start.episode_start_ms or start.time_ms
            end = ends.get(start.episode_id, alarm.evaluated_to or begin)
            seen = any(a.group_label == start.group_label and a.state == ALARM
                       and begin <= a.time_ms <= end + spec.period_ms for a in mine)
            if not seen:
                reasons.append(_sliding_only(alarm, rule, start, begin, end))
        for cw in mine:
            if cw.state != ALARM:
                continue
            overlaps = any(s.group_label == cw.group_label and (s.episode_start_ms or s.time_ms) < cw.time_ms
                           and ends.get(s.episode_id, cw.time_ms) > cw.time_ms - spec.period_ms for s in starts)
            if not overlaps:
                why = ("missing data counts as breaching" if spec.treat_missing_data == "breaching"
                       else f"{spec.statistic} {spec.comparison}")
                reasons.append(f"{cw.group_label}: CloudWatch ALARM at {_clock(cw.time_ms)} ({why}); "
                               f"the sliding window never reached {_number(rule.threshold)} there")
        result.append(Verdict(rule.name, spec.describe(), cloudwatch, sliding, tuple(reasons)))
    return tuple(result)


def _sliding_only(alarm: CloudWatchAlarm, rule: Any, start: Any, begin: int, end: int) -> str:
    """Why a sliding episode has no CloudWatch ALARM: the matches that made it, and the most any
    datapoint CloudWatch evaluated held."""
    spec = alarm.spec
    key = _group_key(start)
    window = int(rule.window_s * 1000)
    label = start.group_label
    if key not in alarm.series:
        return (f"{label}: the sliding window reached {_number(rule.threshold)} at {_clock(begin)}; "
                "CloudWatch's series is no longer held")
    series = alarm.series[key]
    times = series.between(begin - window + 1, begin + 1)
    matches = ", ".join(_clock(t) + (f" (x{_number(series.parts[t])})" if series.parts[t] != 1 else "") for t in times)
    best = alarm.max_datapoint(key, begin - window, end + spec.period_ms)
    most = _number(best[0]) if best else "0"
    aligned = "clock-aligned" if spec.evaluation_window == "wall-clock" else "minute-aligned"
    minutes = f"{spec.period_s // 60}-minute" if spec.period_s % 60 == 0 else f"{spec.period_s}-second"
    state = series.state if series.state != ALARM else OK
    if spec.evaluation_periods > 1:
        return (f"{label}: matches at {matches}: {_number(start.value)} within {_number(rule.window_s)} s, but "
                f"CloudWatch needs {spec.datapoints_to_alarm} of {spec.evaluation_periods} breaching {minutes} "
                f"periods (the largest held {most}): CloudWatch stays {state}")
    return (f"{label}: matches at {matches}: {_number(start.value)} within {_number(rule.window_s)} s, but no "
            f"{aligned} {minutes} period holds more than {most}: CloudWatch stays {state}")


def _group_key(alert: Any) -> Hashable:
    """The engine's group key of an alert's group: "" without group_by, the text of one field's
    value, a tuple of texts for several."""
    values = tuple(str(v) for v in alert.group.values())
    if not values:
        return ""
    return values[0] if len(values) == 1 else values
