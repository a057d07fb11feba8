"""A configuration built from the command line instead of a file: `flowtail watch LOG_GROUP...
[--pattern P] [--rule 'NAME: PATTERN >= N in W [by FIELD]']`, and from discovery.

The document is built as the YAML would be, and validated by the same code as a file
(:func:`build_config`), so a command-line rule is checked exactly like a configured one; each problem
is said in terms of the option that caused it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Sequence

from tui.config.issues import ConfigError
from tui.config.loader import LineDict, LineList
from tui.config.schema import Config
from tui.config.validate import build_config

ORIGIN = "<command line>"
RULE_SYNTAX = "NAME: PATTERN >= N in WINDOW [by FIELD[,FIELD...]]"
_RULE = re.compile(
    r"\s*(?P<name>[^:\s]+)\s*:\s*(?P<pattern>.+)\s*>=\s*(?P<threshold>\S+)\s+in\s+(?P<window>\S+)"
    r"(?:\s+by\s+(?P<by>\S.*?))?\s*",
    re.DOTALL,
)
_ISSUE = re.compile(
    re.escape(ORIGIN) + r":\d+: (?P<section>rules|sources)\[(?P<index>\d+)\](?:\.(?P<key>\S+))?: (?P<what>.*)"
)


def parse_rule(text: str) -> dict[str, Any]:
    """``'ssh: [..., dstport=22, action=REJECT, status] >= 20 in 60s by srcaddr'`` -> a rule mapping
    as in a config file (not yet validated); ValueError with one line when it is not that shape."""
    match = _RULE.fullmatch(text)
    if match is None:
        example = "'ssh: [..., dstport=22, action=REJECT, status] >= 20 in 60s by srcaddr'"
        raise ValueError(f"--rule {text!r}: expected {RULE_SYNTAX}, e.g. {example}")
    try:
        threshold: float = float(match["threshold"])
    except ValueError:
        raise ValueError(f"--rule {text!r}: the threshold {match['threshold']!r} is not a number") from None
    rule: dict[str, Any] = {
        "name": match["name"],
        "pattern": match["pattern"].strip(),
        "threshold": int(threshold) if threshold.is_integer() else threshold,
        "window": match["window"],
    }
    if match["by"]:
        rule["group_by"] = [name.strip() for name in match["by"].split(",") if name.strip()]
    return rule


def command_line_document(
    log_groups: Sequence[str],
    *,
    rules: Sequence[dict[str, Any]],
    pattern: str | None = None,
    flow_format: str = "default",
    aws: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The configuration document (as YAML would load it) following ``log_groups`` with ``rules``;
    ``pattern`` becomes each source's ``filter_pattern``; ``extra`` adds top-level sections."""
    only = {"filter_pattern": pattern} if pattern is not None else {}
    sources = [{"log_group": group, **only} for group in log_groups]
    document: dict[str, Any] = {"format": flow_format, "sources": sources, "rules": list(rules)}
    if aws:
        document = {"aws": {key: value for key, value in aws.items() if value is not None}, **document}
    return {**document, **(extra or {})}


def config_from_document(document: dict[str, Any]) -> Config:
    """The validated Config (``path`` None: no file) of a document built by
    :func:`command_line_document`; ConfigError whose
    lines name the option (``--rule 'ssh'``, the log group) instead of a file line."""
    try:
        return dataclasses.replace(build_config(as_document(document), ORIGIN), path=None)
    except ConfigError as error:
        raise ConfigError(_said_for_options(issue, document) for issue in error.issues) from None


def as_document(value: Any, line: int = 1) -> Any:
    """Plain dicts and lists as the loader's LineDict and LineList (every line ``line``)."""
    if isinstance(value, dict):
        mapping = LineDict(line)
        for key, item in value.items():
            mapping[key] = as_document(item, line)
            mapping.key_lines[key] = line
        return mapping
    if isinstance(value, list):
        sequence = LineList(line)
        for item in value:
            sequence.append(as_document(item, line))
            sequence.item_lines.append(line)
        return sequence
    return value


def _said_for_options(issue: str, document: dict[str, Any]) -> str:
    """``<command line>:1: rules[0].window: ...`` -> ``--rule 'ssh': window: ...``."""
    match = _ISSUE.fullmatch(issue)
    if match is None:
        return issue.replace(f"{ORIGIN}:1: ", "", 1)
    index, key = int(match["index"]), f"{match['key']}: " if match["key"] else ""
    if match["section"] == "rules":
        return f"--rule {document['rules'][index].get('name')!r}: {key}{match['what']}"
    source = document["sources"][index]
    option = "--pattern" if match["key"] == "filter_pattern" else f"log group {source.get('log_group')!r}"
    return f"{option}: {match['what']}"
