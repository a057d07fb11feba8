"""The validated configuration: frozen dataclasses whose defaults are the documented defaults.

``validate.py`` builds these from YAML; everything else in flowtail reads only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from tui.rules.budget import DEFAULT_RULE_MEMORY

if TYPE_CHECKING:
    from tui.flowlog import FlowFormat

SEVERITIES = ("info", "low", "medium", "high", "critical")
MEASURES = ("count", "sum", "distinct")
ALERT_STATES = ("ALARM", "OK")
CLOCKS = ("utc", "local")
COLORS = ("auto", "always", "never")
VIA = ("poll", "live-tail")  # how a log_group source is read: FilterLogEvents polling, or StartLiveTail


# The terminal UI's remappable actions (the ids of its key bindings; tests/app checks they agree).
KEY_ACTIONS = (
    "quit", "help", "pause", "filter", "clear_filter", "ack", "history", "top_next", "top_bytes", "clock",
    "detail", "ack_selected", "snooze", "close",
    "errors", "order", "filter_rule",
)


@dataclass(frozen=True)
class AwsConfig:
    profile: str | None = None  # None: the standard boto3 chain (env, SSO, instance role)
    region: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class SourceConfig:
    log_group: str  # a name or a log-group ARN
    stream_prefix: str | None = None
    filter_pattern: str | None = None  # sent to FilterLogEvents to cut transfer; rules still evaluate locally
    line: int = 0
    via: str = "poll"  # one of VIA


@dataclass(frozen=True)
class KinesisSourceConfig:
    """A Kinesis Data Stream fed by a CloudWatch Logs subscription filter."""

    stream: str  # a stream name or ARN
    log_groups: tuple[str, ...] = ()  # only these groups' events (names); empty: every group
    consumer_name: str | None = None  # names this reader's checkpoint, so several readers keep their own
    region: str | None = None  # the stream's region (from its ARN unless given; else aws.region)
    line: int = 0


@dataclass(frozen=True)
class FollowConfig:
    poll_interval_s: float = 5.0
    lookback_s: float = 900.0
    max_delay_s: float = 1200.0
    requests_per_second: float = 5.0


@dataclass(frozen=True)
class RuleConfig:
    name: str
    pattern_text: str
    pattern: Any = field(compare=False, repr=False)  # the compiled tui.patterns Pattern (same text, same pattern)
    threshold: float
    window_s: float
    group_by: tuple[str, ...] = ()
    measure: str = "count"  # one of MEASURES
    measure_field: str | None = None  # the FIELD of sum:FIELD / distinct:FIELD
    severity: str = "medium"
    notify: tuple[str, ...] = ()
    description: str = ""
    line: int = 0

    @property
    def measure_text(self) -> str:
        """The measure as written in the config and printed in alerts: ``count``, ``sum:bytes``."""
        return self.measure if self.measure_field is None else f"{self.measure}:{self.measure_field}"


@dataclass(frozen=True)
class SnsConfig:
    topic_arn: str
    states: tuple[str, ...] = ("ALARM",)
    cooldown_s: float = 600.0
    subject_prefix: str = "[flowtail]"
    region: str | None = None  # the topic's region (from its ARN unless given)
    profile: str | None = None  # None: aws.profile
    line: int = 0


@dataclass(frozen=True)
class JournalConfig:
    path: str | None = None  # None: the XDG state directory default


@dataclass(frozen=True)
class BellConfig:
    """Ring the terminal bell on new ALARMs for the rules that notify ``bell``."""


@dataclass(frozen=True)
class DisplayConfig:
    refresh_s: float = 1.0
    clock: str = "utc"  # one of CLOCKS
    bell: bool = False
    flows_rows: int = 300
    sparkline_minutes: int = 60
    color: str = "auto"  # one of COLORS
    keys: Mapping[str, str] = field(default_factory=dict)  # action name (one of KEY_ACTIONS) -> key


@dataclass(frozen=True)
class LimitsConfig:
    max_groups_per_rule: int | None = None  # None: as many as rule_memory holds
    rule_memory: int = DEFAULT_RULE_MEMORY  # bytes for the groups of all rules (tui/rules/budget.py)
    max_samples: int = 5


@dataclass(frozen=True)
class Config:
    path: str | None
    aws: AwsConfig
    format: FlowFormat
    sources: tuple[SourceConfig | KinesisSourceConfig, ...]
    follow: FollowConfig
    rules: tuple[RuleConfig, ...]  # enabled rules only
    notifiers: Mapping[str, object]  # "sns" -> SnsConfig, "journal" -> JournalConfig, "bell" -> BellConfig
    display: DisplayConfig
    limits: LimitsConfig
    disabled_rules: tuple[RuleConfig, ...] = ()  # `enabled: false`: validated, not evaluated
