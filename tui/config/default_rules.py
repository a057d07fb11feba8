"""The rules `flowtail watch LOG_GROUP` runs when none is given: the demo's runbook rules (SSH and RDP
brute force, port scan, large transfer), read from ``tui/demo/config.yaml`` so there is one copy.

Those rules are written for the default format. A bracket pattern binds fields by position, so for a
custom format each is rewritten to name every field of that format, with each condition on the field
of the same name; a rule that needs a field the format lacks is left out, with the reason.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml

from tui.flowlog import DEFAULT_FORMAT, FlowFormat

DEFAULT_RULE_NAMES = ("ssh-brute-force", "rdp-probe", "port-scan", "large-transfer")
_ENTRY = re.compile(r"\s*([A-Za-z0-9_-]+)\s*(.*?)\s*", re.DOTALL)


def default_rules(flow_format: FlowFormat = DEFAULT_FORMAT) -> tuple[list[dict[str, Any]], list[str]]:
    """(rules as config mappings, one note per rule left out) for ``flow_format``. The rules notify
    nobody: a configuration without ``notifiers:`` has no one to notify."""
    demo = yaml.safe_load(resources.files("tui.demo").joinpath("config.yaml").read_text(encoding="utf-8"))
    rules, notes = [], []
    for rule in demo["rules"]:
        if rule["name"] not in DEFAULT_RULE_NAMES:
            continue
        rule = {key: value for key, value in rule.items() if key != "notify"}
        problem = _missing_field(rule, flow_format)
        if problem is None and flow_format != DEFAULT_FORMAT:
            rule["pattern"], problem = retarget(rule["pattern"], flow_format)
        if problem is not None:
            notes.append(f"default rule {rule['name']!r} left out: {problem}")
        else:
            rules.append(rule)
    return rules, notes


def retarget(pattern: str, flow_format: FlowFormat) -> tuple[str, str | None]:
    """(the bracket ``pattern`` written for the default format, rewritten for ``flow_format``; None or
    why it cannot be)."""
    conditions = default_conditions(pattern)
    missing = [name for name in conditions if not flow_format.has(name)]
    if missing:
        return pattern, f"the format has no field {', '.join(map(repr, missing))}"
    return "[" + ", ".join(f"{name}{conditions.get(name, '')}" for name in flow_format.names) + "]", None


def default_conditions(pattern: str) -> dict[str, str]:
    """Default-format field name -> the condition text on it (``=22``), for a bracket pattern whose
    entries bind the default format's fields by position."""
    entries = _split_entries(pattern.strip()[1:-1])
    if "..." in (entry.strip() for entry in entries):
        cut = [entry.strip() for entry in entries].index("...")
        before, after = entries[:cut], entries[cut + 1:]
        names = [*DEFAULT_FORMAT.names[: len(before)], *DEFAULT_FORMAT.names[len(DEFAULT_FORMAT.names) - len(after):]]
        entries = [*before, *after]
    else:
        names = list(DEFAULT_FORMAT.names[: len(entries)])
    result = {}
    for name, entry in zip(names, entries):
        match = _ENTRY.fullmatch(entry)
        if match and match.group(2):
            result[name] = match.group(2)
    return result


def _split_entries(body: str) -> list[str]:
    """The comma-separated entries of a bracket pattern's body; commas inside double quotes stay."""
    entries: list[str] = []
    current: list[str] = []
    quoted = False
    for char in body:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return entries


def _missing_field(rule: dict[str, Any], flow_format: FlowFormat) -> str | None:
    """Why ``rule``'s group_by or measure cannot run on ``flow_format``, or None."""
    fields = list(rule.get("group_by", []))
    measure = str(rule.get("measure", "count"))
    if ":" in measure:
        fields.append(measure.split(":", 1)[1])
    missing = [name for name in fields if not flow_format.has(name)]
    return f"the format has no field {', '.join(map(repr, missing))}" if missing else None
