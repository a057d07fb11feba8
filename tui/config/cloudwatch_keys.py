"""The rule keys of ``evaluate: cloudwatch``: a rule evaluated as CloudWatch evaluates its alarm.

    evaluate: cloudwatch            # sliding (the default) | cloudwatch
    period: 5m                      # the alarm's Period (default: window); 10s, 30s or a multiple of 60s
    evaluation_periods: 1           # EvaluationPeriods (N)
    datapoints_to_alarm: 1          # DatapointsToAlarm (M, default N)
    comparison: GreaterThanOrEqualToThreshold
    statistic: Sum                  # Sum | SampleCount | Average | Minimum | Maximum
    treat_missing_data: missing     # missing | notBreaching | breaching | ignore
    evaluation_window: sliding      # sliding | wall-clock (UTC)
    dimensions: {srcaddr: 10.0.0.155}   # the one series an alarm with dimensions watches
"""

from __future__ import annotations

from typing import Any

from tui.config import convert
from tui.config.loader import LineDict
from tui.rules.cloudwatch_alarm import (
    COMPARISONS,
    EVALUATION_WINDOWS,
    STATISTICS,
    TREAT_MISSING,
    WALL_CLOCK_PERIODS_S,
    AlarmSpec,
    valid_period,
)

EVALUATIONS = ("sliding", "cloudwatch")
KEYS = (
    "evaluate", "period", "evaluation_periods", "datapoints_to_alarm", "comparison", "statistic",
    "treat_missing_data", "evaluation_window", "dimensions",
)
ONE_DAY_S = 86_400


def non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ValueError(f"must be a number, 0 or more, got {value!r}")
    return float(value)


def alarm_spec(v: Any, mapping: LineDict, path: str, window_s: float, group_by: tuple[str, ...],
               measure: str, threshold: float) -> AlarmSpec | None:
    """The AlarmSpec of a rule with ``evaluate: cloudwatch``, None for a sliding rule; problems are
    reported through the validator ``v`` (its ``get`` and ``issues``)."""
    evaluate = v.get(mapping, "evaluate", path, convert.choice(EVALUATIONS), "sliding")
    present = [key for key in KEYS[1:] if key in mapping]
    if evaluate != "cloudwatch":
        for key in present:
            v.issues.add(mapping.line_of(key), f"{path}.{key}", "needs evaluate: cloudwatch")
        return None
    line = mapping.line

    def where(key: str) -> tuple[int, str]:
        if key == "period" and key not in mapping and "window" in mapping:
            key = "window"  # the period is the window's
        return (mapping.line_of(key) if key in mapping else line), f"{path}.{key}"

    period_s = v.get(mapping, "period", path, convert.positive_duration, window_s)
    if not period_s:
        v.issues.add(line, path, "evaluate: cloudwatch needs period (or window)")
        period_s = 60
    n = v.get(mapping, "evaluation_periods", path, convert.positive_int, 1)
    m = v.get(mapping, "datapoints_to_alarm", path, convert.positive_int, n)
    comparisons = convert.choice(tuple(COMPARISONS))
    comparison = v.get(mapping, "comparison", path, comparisons, "GreaterThanOrEqualToThreshold")
    statistic = v.get(mapping, "statistic", path, convert.choice(STATISTICS), "Sum")
    treat = v.get(mapping, "treat_missing_data", path, convert.choice(TREAT_MISSING), "missing")
    window = v.get(mapping, "evaluation_window", path, convert.choice(EVALUATION_WINDOWS), "sliding")
    if not valid_period(period_s):
        v.issues.add(*where("period"), f"{period_s:g} s is no CloudWatch period (10 s, 30 s or a multiple of 60 s)")
    elif window == "wall-clock" and period_s not in WALL_CLOCK_PERIODS_S:
        v.issues.add(*where("period"), "a wall-clock window takes a period of 1m, 5m, 1h, 1d or 7d")
    if m > n:
        v.issues.add(*where("datapoints_to_alarm"), f"{m} is more than evaluation_periods ({n})")
    if period_s * n > (ONE_DAY_S if period_s < 3600 else 7 * ONE_DAY_S):
        v.issues.add(*where("evaluation_periods"),
                     "period x evaluation_periods may not exceed 1 day (7 days for periods of 1 hour or more)")
    if measure == "distinct":
        v.issues.add(*where("evaluate"), "distinct has no CloudWatch form: a metric filter publishes 1 or a field")
    elif measure == "sum" and statistic != "Sum":
        v.issues.add(*where("statistic"), "flowtail simulates Sum only for a sum:FIELD measure")
    dimensions = _dimensions(v, mapping, path, group_by)
    return AlarmSpec(
        period_s=int(period_s), threshold=threshold, evaluation_periods=n, datapoints_to_alarm=m,
        comparison=comparison, statistic=statistic, treat_missing_data=treat, evaluation_window=window,
        dimensions=dimensions,
    )


def _dimensions(v: Any, mapping: LineDict, path: str, group_by: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    value = mapping.get("dimensions")
    if value is None:
        return ()
    line, key_path = mapping.line_of("dimensions"), f"{path}.dimensions"
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        v.issues.add(line, key_path, "must map group_by fields to values, e.g. {srcaddr: 10.0.0.155}")
        return ()
    if set(value) != set(group_by):
        v.issues.add(line, key_path, f"must name exactly the group_by fields ({', '.join(group_by) or 'none'})")
        return ()
    return tuple((name, str(value[name])) for name in group_by)
