"""Threshold rules: sliding windows over event time, group-by, measures, the OK/ALARM state machine."""

from tui.rules.alerts import Alert
from tui.rules.ruleset import RuleSet, RuleSpec, RuleStatus

__all__ = ["Alert", "RuleSet", "RuleSpec", "RuleStatus"]
