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
HISTORY_ENGINES = ("local", "insights", "athena")  # `flowtail history --via` and history.engine
S3_FILE_FORMATS = ("text", "parquet")  # a flow log's file format in S3


# The terminal UI's remappable actions (the ids of its key bindings; tests/app checks they agree).
KEY_ACTIONS = (
    "quit", "help", "pause", "filter", "clear_filter", "ack", "history", "top_next", "top_bytes", "clock",
    "detail", "ack_selected", "snooze", "close",
    "errors", "order", "filter_rule", "investigate", "mutes", "unmute",
    "range_1h", "range_6h", "range_24h", "range_7d", "engine", "toggle_records", "approve",
)


@dataclass(frozen=True)
class AwsConfig:
    profile: str | None = None  # None: the standard boto3 chain (env, SSO, instance role)
    region: str | None = None
    endpoint_url: str | None = None
    # accept a region the installed botocore does not list (one newer than it), as --unknown-region-ok
    allow_unknown_region: bool = False


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
    # evaluate: cloudwatch: the alarm settings (a tui.rules.cloudwatch_alarm.AlarmSpec); None: sliding
    alarm: Any = None

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
    held_records: int = 200_000  # records the session holds for the evidence and the flows filter


@dataclass(frozen=True)
class AthenaConfig:
    """The Athena table over the flow logs in S3 (``flowtail history --print-ddl`` creates it)."""

    database: str = "default"
    table: str = "vpc_flow_logs"
    workgroup: str = "primary"
    output_location: str | None = None  # s3://bucket/prefix/ for results; None: the workgroup's setting
    location: str | None = None  # for --print-ddl: s3://bucket/prefix/AWSLogs/ACCOUNT/vpcflowlogs/REGION/
    file_format: str = "text"  # the flow log's S3 file format: text or parquet (for --print-ddl)


@dataclass(frozen=True)
class HistoryConfig:
    """``flowtail history`` and the History screen: which engine, what a scan may cost, where the data is."""

    engine: str = "local"  # one of HISTORY_ENGINES
    max_scan_bytes: int = 10 * 10**9  # above this estimate, ask before running (Insights, Athena)
    insights_usd_per_gb: float = 0.005
    athena_usd_per_tb: float = 5.0
    files: tuple[str, ...] = ()  # local paths (files, directories) and s3://bucket/prefix for the local engine
    cache_bytes: int = 2 * 10**9  # the local engine's Parquet cache, oldest entries evicted beyond this
    athena: AthenaConfig = field(default_factory=AthenaConfig)


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
    history: HistoryConfig = field(default_factory=HistoryConfig)
