"""Drilling down from a dashboard row: the flows filter that selects one top-N key."""

from __future__ import annotations

from typing import Any

# top-N dimensions -> the format field they count
_FIELDS = {"srcaddr": "srcaddr", "dstaddr": "dstaddr", "dstport": "dstport", "protocol": "protocol",
           "interface-id": "interface-id"}


def key_filter(fmt: Any, dimension: str, key: str) -> str | None:
    """A bracket pattern matching the records whose ``dimension`` field is ``key`` (by position in
    ``fmt``), e.g. ``[f1, f2, f3, srcaddr="10.0.1.20", ...]``; None when the format has no such
    field or the value cannot be quoted (it is log data: a quote or backslash is refused, not
    escaped)."""
    field = _FIELDS.get(dimension)
    if field is None or field not in fmt.names or '"' in key or "\\" in key or not key:
        return None
    position = list(fmt.names).index(field)
    before = [f"f{index + 1}" for index in range(position)]
    name = field.replace("-", "_")
    rest = [] if position == len(fmt.names) - 1 else ["..."]
    return "[" + ", ".join([*before, f'{name}="{key}"', *rest]) + "]"
