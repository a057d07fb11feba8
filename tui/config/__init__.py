"""flowtail's configuration: YAML -> typed, validated, frozen dataclasses.

Every problem in a file is reported at once, each as ``file:line: key.path: what is wrong``.

    loader.py    YAML (safe loader only) that keeps the line of every key and item
    validate.py  the walk over the document that builds the dataclasses and collects issues
    convert.py   scalar converters (durations, numbers, ARNs, ...)
    schema.py    the dataclasses and their defaults
    issues.py    ConfigError and the issue collector
"""

from __future__ import annotations

import dataclasses
import os

from tui.config.issues import ConfigError
from tui.config.loader import LineDict, read_yaml
from tui.config.schema import (
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
from tui.config.validate import build_config

__all__ = [
    "AthenaConfig",
    "AwsConfig",
    "BellConfig",
    "Config",
    "ConfigError",
    "DisplayConfig",
    "FollowConfig",
    "HistoryConfig",
    "JournalConfig",
    "KinesisSourceConfig",
    "LimitsConfig",
    "RuleConfig",
    "SnsConfig",
    "SourceConfig",
    "default_config",
    "load_config",
]


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a configuration file; ConfigError lists every problem as ``file:line: key: what``."""
    name = os.fspath(path)
    return build_config(read_yaml(name), name)


def default_config() -> Config:
    """The configuration of an empty file: default format, no sources, no rules (``flowtail replay FILE``)."""
    return dataclasses.replace(build_config(LineDict(), "<defaults>"), path=None)
