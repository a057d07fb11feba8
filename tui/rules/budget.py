"""What a rule's groups cost in memory, and how many fit a budget (``limits.rule_memory``).

Group keys are attacker-controlled (a spoofed or distributed scan brings a new source address with
every record), so the groups a rule tracks are bounded by a memory budget, not by a guess at a count.
The figures below were measured with tracemalloc on CPython 3.12 (``benchmarks/bench_flood.py``
prints them again): a group that has seen one record is kept as a bare entry (its key, its time and,
unless it is 1, its partial), about a tenth of a group with a window of buckets. A flood of distinct
sources is almost entirely such single-record groups.
"""

from __future__ import annotations

SINGLE_BYTES = 120  # one single-record group: dict entry, key text (an IPv4 address), time, FIFO slot
WINDOW_BYTES = 600  # a group with a window of a few buckets: GroupWindow, lists, dict, key
BUCKET_BYTES = 45  # each further bucket in a group's window

DEFAULT_RULE_MEMORY = 512 * 1024 * 1024  # bytes per rule: ~4.4 million single-record groups


def window_bytes(buckets: int) -> int:
    """The estimated cost of one group whose window holds ``buckets`` buckets."""
    return WINDOW_BYTES + BUCKET_BYTES * max(0, buckets - 2)


def singles_held(memory_bytes: int) -> int:
    """How many single-record groups fit ``memory_bytes``."""
    return memory_bytes // SINGLE_BYTES
