"""YAML mapping (with lines) -> :class:`Config`, collecting every problem as ``file:line: key.path: what``.

The walk never stops at the first problem: a bad value is recorded and replaced by its default so
the rest of the file is still checked, and :class:`ConfigError` lists everything at the end.
Sections are checked in dependency order: the format before the fields that rules name, the
notifiers before the rules that notify them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from tui.config import cloudwatch_keys, convert
from tui.config.convert import Converter
from tui.config.issues import Issues, closest, describe, did_you_mean
from tui.config.keys import key_conflicts
from tui.config.loader import LineDict, LineList
from tui.config.schema import (
    ALERT_STATES,
    CLOCKS,
    COLORS,
    HISTORY_ENGINES,
    KEY_ACTIONS,
    MEASURES,
    S3_FILE_FORMATS,
    SEVERITIES,
    VIA,
    AthenaConfig,
    AwsConfig,
    BellConfig,
    Config,
    DisplayConfig,
    FollowConfig,
    HistoryConfig,
    JournalConfig,
    KinesisSourceConfig,
    LimitsConfig,
    RuleConfig,
    SnsConfig,
    SourceConfig,
)
from tui.flowlog import DEFAULT_FORMAT, FlowFormat, FormatError
from tui.patterns import PatternError, compile_pattern

# The scalar keys of each section (see Table below).
_AWS = {
    "profile": ("profile", convert.text),
    "region": ("region", convert.region),
    "endpoint_url": ("endpoint_url", convert.endpoint_url),
    "allow_unknown_region": ("allow_unknown_region", convert.boolean),
}
_FOLLOW = {
    "poll_interval": ("poll_interval_s", convert.positive_duration),
    "lookback": ("lookback_s", convert.duration),
    "max_delay": ("max_delay_s", convert.duration),
    "requests_per_second": ("requests_per_second", convert.positive_number),
}
_DISPLAY = {
    "refresh": ("refresh_s", convert.positive_duration),
    "clock": ("clock", convert.choice(CLOCKS)),
    "bell": ("bell", convert.boolean),
    "flows_rows": ("flows_rows", convert.positive_int),
    "sparkline_minutes": ("sparkline_minutes", convert.positive_int),
    "color": ("color", convert.choice(COLORS)),
}
_LIMITS = {
    "max_groups_per_rule": ("max_groups_per_rule", convert.positive_int),
    "rule_memory": ("rule_memory", convert.memory_size),
    "max_samples": ("max_samples", convert.positive_int),
    "held_records": ("held_records", convert.positive_int),
}
_JOURNAL = {"path": ("path", convert.file_path)}
_SNS = {
    "topic_arn": ("topic_arn", convert.sns_topic_arn),
    "cooldown": ("cooldown_s", convert.duration),
    "subject_prefix": ("subject_prefix", convert.any_text),
    "region": ("region", convert.region),
    "profile": ("profile", convert.text),
}
_HISTORY = {
    "engine": ("engine", convert.choice(HISTORY_ENGINES)),
    "max_scan": ("max_scan_bytes", convert.byte_size),
    "insights_usd_per_gb": ("insights_usd_per_gb", convert.positive_number),
    "athena_usd_per_tb": ("athena_usd_per_tb", convert.positive_number),
    "cache_size": ("cache_bytes", convert.byte_size),
}
_ATHENA = {
    "database": ("database", convert.sql_name),
    "table": ("table", convert.sql_name),
    "workgroup": ("workgroup", convert.sql_name),
    "output_location": ("output_location", convert.s3_uri),
    "location": ("location", convert.s3_uri),
    "file_format": ("file_format", convert.choice(S3_FILE_FORMATS)),
}
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "": ("aws", "format", "sources", "follow", "rules", "notifiers", "display", "limits", "history"),
    "aws": tuple(_AWS),
    "sources[]": ("log_group", "stream_prefix", "filter_pattern", "via"),
    "sources[] (kinesis)": ("kinesis_stream", "log_groups", "consumer_name", "region"),
    "follow": tuple(_FOLLOW),
    "rules[]": (
        "name", "pattern", "threshold", "window", "group_by", "measure", "severity", "notify", "description", "enabled",
        *cloudwatch_keys.KEYS,
    ),
    "notifiers": ("sns", "journal", "bell"),
    "notifiers.sns": (*_SNS, "states"),
    "notifiers.journal": tuple(_JOURNAL),
    "notifiers.bell": (),
    "display": (*_DISPLAY, "keys"),
    "limits": tuple(_LIMITS),
    "history": (*_HISTORY, "files", "athena"),
    "history.athena": tuple(_ATHENA),
}
"""Every key flowtail reads, per section (``[]``: each item of a list); any other key is an error."""
_RULE_REQUIRED = ("name", "pattern", "threshold", "window")
_NUMERIC_KINDS = ("int", "epoch")  # FlowFormat.kind() values that sum:FIELD can add up

Table = Mapping[str, tuple[str, Converter]]  # YAML key -> (dataclass attribute, converter)
NameCheck = Callable[[str, int, str], bool]  # (name, line, path) -> keep it? (reports why not)


def build_config(document: LineDict, filename: str) -> Config:
    """The validated Config for a top-level mapping read from ``filename``; ConfigError lists every problem."""
    return _Validator(filename).config(document)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _unknown_hint(match: str | None, known: Sequence[str], path: str) -> str:
    if match:
        return f" (did you mean {match!r}?)"
    if not known:
        return f" ({path} takes no keys)"
    return f" (expected one of: {', '.join(known)})"


class _Validator:
    def __init__(self, filename: str) -> None:
        self.issues = Issues(filename)
        self.format: FlowFormat | None = None
        self.format_label = "the default format"

    # -- generic checks -------------------------------------------------------------------------

    def section(
        self, value: Any, line: int, path: str, known: Sequence[str] | None, required: Sequence[str] = ()
    ) -> LineDict | None:
        """``value`` as a mapping (null is an empty one) after reporting duplicate, unknown and missing keys.

        ``known=None`` accepts any key. None when ``value`` is not a mapping at all.
        """
        if value is None and required:
            self.issues.add(line, path, f"is empty; it needs {', '.join(required)}")
            return None
        if value is None:
            value = LineDict(line)
        if not isinstance(value, LineDict):
            wanted = f" with keys such as {', '.join(known[:4])}" if known else ""
            self.issues.add(line, path, f"must be a mapping{wanted}, got {describe(value)}")
            return None
        for key, key_line, first in value.duplicates:
            self.issues.add(key_line, path, f"duplicate key {key!r} (first on line {first})")
        misspelt = set()
        if known is not None:
            for key in value:
                if key not in known:
                    match = closest(key, known)
                    misspelt.add(match)
                    self.issues.add(value.line_of(key), path, f"unknown key {key!r}{_unknown_hint(match, known, path)}")
        for key in required:
            if key in misspelt:  # already reported as a misspelling: one mistake, one line
                continue
            if key not in value:
                self.issues.add(line, path, f"missing required key {key!r}")
            elif value[key] is None:
                self.issues.add(value.line_of(key), _join(path, key), "is required but empty")
        return value

    def get(self, mapping: LineDict, key: str, path: str, converter: Converter, default: Any) -> Any:
        """The converted value of ``key``, or ``default`` when it is absent, null, or wrong (then reported)."""
        value = mapping.get(key)
        if value is None:
            return default
        try:
            return converter(value)
        except ValueError as error:
            self.issues.add(mapping.line_of(key), _join(path, key), str(error))
            return default

    def scalars(self, mapping: LineDict, path: str, table: Table, defaults: object) -> dict[str, Any]:
        """Dataclass keyword arguments for the scalar keys in ``table``."""
        return {
            attr: self.get(mapping, key, path, converter, getattr(defaults, attr))
            for key, (attr, converter) in table.items()
        }

    def simple(self, parent: LineDict, key: str, table: Table, cls: type) -> Any:
        """A section made only of scalar keys, such as ``follow:``; its defaults when absent or broken."""
        mapping = self.section(parent.get(key), parent.line_of(key), key, tuple(table))
        return cls(**self.scalars(mapping, key, table, cls())) if mapping is not None else cls()

    def items(self, parent: LineDict, key: str, path: str) -> list[tuple[Any, int, str]]:
        """(item, line, path) for the list under ``key``; an absent or null list is empty."""
        value, line, list_path = parent.get(key), parent.line_of(key), _join(path, key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.issues.add(line, list_path, f"must be a list, got {describe(value)}")
            return []
        return [(item, value.line_of(i), f"{list_path}[{i}]") for i, item in enumerate(value)]

    def names(self, parent: LineDict, key: str, path: str, check: NameCheck) -> list[str]:
        """The names under ``key`` (one name or a list of names) that are not repeated and pass ``check``."""
        value = parent.get(key)
        if isinstance(value, str):
            entries = [(value, parent.line_of(key), _join(path, key))]
        else:
            entries = self.items(parent, key, path)
        seen: set[str] = set()
        result: list[str] = []
        for name, line, item_path in entries:
            if not isinstance(name, str) or not name.strip():
                self.issues.add(line, item_path, f"must be a name, got {describe(name)}")
            elif name in seen:
                self.issues.add(line, item_path, f"{name!r} is listed twice")
            else:
                seen.add(name)
                if check(name, line, item_path):
                    result.append(name)
        return result

    def pattern(self, mapping: LineDict, key: str, path: str) -> tuple[str | None, Any]:
        """(text, compiled pattern) for a filter-pattern key; the pattern is None when absent or invalid."""
        text = self.get(mapping, key, path, convert.any_text, None)
        if text is None:
            return None, None
        try:
            return text, compile_pattern(text)
        except PatternError as error:
            self.issues.add(mapping.line_of(key), _join(path, key), str(error))
            return text, None

    def field(self, name: str, line: int, path: str) -> bool:
        """Whether the configured format has field ``name``; if not, report it with the closest names."""
        if self.format is None or self.format.has(name):
            return True
        hint = did_you_mean(name, self.format.names) or f" (its fields: {', '.join(self.format.names)})"
        self.issues.add(line, path, f"no field {name!r} in {self.format_label}{hint}")
        return False

    # -- sections -------------------------------------------------------------------------------

    def config(self, document: LineDict) -> Config:
        top = self.section(document, document.line, "", SECTION_KEYS[""])
        assert top is not None  # the loader only returns mappings
        self.flow_format(top)
        notifiers = self.notifiers(top)
        enabled, disabled = self.rules(top, notifiers)
        config = Config(
            path=self.issues.filename,
            aws=self.simple(top, "aws", _AWS, AwsConfig),
            format=self.format or DEFAULT_FORMAT,
            sources=tuple(self.sources(top)),
            follow=self.simple(top, "follow", _FOLLOW, FollowConfig),
            rules=tuple(enabled),
            notifiers=notifiers,
            display=self.display(top),
            limits=self.simple(top, "limits", _LIMITS, LimitsConfig),
            disabled_rules=tuple(disabled),
            history=self.history(top),
        )
        self.issues.raise_if_any()
        return config

    def flow_format(self, top: LineDict) -> None:
        """Set the format the rules' fields are checked against; None (no field checks) when it is invalid."""
        if top.get("format") is None:
            self.format = DEFAULT_FORMAT
            return
        text = self.get(top, "format", "", convert.text, None)
        if text is None:
            return
        try:
            self.format = FlowFormat.parse(text)
        except FormatError as error:
            self.issues.add(top.line_of("format"), "format", str(error).removeprefix("format: "))
            return
        if self.format != DEFAULT_FORMAT:
            self.format_label = f"the format on line {top.line_of('format')}"

    def sources(self, top: LineDict) -> list[SourceConfig | KinesisSourceConfig]:
        result: list[SourceConfig | KinesisSourceConfig] = []
        for item, line, path in self.items(top, "sources", ""):
            kinesis = isinstance(item, LineDict) and "kinesis_stream" in item
            if kinesis and "log_group" in item:
                self.issues.add(line, path, "give either log_group (CloudWatch Logs) or kinesis_stream, not both")
                continue
            if isinstance(item, LineDict) and not kinesis and "log_group" not in item:
                needs = "needs log_group (a CloudWatch Logs group) or kinesis_stream (a Kinesis stream)"
                self.issues.add(line, path, needs)
                self.section(item, line, path, (*SECTION_KEYS["sources[]"], *SECTION_KEYS["sources[] (kinesis)"]))
                continue
            if kinesis:
                source = self.kinesis_source(item, line, path)
                if source is not None:
                    result.append(source)
                continue
            mapping = self.section(item, line, path, SECTION_KEYS["sources[]"], required=("log_group",))
            if mapping is None:
                continue
            filter_text, _ = self.pattern(mapping, "filter_pattern", path)
            result.append(SourceConfig(
                log_group=self.get(mapping, "log_group", path, convert.log_group, ""),
                stream_prefix=self.get(mapping, "stream_prefix", path, convert.text, None),
                filter_pattern=filter_text,
                line=line,
                via=self.get(mapping, "via", path, convert.choice(VIA), "poll"),
            ))
        return result

    def kinesis_source(self, item: LineDict, line: int, path: str) -> KinesisSourceConfig | None:
        """A ``kinesis_stream:`` entry; its region comes from the ARN when the ARN has one."""
        mapping = self.section(item, line, path, SECTION_KEYS["sources[] (kinesis)"], required=("kinesis_stream",))
        if mapping is None:
            return None
        stream = self.get(mapping, "kinesis_stream", path, convert.kinesis_stream, "")
        region = self.get(mapping, "region", path, convert.region, None)
        arn = convert.KINESIS_STREAM_ARN.fullmatch(stream)
        if arn and region is not None and region != arn.group(1):
            self.issues.add(mapping.line_of("region"), _join(path, "region"),
                            f"{region!r} is not the stream's region {arn.group(1)!r} (from kinesis_stream)")
        groups = self.names(mapping, "log_groups", path, self.log_group_name)
        return KinesisSourceConfig(
            stream=stream,
            log_groups=tuple(convert.log_group_name(group) for group in groups),
            consumer_name=self.get(mapping, "consumer_name", path, convert.consumer_name, None),
            region=region if region is not None or not arn else arn.group(1),
            line=line,
        )

    def log_group_name(self, value: str, line: int, path: str) -> bool:
        try:
            convert.log_group(value)
        except ValueError as error:
            self.issues.add(line, path, str(error))
            return False
        return True

    def notifiers(self, top: LineDict) -> dict[str, object]:
        mapping = self.section(top.get("notifiers"), top.line_of("notifiers"), "notifiers", SECTION_KEYS["notifiers"])
        if mapping is None:
            return {}
        result: dict[str, object] = {}
        if "sns" in mapping:
            result["sns"] = self.sns(mapping)
        if "journal" in mapping:
            result["journal"] = self.simple(mapping, "journal", _JOURNAL, JournalConfig)
        if "bell" in mapping:
            self.section(mapping["bell"], mapping.line_of("bell"), "notifiers.bell", SECTION_KEYS["notifiers.bell"])
            result["bell"] = BellConfig()
        return result

    def sns(self, notifiers: LineDict) -> SnsConfig:
        path, line = "notifiers.sns", notifiers.line_of("sns")
        mapping = self.section(notifiers["sns"], line, path, SECTION_KEYS[path], required=("topic_arn",))
        if mapping is None:
            return SnsConfig(topic_arn="", line=line)
        values = self.scalars(mapping, path, _SNS, SnsConfig(topic_arn=""))
        if mapping.get("states") is not None:
            values["states"] = self.states(mapping, path)
        topic = convert.SNS_TOPIC_ARN.fullmatch(values["topic_arn"])
        if topic and values["region"] is None:
            values["region"] = topic.group(1)
        elif topic and values["region"] != topic.group(1):
            self.issues.add(mapping.line_of("region"), _join(path, "region"),
                            f"{values['region']!r} is not the topic's region {topic.group(1)!r} (from topic_arn)")
        return SnsConfig(**values, line=line)

    def states(self, sns: LineDict, path: str) -> tuple[str, ...]:
        """The alert states that are published: ALARM and/or OK."""

        def check(state: str, line: int, state_path: str) -> bool:
            if state in ALERT_STATES:
                return True
            self.issues.add(line, state_path, f"must be ALARM or OK, got {state!r}{did_you_mean(state, ALERT_STATES)}")
            return False

        if isinstance(sns["states"], list) and not sns["states"]:
            self.issues.add(sns.line_of("states"), _join(path, "states"), "list at least one of ALARM, OK")
        return tuple(self.names(sns, "states", path, check))

    def display(self, top: LineDict) -> DisplayConfig:
        mapping = self.section(top.get("display"), top.line_of("display"), "display", SECTION_KEYS["display"])
        if mapping is None:
            return DisplayConfig()
        keys = self.section(mapping.get("keys"), mapping.line_of("keys"), "display.keys", None) or LineDict()
        bindings = {}
        for action, key in keys.items():
            line = keys.line_of(action)
            if not isinstance(action, str):
                self.issues.add(line, "display.keys", f"an action name must be text, got {describe(action)}")
            elif action not in KEY_ACTIONS:
                self.issues.add(
                    line, f"display.keys.{action}", f"unknown action; the actions are {', '.join(KEY_ACTIONS)}"
                )
            elif not isinstance(key, str) or not key:
                self.issues.add(
                    line, f"display.keys.{action}", f"must be a key name such as q or ctrl+p, got {describe(key)}"
                )
            else:
                bindings[action] = key
        for action, problem in key_conflicts(bindings).items():
            self.issues.add(keys.line_of(action), f"display.keys.{action}", problem)
        return DisplayConfig(**self.scalars(mapping, "display", _DISPLAY, DisplayConfig()), keys=bindings)

    def history(self, top: LineDict) -> HistoryConfig:
        mapping = self.section(top.get("history"), top.line_of("history"), "history", SECTION_KEYS["history"])
        if mapping is None:
            return HistoryConfig()
        files = self.names(mapping, "files", "history", self.history_file)
        athena_map = self.section(mapping.get("athena"), mapping.line_of("athena"), "history.athena", tuple(_ATHENA))
        athena = AthenaConfig()
        if athena_map is not None:
            athena = AthenaConfig(**self.scalars(athena_map, "history.athena", _ATHENA, athena))
        values = self.scalars(mapping, "history", _HISTORY, HistoryConfig())
        return HistoryConfig(
            **values, files=tuple(convert.history_file(name) for name in files), athena=athena
        )

    def history_file(self, value: str, line: int, path: str) -> bool:
        try:
            convert.history_file(value)
        except ValueError as error:
            self.issues.add(line, path, str(error))
            return False
        return True

    # -- rules ----------------------------------------------------------------------------------

    def rules(self, top: LineDict, notifiers: dict[str, object]) -> tuple[list[RuleConfig], list[RuleConfig]]:
        """(enabled rules, disabled rules); names are unique across both."""
        enabled: list[RuleConfig] = []
        disabled: list[RuleConfig] = []
        first_line: dict[str, int] = {}
        for item, line, path in self.items(top, "rules", ""):
            cloudwatch = isinstance(item, LineDict) and item.get("evaluate") == "cloudwatch"
            required = tuple(key for key in _RULE_REQUIRED if not (cloudwatch and key == "window"))  # period will do
            mapping = self.section(item, line, path, SECTION_KEYS["rules[]"], required=required)
            if mapping is None:
                continue
            name, name_line = self.get(mapping, "name", path, convert.rule_name, ""), mapping.line_of("name")
            if name in first_line:
                message = f"duplicate rule name {name!r} (first on line {first_line[name]})"
                self.issues.add(name_line, _join(path, "name"), message)
            elif name:
                first_line[name] = name_line
            rule = self.rule(mapping, path, name, notifiers)
            (enabled if self.get(mapping, "enabled", path, convert.boolean, True) else disabled).append(rule)
        return enabled, disabled

    def rule(self, mapping: LineDict, path: str, name: str, notifiers: dict[str, object]) -> RuleConfig:
        def configured(notifier: str, line: int, notifier_path: str) -> bool:
            if notifier in notifiers:
                return True
            hint = did_you_mean(notifier, notifiers) or f" (configured: {', '.join(notifiers) or 'none'})"
            self.issues.add(line, notifier_path, f"notifier {notifier!r} is not configured under 'notifiers:'{hint}")
            return False

        # In the documented key order, so that issues on one line come out in that order.
        pattern_text, pattern = self.pattern(mapping, "pattern", path)
        cloudwatch = mapping.get("evaluate") == "cloudwatch"  # CloudWatch takes 0 and "fewer than" thresholds
        threshold_type = cloudwatch_keys.non_negative_number if cloudwatch else convert.positive_number
        threshold = self.get(mapping, "threshold", path, threshold_type, 0.0)
        window_s = self.get(mapping, "window", path, convert.positive_duration, 0.0)
        group_by = tuple(self.names(mapping, "group_by", path, self.field))
        measure, measure_field = self.measure(mapping, path)
        alarm = cloudwatch_keys.alarm_spec(self, mapping, path, window_s, group_by, measure, threshold)
        return RuleConfig(
            name=name,
            pattern_text=pattern_text or "",
            pattern=pattern,
            threshold=threshold,
            window_s=window_s or (alarm.period_s if alarm is not None else 0.0),
            group_by=group_by,
            measure=measure,
            measure_field=measure_field,
            severity=self.get(mapping, "severity", path, convert.choice(SEVERITIES), "medium"),
            notify=tuple(self.names(mapping, "notify", path, configured)),
            description=self.get(mapping, "description", path, convert.any_text, ""),
            line=mapping.line,
            alarm=alarm,
        )

    def measure(self, mapping: LineDict, path: str) -> tuple[str, str | None]:
        """(kind, field) from ``count``, ``sum:FIELD`` or ``distinct:FIELD``."""
        text = self.get(mapping, "measure", path, convert.text, "count")
        line, measure_path = mapping.line_of("measure"), _join(path, "measure")
        kind, colon, field = (part.strip() for part in text.partition(":"))
        usage = "use count, sum:FIELD or distinct:FIELD"
        if kind not in MEASURES:
            self.issues.add(line, measure_path, f"unknown measure {text!r}; {usage}{did_you_mean(kind, MEASURES)}")
            return "count", None
        if kind == "count":
            if colon:
                self.issues.add(line, measure_path, f"count takes no field, got {text!r}; {usage}")
            return "count", None
        if not field:
            example = "bytes" if kind == "sum" else "dstport"
            self.issues.add(line, measure_path, f"{kind} needs a field: {kind}:FIELD, e.g. {kind}:{example}")
            return kind, None
        known = self.field(field, line, measure_path)
        if kind == "sum" and known and self.format is not None and self.format.kind(field) not in _NUMERIC_KINDS:
            message = f"sum needs a numeric field; {field!r} is not one (distinct:{field} counts its values)"
            self.issues.add(line, measure_path, message)
        return kind, field
