"""What the per-batch kernel hands to the engine: compact, picklable aggregates of one batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Columns of a per-minute row; the rules' match counts follow, one column per rule.
MINUTE_COLUMNS = ("records", "accept", "reject", "bytes", "packets", "nodata", "skipdata")
RECORDS, ACCEPT, REJECT, BYTES, PACKETS, NODATA, SKIPDATA = range(len(MINUTE_COLUMNS))

# Dimensions of the top-N tables, by flow-log field name.
TOP_DIMENSIONS = ("srcaddr", "dstaddr", "dstport", "protocol", "interface-id")


@dataclass
class BatchResult:
    """The aggregates of one batch of lines (a file chunk or a FilterLogEvents page)."""

    lines: int = 0
    records: int = 0
    malformed: int = 0
    malformed_samples: list[str] = field(default_factory=list)
    t_min: int | None = None  # event times, ms
    t_max: int | None = None
    # minute (event time // 60000) -> [MINUTE_COLUMNS..., matches of rule 0, rule 1, ...]
    minutes: dict[int, list[int]] = field(default_factory=dict)
    # per TOP_DIMENSIONS entry present in the format: (records by key, bytes by key)
    top: dict[str, tuple[dict[str, int], dict[str, int]]] = field(default_factory=dict)
    # per rule: {(group key, time ms): partial measure}, in arrival order
    buckets: list[dict[tuple[Any, int], Any]] = field(default_factory=list)
